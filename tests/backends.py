"""Sandbox backend selection shared by every test that runs code in a sandbox.

``require`` is the one rule of ``tests/parts.py``: a missing backend skips the test on a
developer's machine, and ends the run in CI or under ``VERIGEN_REQUIRE_DOCKER=1``."""

from __future__ import annotations

import pytest

from tests.parts import require

BACKENDS = ["bwrap", pytest.param("docker", marks=pytest.mark.docker)]

__all__ = ["BACKENDS", "require"]
