"""Run untrusted programs in a real sandbox, fast, with results they cannot fake.

::

    from verigen.sandbox import open_sandbox, Job, Limits
    with open_sandbox("auto", workers=2) as sb:
        r = sb.run(Job(files={"main.py": src}, command=["python3", "main.py"]))
        report = sb.run_tests(solution_src, "assert add(1, 2) == 3")

``auto`` picks docker when an engine answers and the image is built, else bwrap when it works;
when neither does it raises ``SandboxError`` naming both reasons. Nothing here ever runs a
program unsandboxed. ``SandboxSpec`` is the picklable description (for Ray actors and
``datasets.map`` workers, which each open their own pool); ``docs/sandbox.md`` has the security
model and the limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from verigen.errors import SandboxError
from verigen.sandbox.base import Job, Limits, Result, Sandbox, Status
from verigen.sandbox.doctor import docker_problem, probe_bwrap_root
from verigen.sandbox.pool import Backend, Pool
from verigen.sandbox.verdict import CallCase, TestOutcome, TestReport, TestSuite

__all__ = [
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
]

BackendName = Literal["auto", "docker", "bwrap"]


@dataclass(frozen=True)
class SandboxSpec:
    """Everything needed to open a pool, as plain picklable data."""

    backend: BackendName = "auto"
    workers: int | None = None
    """Default: the number of CPUs this process may use."""
    image: str | None = None
    """Docker image tag, or the root directory bwrap binds; default: built from the recipe."""
    warm: Limits | None = None
    """Limits the sandboxes are started with; jobs with another scratch size restart one."""

    def resolve(self) -> Backend:
        if self.backend == "docker":
            return _docker(self.image)
        if self.backend == "bwrap":
            return _bwrap(self.image)
        if self.backend != "auto":
            raise SandboxError(f"unknown sandbox backend {self.backend!r}")
        why_docker = docker_problem(self.image)
        if why_docker is None:
            return _docker(self.image)
        try:
            return _bwrap(self.image)
        except SandboxError as exc:
            raise SandboxError(
                f"no sandbox backend works here. docker: {why_docker}. bwrap: {exc}. "
                "Run scripts/setup-system.sh and `verigen sandbox build --offline`, "
                "then `verigen sandbox doctor`."
            ) from exc

    def open(self) -> Pool:
        workers = self.workers or len(os.sched_getaffinity(0))
        return Pool(self.resolve(), workers, self.warm)


def _docker(image: str | None) -> Backend:
    from verigen.sandbox.docker import DockerBackend
    from verigen.sandbox.image import image_tag

    problem = docker_problem(image)
    if problem is not None:
        raise SandboxError(f"docker backend unavailable: {problem}")
    return DockerBackend(image or image_tag())


def _bwrap(image: str | None) -> Backend:
    from verigen.sandbox.bwrap import BwrapBackend

    root = probe_bwrap_root(Path(image) if image else None)
    return BwrapBackend(root=root)


def open_sandbox(
    backend: BackendName = "auto",
    workers: int | None = None,
    image: str | None = None,
    warm: Limits | None = None,
) -> Pool:
    """Open a warm pool (see ``SandboxSpec``); use it as a context manager."""
    return SandboxSpec(backend, workers, image, warm).open()
