"""Run a ``TestPlan`` against many solutions in the sandbox, retrying sandbox failures.

The only module of the code verifier that submits work to the sandbox. Harness suites go through
``Pool.run_tests_many`` (the verdict per test is decided by the sandbox's host side, from a frame
the solution cannot write), or, for mutants, ``Pool.run_tests_batch`` (all of them in one job,
each stopping at its first failing test); stdin/stdout cases are plain jobs whose stdout is
compared here.

Two kinds of failure, two policies:

- *infrastructure* — the job ends in ``sandbox_error`` (the engine went away, the sandbox was
  killed, the fork server died), the sandbox layer raises, or a harness job reaches its wall limit
  without the harness reporting (the harness stops itself a little before that limit and reports
  what did not finish as ``timeout``, so a kill at the limit means the harness failed, not the
  solution): retried with exponential backoff, then returned with ``infra_error`` set, so the
  caller reports it as such and never as a wrong solution;
- *a test that timed out* — reported by the harness (a call past its limit, the job's budget
  spent) or by the fork server for a stdin/stdout program: the program's own behaviour, but a
  loaded machine can cause it too. When the job was starved — its solution processes got less
  than ``STARVED_CPU_SHARE`` of its wall time on a CPU (the harness reads their CPU time from
  the kernel) — the solution runs once more with every limit
  ``TIMEOUT_RETRY_FACTOR`` times longer, and that run decides. A job that computed for its whole
  limit (an endless loop) is not retried: more time would only cost more time.

Each passed test also says how many checks it made (``Run.checks``): the harness counts the
asserts it executed; a stdin/stdout case is one check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from verigen.errors import SandboxError
from verigen.sandbox import (
    Job,
    Limits,
    Pool,
    Result,
    Status,
    TestOutcome,
    TestReport,
    TestSuite,
)
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.tests import TestPlan, outcomes_by_id, same_output

Suites = list[TestSuite]
SuitesBy = Callable[[list[str], Suites, Limits, float | None], Sequence[TestReport]]
"""How a run's sources meet their test suites in the sandbox: a job each, or one job for all."""

SOLUTION_FILE = "solution.py"
TIMEOUT_RETRY_FACTOR = 3.0
"""A starved run with a timed-out test is run again once with limits this many times longer."""
STARVED_CPU_SHARE = 0.5
"""A job that got less CPU time than this share of its wall time was starved (a loaded
machine, or a program waiting): its timeouts are not yet the program's fault."""


