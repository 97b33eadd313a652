"""``verigen sandbox run|doctor|build`` through typer's CliRunner on a fresh app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import verigen.sandbox
from tests.backends import require
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
    if image.built_rootfs() is None:
        pytest.skip("the offline image is not built here (verigen sandbox build --offline)")
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
