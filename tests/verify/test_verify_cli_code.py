"""``verigen verify`` on stdin/stdout rows whose columns have other names (remapped by flags)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.backends import require
from tests.verify.cli_runs import verify_argv, write_jsonl

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
