"""Commands in a private network namespace with only a loopback interface.

Why: a Ray node binds the machine's primary address unless it finds none; inside a namespace of
its own it binds 127.0.0.1, so a test cluster can neither reach nor be reached from anything but
this machine's own processes in that namespace.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def problem() -> str | None:
    """Why a private namespace cannot be made here, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare and ip (util-linux, iproute2) are needed for a private network"
    probe = subprocess.run(_wrap(["true"]), capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return f"cannot make a private network namespace: {probe.stderr.strip()[-300:]}"
    return None


def run_private(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_DISABLE_USAGE_STATS": "1"}
    return subprocess.run(
        _wrap(argv), capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env
    )


def scenario(*args: str) -> list[str]:
    """The argv of ``tests/executor/scenario.py`` with ``args``."""
    return [sys.executable, "-m", "tests.executor.scenario", *args]


def _wrap(argv: list[str]) -> list[str]:
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    script = 'ip link set lo up && exec "$@"'
    return ["unshare", "--net", *user, "--", "sh", "-c", script, "sh", *argv]
