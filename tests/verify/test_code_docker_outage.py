"""Stopping the Docker engine in the middle of ``verigen verify``: the samples it hits are
retried or reported as infra errors, and not one is counted as wrong.

Needs root and a dockerd started by ``scripts/setup-system.sh`` (its pid in /var/run/docker.pid).
The engine is restarted in a ``finally``, whatever happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.backends import require
from tests.verify.cli_runs import verify_argv, write_jsonl
from verigen.sandbox.doctor import docker_problem
from verigen.verify.code import load_humaneval

pytestmark = [pytest.mark.slow, pytest.mark.docker]
ROOT = Path(__file__).resolve().parents[2]
PID_FILE = Path("/var/run/docker.pid")


def _stop_engine() -> None:
    pid = int(PID_FILE.read_text().strip())
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):  # dockerd stops its containers first; wait for it to be gone
        if not Path(f"/proc/{pid}").exists():
            return
        time.sleep(0.1)


def _restart_engine() -> None:
    """The set-up script, until the engine answers (a dockerd still exiting, or its containerd,
    can make the first start fail)."""
    for _ in range(4):
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "setup-system.sh")],
            check=False,
            capture_output=True,
            timeout=180,
        )
        if docker_problem() is None:
            return
        time.sleep(5)


def test_engine_stopped_mid_run_is_never_a_wrong_answer(tmp_path: Path) -> None:
    require("docker")
    if os.geteuid() != 0 or not PID_FILE.is_file():
        pytest.skip("stopping dockerd needs root and /var/run/docker.pid")
    rows = [p.row() for p in load_humaneval()] * 3  # long enough to be cut in the middle
    source = write_jsonl(tmp_path / "humaneval.jsonl", rows)
    summary = tmp_path / "summary.json"
    run = subprocess.Popen(
        verify_argv(source, tmp_path / "out", summary, "docker"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(6)  # let the pool open and verdicts start flowing
        assert run.poll() is None, "the run ended before the engine could be stopped"
        _stop_engine()
        time.sleep(3)
        assert run.poll() is None, "the run ended before the engine came back"
    finally:
        _restart_engine()
    output, _ = run.communicate(timeout=900)
    assert docker_problem() is None, "the engine did not come back"
    assert run.returncode in (0, 1), output[-3000:]
    assert summary.is_file(), output[-3000:]
    counts = json.loads(summary.read_text())
    assert counts["rejected"] == 0, counts  # every solution here is correct
    assert counts["verified"] + counts["infra_error"] == len(rows)
    assert (run.returncode == 1) == (counts["infra_error"] > 0)
