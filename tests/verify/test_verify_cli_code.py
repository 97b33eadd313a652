"""``verigen verify`` on stdin/stdout rows whose columns have other names (remapped by flags)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.backends import require
from tests.verify.cli_runs import verify_argv, write_jsonl
from verigen import schema

pytestmark = pytest.mark.slow

CASES = [{"input": "2 3\n", "output": "5\n"}, {"input": "10 -4\n", "output": "6\n"}]
RIGHT = "a, b = map(int, input().split())\nprint(a + b)\n"
WRONG = "a, b = map(int, input().split())\nprint(a * b)\n"


def test_stdin_stdout_rows_with_remapped_columns(tmp_path: Path) -> None:
    require("bwrap")
    rows = [
        {"name": "right", "program": RIGHT, "cases": CASES, "gold": RIGHT},
        {"name": "wrong", "program": WRONG, "cases": CASES, "gold": RIGHT},
    ]
    source = write_jsonl(tmp_path / "rows.jsonl", rows)
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    remap = ("--solution-column", "program", "--io-cases-column", "cases",
             "--reference-column", "gold", "--mutants", "0")  # fmt: skip
    done = subprocess.run(
        verify_argv(source, out, summary, "bwrap", *remap),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import datasets

    written = datasets.load_from_disk(str(out))
    assert written["name"] == ["right", "wrong"]
    assert written["verified"] == [True, False]
    assert written["tests_total"] == [2, 2]
    assert json.loads(summary.read_text())["verified"] == 1


ENTRY = "clamp_add"
SIGNATURE = "def clamp_add(a: int, b: int) -> int:"
REFERENCE = f"{SIGNATURE}\n    return max(-100, min(100, a + b))\n"
SOLUTION = f"{SIGNATURE}\n    total = a + b\n    return -100 if total < -100 else min(total, 100)\n"
CLAMP_TESTS = [
    {"args": [1, 2], "expected": 3},
    {"args": [99, 5], "expected": 100},
    {"args": [-99, -5], "expected": -100},
    {"args": [0, 0], "expected": 0},
]


def _rejected(index: int) -> dict[str, object]:
    """Cheap wrong rows: no code, tests that do not parse, or code that fails its tests."""
    row: dict[str, object] = {"id": f"bad-{index}", "entry_point": ENTRY, "tests": CLAMP_TESTS}
    if index % 3 == 0:
        return row | {"solution": ""}
    if index % 3 == 1:
        return row | {"solution": SOLUTION, "tests": "assert clamp_add(1, 2) == (3"}
    return row | {"solution": f"{SIGNATURE}\n    return a - b\n"}


def test_fifty_rejected_rows_then_one_accepted_keep_every_column_typed(tmp_path: Path) -> None:
    """The first batches' ``tests_*`` and ``mutation_score`` are all null: a map that guessed
    types from them failed the whole run at the last row (and the parts could not be joined)."""
    require("bwrap")
    good = {"id": "good", "solution": SOLUTION, "tests": CLAMP_TESTS, "entry_point": ENTRY,
            "reference": REFERENCE, "signature": SIGNATURE}  # fmt: skip
    source = write_jsonl(tmp_path / "rows.jsonl", [_rejected(i) for i in range(50)] + [good])
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    done = subprocess.run(
        verify_argv(source, out, summary, "bwrap", "--mutants", "2", "--rows-per-part", "30"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    import datasets

    written = datasets.load_from_disk(str(out))
    assert written.features == schema.with_verdict(written.features)
    for name in schema.VERDICT:
        assert written.features[name] == schema.features((name,))[name], name
    assert written["verified"] == [False] * 50 + [True]
    assert {written["reason"][i] for i in range(50)} == {"no_code", "invalid_tests", "tests_failed"}
    assert written["mutation_score"][:50] == [None] * 50
    last = written[-1]
    assert last["outcome"] == "accepted" and last["tests_passed"] == last["tests_total"] >= 4
    assert isinstance(last["mutation_score"], float) and 0.0 <= last["mutation_score"] <= 1.0
    assert json.loads(last["verdict_details"])["tests_total"] == last["tests_total"]
    counts = json.loads(summary.read_text())
    assert (counts["rows"], counts["verified"], counts["rejected"]) == (51, 1, 50)


def test_code_rows_without_tests_or_cases_are_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "rows.jsonl", [{"program": RIGHT}])
    done = subprocess.run(
        verify_argv(source, tmp_path / "out", tmp_path / "s.json", "bwrap",
                    "--solution-column", "program"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "tests or io_cases" in line
