"""The missing-part rule (``tests/parts.py``), run as pytest itself runs it: a part made missing
for real (the model cache pointed at an empty directory, bwrap taken off ``PATH``) skips on a
developer's machine and ends the run, in one line naming it, where CI demands it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NEEDS = """
from tests.parts import require

def test_needs_it():
    require({part!r})

def test_other():
    pass
"""


def _pytest(tmp_path: Path, part: str, **env: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_needs.py"
    test.write_text(NEEDS.format(part=part))
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "VERIGEN_REQUIRE_DOCKER")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test)],
        cwd=REPO,
        env={**clean, "VERIGEN_CACHE_DIR": str(tmp_path / "empty"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_part_skips_with_its_reason_on_a_developers_machine(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "model")
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped" in done.stdout
    assert f"model unavailable: qwen2.5-coder-0.5b is not cached in {tmp_path}" in done.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_a_missing_part_ends_the_run_naming_it(tmp_path: Path, ci: str) -> None:
    done = _pytest(tmp_path, "model", CI=ci)
    assert done.returncode == 1, done.stdout
    lines = [line for line in done.stdout.splitlines() if "model is missing" in line]
    assert len(lines) == 1 and "CI requires every part" in lines[0], done.stdout
    assert "passed" not in done.stdout


def test_require_docker_demands_the_sandbox_parts_only(tmp_path: Path) -> None:
    no_bwrap = _pytest(tmp_path, "bwrap", VERIGEN_REQUIRE_DOCKER="1", PATH="/nonexistent")
    assert no_bwrap.returncode == 1, no_bwrap.stdout
    assert "bwrap is missing, and VERIGEN_REQUIRE_DOCKER=1" in no_bwrap.stdout
    assert "bubblewrap is not installed" in no_bwrap.stdout
    no_model = _pytest(tmp_path, "model", VERIGEN_REQUIRE_DOCKER="1")
    assert no_model.returncode == 0 and "1 skipped" in no_model.stdout, no_model.stdout
