"""Sandbox backend selection shared by every test that runs code in a sandbox.

Docker tests skip when no engine answers, unless ``VERIGEN_REQUIRE_DOCKER=1``, which turns the
skip into a failure (the same rule as the sandbox's own tests)."""

from __future__ import annotations

import os

import pytest

from verigen.errors import SandboxError
from verigen.sandbox.doctor import docker_problem, probe_bwrap_root

BACKENDS = ["bwrap", pytest.param("docker", marks=pytest.mark.docker)]


def require(name: str) -> None:
    if name == "docker":
        problem = docker_problem()
        if problem is not None:
            if os.environ.get("VERIGEN_REQUIRE_DOCKER", "") == "1":
                pytest.fail(f"VERIGEN_REQUIRE_DOCKER=1 but docker is unavailable: {problem}")
            pytest.skip(f"docker backend unavailable: {problem}")
        return
    try:
        probe_bwrap_root(None)
    except SandboxError as exc:
        pytest.skip(f"bwrap backend unavailable: {exc}")
