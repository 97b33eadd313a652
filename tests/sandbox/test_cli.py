"""``verigen sandbox run|doctor|build`` through typer's CliRunner on a fresh app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import verigen.sandbox
from tests.backends import BACKENDS, require
from verigen.cli.sandbox import register
from verigen.sandbox import image


@pytest.fixture
def app() -> typer.Typer:
    fresh = typer.Typer()
    register(fresh)
    return fresh


def test_run_prints_result_json(app: typer.Typer, tmp_path: Path) -> None:
    require("bwrap")
    program = tmp_path / "p.py"
    program.write_text("import sys\nprint(sys.stdin.read().upper())\nsys.exit(4)\n")
    data = tmp_path / "in.txt"
    data.write_text("hi")
    out = CliRunner().invoke(
        app,
        [
            "sandbox",
            "run",
            str(program),
            "--backend",
            "bwrap",
            "--timeout",
            "5",
            "--memory",
            "256",
            "--stdin",
            str(data),
        ],
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["status"] == "nonzero_exit" and result["exit_code"] == 4
    assert result["stdout"] == "HI\n" and result["backend"] == "bwrap"


# Runs a command as a child subreaper, so whatever the command orphans is re-parented here rather
# than to PID 1, then lists what is left whose parent is this process (a zombie included).
UNDER_SUBREAPER = """
import ctypes, json, os, subprocess, sys, time
PR_SET_CHILD_SUBREAPER = 36
assert ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
time.sleep(1)
left = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
        left.append(stat[:60])
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr, "left": left}))
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_leaves_no_process_behind(backend: str, tmp_path: Path) -> None:
    require(backend)
    program = tmp_path / "p.py"
    program.write_text("import os, time\nif os.fork() == 0:\n    time.sleep(60)\nprint('forked')\n")
    argv = [sys.executable, "-m", "verigen", "sandbox", "run", str(program), "--backend", backend]
    done = subprocess.run(
        [sys.executable, "-c", UNDER_SUBREAPER, *argv], capture_output=True, text=True, timeout=120
    )
    report = json.loads(done.stdout)
    assert report["code"] == 0, report["err"][-2000:]
    assert json.loads(report["out"])["stdout"] == "forked\n"
    assert report["left"] == []


def test_run_refuses_unknown_backend(app: typer.Typer, tmp_path: Path) -> None:
    program = tmp_path / "p.py"
    program.write_text("pass")
    out = CliRunner().invoke(app, ["sandbox", "run", str(program), "--backend", "none"])
    assert out.exit_code != 0


def test_doctor_names_every_check(app: typer.Typer) -> None:
    out = CliRunner().invoke(app, ["sandbox", "doctor"])
    for name in ("docker", "bwrap", "cgroup", "seccomp"):
        assert name in out.output


def test_build_offline_reuses_a_built_image(app: typer.Typer) -> None:
    require("sandbox-image")
    out = CliRunner().invoke(app, ["sandbox", "build", "--offline"])
    assert out.exit_code == 0, out.output
    assert "up to date" in out.output and image.image_tag() in out.output


def test_public_exports_are_complete() -> None:
    expected = {
        "CallCase",
        "Job",
        "Limits",
        "Pool",
        "Result",
        "Sandbox",
        "SandboxError",
        "SandboxSpec",
        "Status",
        "TestOutcome",
        "TestReport",
        "TestSuite",
        "open_sandbox",
    }
    assert set(verigen.sandbox.__all__) == expected
    assert all(hasattr(verigen.sandbox, name) for name in expected)
