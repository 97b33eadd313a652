"""Run a ``TestPlan`` against many solutions in the sandbox, retrying sandbox failures.

The only module of the code verifier that submits work to the sandbox. Harness suites go through
``Pool.run_tests_many`` (the verdict per test is decided by the sandbox's host side, from a frame
the solution cannot write); stdin/stdout cases are plain jobs whose stdout is compared here.

A job that ends in ``sandbox_error`` (the engine went away, the fork server died) is retried with
exponential backoff; one that still fails is returned with ``infra_error`` set, so the caller can
report it as such and never as a wrong solution.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from verigen.errors import SandboxError
from verigen.sandbox import Job, Limits, Pool, Result, Status, TestOutcome
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.tests import TestPlan, outcomes_by_id, same_output

SOLUTION_FILE = "solution.py"


@dataclass(frozen=True)
class Run:
    """One solution against one plan: an outcome per test id, or the sandbox's failure."""

    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    infra_error: str = ""
    """Non-empty when the sandbox failed on every try: nothing is known about the solution."""
    note: str = ""
    """The harness's own summary (a load error, the job's end) for the verdict's details."""
    wall_s: float = 0.0

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(i for i, t in self.outcomes.items() if t.outcome == "passed")

    def passes_all(self) -> bool:
        return not self.infra_error and all(t.outcome == "passed" for t in self.outcomes.values())

    @property
    def timed_out(self) -> bool:
        """Every failure is a timeout (a hang, not a wrong answer)."""
        bad = [t for t in self.outcomes.values() if t.outcome != "passed"]
        return (
            bool(bad)
            and all(t.outcome in ("timeout", "missing") for t in bad)
            and (any(t.outcome == "timeout" for t in bad) or "timeout" in self.note)
        )


class Executor:
    """Submits plans to one pool; thread-safe because the pool is. ``pool`` is a getter, so a
    problem that needs no run (no code, unusable tests) never opens a sandbox."""

    def __init__(self, pool: Callable[[], Pool], options: CodeOptions) -> None:
        self.pool, self.options = pool, options

    def limits(self, wall_s: float | None = None) -> Limits:
        return Limits(wall_s=wall_s or self.options.timeout_s, memory_mb=self.options.memory_mb)

    def run(
        self,
        sources: Sequence[str],
        plan: TestPlan,
        call_timeout: float | None = None,
        wall_s: float | None = None,
    ) -> list[Run]:
        """Each source against the whole plan, in input order (identical sources run once)."""
        unique = list(dict.fromkeys(sources))
        runs: dict[int, Run] = {}
        pending = list(range(len(unique)))
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.retry_backoff_s * 2 ** (attempt - 1))
            fresh = self._once([unique[i] for i in pending], plan, call_timeout, wall_s)
            runs.update(zip(pending, fresh, strict=True))
            pending = [i for i in pending if runs[i].infra_error]
            if not pending:
                break
        by_source = {src: runs[i] for i, src in enumerate(unique)}
        return [by_source[s] for s in sources]

    def _once(
        self, sources: list[str], plan: TestPlan, call_timeout: float | None, wall_s: float | None
    ) -> list[Run]:
        try:
            return self._submit(sources, plan, call_timeout, wall_s)
        except SandboxError:
            raise  # no backend at all (or the pool was closed): a set-up problem, not a sample's
        except Exception as exc:  # the sandbox layer itself broke (e.g. the engine vanished)
            why = f"the sandbox raised {type(exc).__name__}: {exc}"[:500]
            return [Run(infra_error=why) for _ in sources]

    def _submit(
        self, sources: list[str], plan: TestPlan, call_timeout: float | None, wall_s: float | None
    ) -> list[Run]:
        limits = self.limits(wall_s)
        suites, ids = plan.suites()
        io_futures = [
            [self.pool().submit(_io_job(src, case.input, limits)) for _, case in plan.io]
            for src in sources
        ]
        reports = (
            self.pool().run_tests_many([(s, suites) for s in sources], limits, call_timeout)
            if suites
            else [None] * len(sources)
        )
        runs = []
        for report, futures in zip(reports, io_futures, strict=True):
            outcomes: dict[str, TestOutcome] = {}
            infra, note, wall = "", "", 0.0
            if report is not None:
                outcomes = outcomes_by_id(ids, report.tests)
                note, wall = ("" if report.passed else report.reason), report.result.wall_s
                infra = report.result.error if report.infra_error else ""
            for (test_id, case), future in zip(plan.io, futures, strict=True):
                outcome, error = _io_outcome(
                    test_id, future, case.output, self.options.float_rel_tol
                )
                outcomes[test_id] = outcome
                infra = infra or error
                wall += outcome.time_s
            runs.append(Run(outcomes, infra or "", note, wall))
        return runs


def _io_job(source: str, stdin: str, limits: Limits) -> Job:
    return Job(
        files={SOLUTION_FILE: source},
        command=("python3", "-I", SOLUTION_FILE),
        stdin=stdin.encode(),
        limits=limits,
    )


def _io_outcome(
    test_id: str, future: Future[Result], expected: str, rel_tol: float
) -> tuple[TestOutcome, str]:
    result = future.result()
    if result.status is Status.SANDBOX_ERROR:
        return TestOutcome(test_id, "missing", result.error), result.error or "sandbox error"
    if result.status is Status.TIMEOUT:
        return TestOutcome(test_id, "timeout", "wall limit", result.wall_s), ""
    if result.status is not Status.OK:
        tail = result.stderr[-500:] or result.error
        return TestOutcome(test_id, "error", f"{result.status}: {tail}", result.wall_s), ""
    if result.stdout_truncated or not same_output(result.stdout, expected, rel_tol):
        got = result.stdout[:200]
        return TestOutcome(
            test_id, "failed", f"expected {expected[:200]!r}, got {got!r}", result.wall_s
        ), ""
    return TestOutcome(test_id, "passed", "", result.wall_s), ""
