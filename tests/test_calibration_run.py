"""Calibration in a run, end to end: ``verigen generate`` against the scripted server, with
known-answer problems mixed in that the solvers get right or consistently wrong.

The scripted solvers answer "the sum of the first two numbers" (wrong for one seed in four, as
for every problem), so a calibration problem whose known answer is that sum is kept right, and
one whose known answer is something else is kept wrong: the measured precision is known from
the journal's verdicts without trusting the code under test.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import pytest
from typer.testing import CliRunner

from tests.fakellm import FakeLLM

CONFIG = """\
name: t
run_dir: {run_dir}
seed: 3
precision: off
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, timeout_s: 10}}
problems:
  topics: [addition, marbles]
  per_topic: 3
  writer: {{models: [openai/writer], temperature: 1.0, max_tokens: 128}}
solver: {{models: [openai/solver-a, openai/solver-b], samples: 2, max_tokens: 128}}
math: {{workers: 2, min_share: 0.5}}
calibration: {{share: {share}, source: {source}}}
export: {{formats: [sft, dpo, rl], decontaminate: []}}
"""

KNOWN = [  # statement, known answer, whether the solvers' majority (the sum) is right
    ("Ann has 12 shells and finds 5 more. How many shells does Ann have?", "17", True),
    ("Bo has 31 cards and wins 9 more. How many cards does Bo have?", "40", True),
    ("Cy has 20 coins and gives away 6. How many coins does Cy have?", "14", False),
    ("Di bakes 8 pies and sells 3. How many pies are left?", "5", False),
]


def _bank(tmp_path: Path) -> Path:
    path = tmp_path / "known.jsonl"
    rows = [{"id": f"k{n}", "statement": s, "answer": a} for n, (s, a, _) in enumerate(KNOWN)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _config(tmp_path: Path, api_base: str, share: float = 0.5) -> Path:
    path = tmp_path / "run.yaml"
    text = CONFIG.format(
        run_dir=tmp_path / "run", api_base=api_base, share=share, source=_bank(tmp_path)
    )
    path.write_text(text)
    return path


def _generate(config: Path, report: Path) -> dict[str, Any]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    args = [sys.executable, "-m", "verigen", "generate", "-c", str(config), "-q"]
    done = subprocess.run(
        [*args, "--report-json", str(report)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(report.read_text()))


def _accepted_by_statement(run_dir: Path) -> dict[str, int]:
    """Accepted verdicts per calibration statement, read from the journal's tables."""
    con = sqlite3.connect(run_dir / "journal.sqlite")
    rows = con.execute(
        """SELECT json_extract(p.data, '$.statement'), SUM(v.outcome = 'accepted')
           FROM calibration c JOIN problems p ON p.id = c.problem_id
           JOIN attempts a ON a.problem_id = p.id JOIN verdicts v ON v.attempt_id = a.id
           GROUP BY 1"""
    ).fetchall()
    con.close()
    return {statement: int(n) for statement, n in rows}


def _all_text(path: Path) -> str:
    loaded = datasets.load_from_disk(str(path))
    assert isinstance(loaded, datasets.Dataset)
    return json.dumps(loaded.to_list())


@pytest.mark.slow
def test_a_run_measures_its_precision_on_calibration_problems_and_exports_none(
    tmp_path: Path,
) -> None:
    with FakeLLM() as server:
        config = _config(tmp_path, server.api_base)
        report = _generate(config, tmp_path / "r.json")
    run_dir = tmp_path / "run"
    accepted = _accepted_by_statement(run_dir)
    assert set(accepted) == {s for s, _, _ in KNOWN}, "all four mixed in (6 problems, share 0.5)"
    right = sum(accepted[s] for s, _, ok in KNOWN if ok)
    kept = sum(accepted.values())
    assert right > 0 and kept > right, accepted  # some kept right, some kept wrong

    calibration = report["precision"]["calibration"]
    assert calibration["problems"] == 4 and calibration["kept"] == kept
    assert calibration["correct"] == right and calibration["unchecked"] == 0
    assert calibration["precision"] == pytest.approx(right / kept)
    assert calibration["problems_correct"] == sum(1 for s, _, ok in KNOWN if ok and accepted[s])
    assert calibration["source"] == [str(tmp_path / "known.jsonl")]
    wrong_known = {a for s, a, ok in KNOWN if not ok and accepted[s]}
    assert {w["known"] for w in calibration["wrong"]} == wrong_known
    assert sum(n for w in calibration["wrong"] for n in w["kept"].values()) == kept - right
    low, high = calibration["interval"]
    assert 0 < low < right / kept < high < 1

    shown = f"**Precision {right / kept:.1%}** (95% Wilson interval {low:.1%}–{high:.1%})"
    assert shown in (run_dir / "report.md").read_text()
    for fmt in ("sft", "dpo", "rl"):
        exported = run_dir / "export" / fmt
        assert shown in (exported / "README.md").read_text(), fmt
        assert not any(s in _all_text(exported) for s, _, _ in KNOWN), fmt
    dataset = _all_text(run_dir / "dataset")
    assert report["dataset_rows"] > 0 and not any(s in dataset for s, _, _ in KNOWN)
    assert report["counts"]["problems"] <= 6, "calibration problems are not the run's own"
    assert report["counts"]["verdicts"]["accepted"] == report["dataset_rows"]

    # resumed: the same calibration problems, measured once
    with FakeLLM() as server:
        again = _generate(_config(tmp_path, server.api_base), tmp_path / "r2.json")
    assert again["precision"]["calibration"] == calibration
    assert again["dataset_rows"] == report["dataset_rows"]
    assert _accepted_by_statement(run_dir) == accepted

    # exported later from the journal: the card still states the measured precision
    from verigen.cli import app

    out = tmp_path / "later"
    result = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft", "--to", str(out)])
    assert result.exit_code == 0, result.output
    assert shown in (out / "README.md").read_text()
    assert not any(s in _all_text(out) for s, _, _ in KNOWN)


@pytest.mark.slow
def test_share_zero_mixes_in_no_calibration_problem(tmp_path: Path) -> None:
    with FakeLLM() as server:
        report = _generate(_config(tmp_path, server.api_base, share=0), tmp_path / "r.json")
    assert report["precision"]["calibration"] is None
    assert _accepted_by_statement(tmp_path / "run") == {}
    assert "Measured precision" not in (tmp_path / "run" / "report.md").read_text()


def test_a_malformed_calibration_file_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9/v1")
    bank = tmp_path / "known.jsonl"
    bank.write_text(bank.read_text() + '{"statement": "What is 2 + 2?"}\n')
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [sys.executable, "-m", "verigen", "generate", "-c", str(config), "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert f"{bank}:5:" in lines[0] and '"answer"' in lines[0]
