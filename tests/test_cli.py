"""The command line as a user meets it: version, help, stats, doctor, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.fakellm import FakeLLM
from verigen import __version__
from verigen.cli import app
from verigen.records import Attempt, Domain, Outcome, Problem, Verdict
from verigen.store import Journal

runner = CliRunner()


def test_version_and_help_list_the_commands() -> None:
    assert runner.invoke(app, ["--version"]).output.strip() == f"verigen {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "stats", "doctor"):
        assert command in result.output


def test_stats_reads_the_funnel_from_a_journal(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.add_problem(Problem(id="p1", domain=Domain.MATH, statement="1+1?"))
        for i, outcome in enumerate([Outcome.ACCEPTED, Outcome.REJECTED]):
            journal.add_attempt(
                Attempt(id=f"a{i}", problem_id="p1", sample_index=i, completion="x")
            )
            journal.add_verdict(
                f"a{i}",
                Verdict(
                    outcome=outcome, reason=outcome.value, verifier="math", verifier_version="1"
                ),
            )
    result = runner.invoke(app, ["stats", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["verdicts"] == {"accepted": 1, "rejected": 1}
    assert data["status"] == "unfinished"
    table = runner.invoke(app, ["stats", str(tmp_path)])
    assert "verdicts.accepted" in table.output


def test_stats_on_a_non_run_directory_is_one_line_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "verigen", "stats", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "run directory" in done.stderr


def test_doctor_probes_the_configured_endpoint(tmp_path: Path) -> None:
    with FakeLLM() as server:
        config = tmp_path / "c.yaml"
        config.write_text(
            f"llm: {{api_base: '{server.api_base}'}}\n"
            "problems: {topics: [a], writer: {models: [openai/x]}}\n"
            "solver: {models: [openai/x]}\n"
        )
        result = runner.invoke(app, ["doctor", "--config", str(config)])
    assert "llm endpoint" in result.output and "answered 200" in result.output
    assert "python" in result.output and "disk" in result.output


_DATASETS_BARS = ("examples/s", "Generating train split", "Saving the dataset", "Map")


def test_datasets_progress_bars_stay_out_of_generate_and_verify(tmp_path: Path) -> None:
    """Between the live panel and the summary, nothing but verigen's own output."""
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("HF_DATASETS_DISABLE_PROGRESS_BARS", None)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"solution": "\\\\boxed{2}", "answer": "2"}\n' * 3)
    with FakeLLM() as server:
        config = tmp_path / "c.yaml"
        config.write_text(
            f"run_dir: {tmp_path / 'run'}\n"
            f"llm: {{api_base: '{server.api_base}'}}\n"
            "problems: {topics: [a], per_topic: 1, writer: {models: [openai/x]}}\n"
            "solver: {models: [openai/x], samples: 2}\n"
        )
        commands = [
            ["generate", "-c", str(config)],
            ["verify", str(rows), "--out", str(tmp_path / "out"), "--domain", "math"],
        ]
        for command in commands:
            done = subprocess.run(
                [sys.executable, "-m", "verigen", *command],
                capture_output=True, text=True, timeout=300, env=env,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            shown = done.stdout + done.stderr
            assert not [bar for bar in _DATASETS_BARS if bar in shown], shown