@dataclass(frozen=True)
class Run:
    """One solution against one plan: an outcome per test id, or the sandbox's failure."""

    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    infra_error: str = ""
    """Non-empty when the sandbox failed on every try: nothing is known about the solution."""
    note: str = ""
    """The harness's own summary (a load error, the job's end) for the verdict's details."""
    wall_s: float = 0.0
    checks: dict[str, int] = field(default_factory=dict)
    """Per passed test, the checks (executed asserts) it made, as the harness counted them."""
    timeout_retried: bool = False
    """This run is the retry, with longer limits, of a run that had a timeout."""
    cpu_s: float | None = None
    """CPU time of the solution's processes in the harness job (None: unknown, or no harness
    job: stdin/stdout cases only)."""

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(i for i, t in self.outcomes.items() if t.outcome == "passed")

    def passes_all(self) -> bool:
        return not self.infra_error and all(t.outcome == "passed" for t in self.outcomes.values())

    def checks_on(self, ids: Sequence[str]) -> int:
        """Checks made by the tests in ``ids`` that passed."""
        return sum(self.checks.get(i, 0) for i in ids if i in self.passed)

    @property
    def any_timeout(self) -> bool:
        return not self.infra_error and any(t.outcome == "timeout" for t in self.outcomes.values())

    @property
    def starved(self) -> bool:
        """Whether it got too little CPU to blame its timeouts on the program (unknown: yes)."""
        return self.cpu_s is None or self.cpu_s < STARVED_CPU_SHARE * self.wall_s

    @property
    def timed_out(self) -> bool:
        """Every failure is a timeout (a hang, not a wrong answer)."""
        bad = [t for t in self.outcomes.values() if t.outcome != "passed"]
        return self.any_timeout and all(t.outcome in ("timeout", "missing") for t in bad)


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
        """Each source against the whole plan, in input order (identical sources run once).
        A starved run with a timed-out test is run again with longer limits."""
        unique = list(dict.fromkeys(sources))
        runs = self._retrying(unique, plan, call_timeout, wall_s)
        slow = [i for i, r in enumerate(runs) if r.any_timeout and r.starved]
        if slow:
            longer = self._retrying(
                [unique[i] for i in slow],
                plan,
                call_timeout and call_timeout * TIMEOUT_RETRY_FACTOR,
                (wall_s or self.options.timeout_s) * TIMEOUT_RETRY_FACTOR,
            )
            for i, run in zip(slow, longer, strict=True):
                runs[i] = replace(run, timeout_retried=True)
        by_source = dict(zip(unique, runs, strict=True))
        return [by_source[s] for s in sources]

    def first_failures(
        self, sources: Sequence[str], plan: TestPlan, call_timeout: float, wall_s: float
    ) -> list[Run]:
        """Each source against the plan until its first test that does not pass, all in one
        sandbox job, each within ``wall_s`` (mutants: whether one dies is the whole question,
        so the rest of its tests, a job per mutant and a retry of its timeouts — which only
        make a suite look stronger — are all skipped)."""
        return self._retrying(list(sources), plan, call_timeout, wall_s, self._in_one_job)

    def _retrying(
        self,
        sources: list[str],
        plan: TestPlan,
        call_timeout: float | None,
        wall_s: float | None,
        suites_by: SuitesBy | None = None,
    ) -> list[Run]:
        """One run per source; sandbox failures retried with exponential backoff. ``suites_by``
        runs the test suites (default: a job per source)."""
        run_suites = suites_by or self._job_each
        runs: dict[int, Run] = {}
        pending = list(range(len(sources)))
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.retry_backoff_s * 2 ** (attempt - 1))
            todo = [sources[i] for i in pending]
            fresh = self._once(todo, plan, call_timeout, wall_s, run_suites)
            runs.update(zip(pending, fresh, strict=True))
            pending = [i for i in pending if runs[i].infra_error]
            if not pending:
                break
        return [runs[i] for i in range(len(sources))]

    def _once(
        self,
        sources: list[str],
        plan: TestPlan,
        call_timeout: float | None,
        wall_s: float | None,
        suites_by: SuitesBy,
    ) -> list[Run]:
        try:
            return self._submit(sources, plan, call_timeout, wall_s, suites_by)
        except SandboxError:
            raise  # no backend at all (or the pool was closed): a set-up problem, not a sample's
        except Exception as exc:  # the sandbox layer itself broke (e.g. the engine vanished)
            why = f"the sandbox raised {type(exc).__name__}: {exc}"[:500]
            return [Run(infra_error=why) for _ in sources]

    def _submit(
        self,
        sources: list[str],
        plan: TestPlan,
        call_timeout: float | None,
        wall_s: float | None,
        suites_by: SuitesBy,
    ) -> list[Run]:
        limits = self.limits(wall_s)
        suites, ids = plan.suites()
        io_futures = [
            [self.pool().submit(_io_job(src, case.input, limits)) for _, case in plan.io]
            for src in sources
        ]
        reports: Sequence[TestReport | None] = [None] * len(sources)
        if suites:
            reports = suites_by(sources, suites, limits, call_timeout)
        runs = []
        for report, futures in zip(reports, io_futures, strict=True):
            outcomes: dict[str, TestOutcome] = {}
            checks: dict[str, int] = {}
            infra, note, wall, cpu = "", "", 0.0, None
            if report is not None:
                outcomes = outcomes_by_id(ids, report.tests)
                checks = _checks(report, ids)
                note, wall = ("" if report.passed else report.reason), report.result.wall_s
                cpu = report.solution_cpu_s
                infra = _harness_infra(report)
            for (test_id, case), future in zip(plan.io, futures, strict=True):
                outcome, error = _io_outcome(
                    test_id, future, case.output, self.options.float_rel_tol
                )
                outcomes[test_id] = outcome
                checks[test_id] = int(outcome.outcome == "passed")
                infra = infra or error
                wall += outcome.time_s
            runs.append(Run(outcomes, infra or "", note, wall, checks, cpu_s=cpu))
        return runs

    def _job_each(
        self, sources: list[str], suites: Suites, limits: Limits, call_timeout: float | None
    ) -> Sequence[TestReport]:
        """A sandbox job per source, each running every suite."""
        return self.pool().run_tests_many([(s, suites) for s in sources], limits, call_timeout)

    def _in_one_job(
        self, sources: list[str], suites: Suites, limits: Limits, call_timeout: float | None
    ) -> Sequence[TestReport]:
        """Every source in one sandbox job, each forked from its clean zygote (mutants)."""
        return self.pool().run_tests_batch(sources, suites, limits, call_timeout)


def _harness_infra(report: TestReport) -> str:
    """Why a harness job tells nothing about the solution, or "" when it does."""
    if report.infra_error:
        return report.result.error or "sandbox error"
    reported = any(t.outcome != "missing" for suite in report.tests for t in suite)
    if report.result.status is Status.TIMEOUT and not reported:
        return (
            "the harness did not report before the job's wall limit "
            f"({report.result.wall_s:.1f} s); it stops itself before that limit, so it was "
            "starved or stuck, and nothing is known about the solution"
        )
    return ""


def _checks(report: TestReport, ids: list[list[str]]) -> dict[str, int]:
    """Checks per passed test id, as the harness counted them in its nonce-checked frame."""
    found: dict[str, int] = {}
    if not report.checks:  # no trusted frame
        return found
    for suite_ids, outcomes, counts in zip(ids, report.tests, report.checks, strict=True):
        for ours, outcome, count in zip(suite_ids, outcomes, counts, strict=True):
            if outcome.outcome == "passed":
                found[ours] = count
    return found


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
