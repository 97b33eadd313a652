"""``verigen verify`` keeps every finished part: Ctrl-C mid-run, rerun, and the result is the
same as one uninterrupted run, with the finished rows not verified twice."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.backends import require
from tests.verify.cli_runs import verify_argv, write_jsonl
from verigen.verify.code import load_humaneval

pytestmark = pytest.mark.slow

ROWS = 120
PER_PART = 10


def _finished_parts(parts: Path) -> list[Path]:
    if not parts.is_dir():
        return []
    return [p for p in parts.iterdir() if (p / "dataset_info.json").is_file()]


def test_interrupted_verify_resumes_where_it_stopped(tmp_path: Path) -> None:
    require("bwrap")
    rows = [p.row() for p in load_humaneval()[:ROWS]]
    source = write_jsonl(tmp_path / "rows.jsonl", rows)
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    parts = tmp_path / ".out.parts"
    extra = ("--mutants", "2", "--rows-per-part", str(PER_PART))
    command = verify_argv(source, out, summary, "bwrap", *extra)

    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not _finished_parts(parts) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first.poll() is None, "the run ended before a part was saved"
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted"), stderr[-2000:]
    assert str(parts) in stderr
    kept = len(_finished_parts(parts))
    assert 1 <= kept < ROWS // PER_PART
    assert not out.exists()

    second = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    counts = json.loads(summary.read_text())
    assert counts["rows"] == counts["verified"] == ROWS
    assert counts["resumed_rows"] == kept * PER_PART
    assert not parts.exists(), "the parts are dropped once the whole output is written"
    import datasets

    written = datasets.load_from_disk(str(out))
    assert written["id"] == [r["id"] for r in rows], "rows keep their input order"
    assert all(written["verified"])
