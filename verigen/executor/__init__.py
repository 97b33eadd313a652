"""Where verification runs: the one seam between the pipeline and the verifiers.

The pipeline hands an executor whole problems with their attempts (``VerifyJob``) and gets one
verdict per attempt back; how many machines, processes or sandboxes judge them is the
executor's business. ``local`` owns this machine's math worker processes and sandbox pool; a
cluster executor owns one such set per node and sends jobs to them in batches. Judging policy
(votes, program-check comparison) lives in ``verify/``, so every executor judges alike.

Takes plain settings (``VerifySettings``), never the run config: ``verigen generate`` and
``verigen verify`` build them at their edges.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from verigen.errors import ConfigError
from verigen.records import Attempt, Domain, Problem, Verdict
from verigen.verify.code.options import CodeOptions
from verigen.verify.math.options import MathOptions
from verigen.verify.math.policy import MathPolicy
from verigen.verify.math.program import ProgramResult

__all__ = [
    "Executor",
    "ProgramResult",
    "VerifyJob",
    "VerifySettings",
    "open_executor",
    "verify_rows",
]


@dataclass(frozen=True)
class VerifyJob:
    """One problem and all its attempts: a vote or a cross-check needs every attempt at once."""

    problem: Problem
    attempts: tuple[Attempt, ...]


@dataclass(frozen=True)
class VerifySettings:
    domain: Domain
    math: MathOptions = field(default_factory=MathOptions)
    policy: MathPolicy = field(default_factory=MathPolicy)
    math_workers: int = 2
    """Math checking processes."""
    code: CodeOptions = field(default_factory=CodeOptions)
    """The code verifier's options; their backend and limits also run math program checks."""
    sandbox_workers: int = 2
    """Sandboxes running at once (code verification, math program checks)."""
    max_in_flight: int | None = None
    """Problems being verified at once; None: twice the domain's worker count, which keeps
    every worker busy while the next problem's job is being prepared."""

    @property
    def slots(self) -> int:
        if self.max_in_flight is not None:
            return self.max_in_flight
        workers = self.math_workers if self.domain is Domain.MATH else self.sandbox_workers
        return 2 * workers


class Executor(Protocol):
    slots: int
    """Problems it can usefully verify at once: the pipeline keeps that many in flight."""

    async def verify(self, jobs: Sequence[VerifyJob]) -> list[list[Verdict]]:
        """One verdict per attempt of every job, in order; never raises for a wrong answer,
        and an infrastructure failure is an ``infra_error`` verdict, not an exception (except
        ``SandboxError`` when no sandbox can run at all, which stops the run once)."""

    async def check_program(self, answer: str, program: str) -> ProgramResult:
        """Run a model-written program in the sandbox and compare its output with ``answer``."""

    def describe(self) -> dict[str, Any]:
        """Where verification ran, for the run's report: kind, nodes, slots."""

    def close(self) -> None: ...


def open_executor(
    settings: VerifySettings, kind: str = "local", address: str | None = None
) -> Executor:
    """``local``, or ``ray`` (joins the cluster at ``address``; needs ``verigen[ray]``)."""
    if kind == "ray":
        executor: Executor = _ray().RayExecutor(settings, address)
        return executor
    from verigen.executor.local import LocalExecutor

    return LocalExecutor(settings)


def verify_rows(source: Any, make: Any, **kw: Any) -> Any:
    """``verigen verify --executor ray``: ``source``'s rows (``executor.inputs.open_input``)
    verified by ``make(cpus)`` (a batch verifier built on every Ray node), written to sharded
    Parquet and a ``datasets`` directory; see ``executor.ray_rows.verify_rows``."""
    return _ray("ray_rows").verify_rows(source, make, **kw)


def _ray(module: str = "ray") -> Any:
    """``verigen.executor.ray`` (or another module that imports Ray), imported only when asked
    for: Ray is an optional extra."""
    try:
        return importlib.import_module(f"verigen.executor.{module}")
    except ImportError as exc:
        if exc.name is None or exc.name.split(".")[0] != "ray":
            raise
        raise ConfigError("the ray executor needs Ray: pip install 'verigen[ray]'") from None
