"""Run tests against a solution through the harness, and decide the verdict here, on the host.

The job the sandbox runs is the harness runner (``harness/runner.py``, forked by the sandbox's
zygote with the harness already imported): tests and a fresh nonce go in on its stdin, never into
a file; the solution is ``solution.py`` in the scratch directory and is only ever called from
another process through plain data. The runner answers with one JSON frame
on stdout, a channel the solution cannot write (see the runner's docstring for why).

The decision is made here, by rules a solution cannot reach: the job must end ``ok``; the frame
must parse and carry our nonce; it must report exactly the test ids the host computed itself from
the test code (``plan``); and every one must have passed. Anything else fails, and a sandbox
failure is reported as such (``TestReport.infra_error``), never as a wrong solution.

A job may judge several solutions at once (``tests_batch_job``: a solution's mutants, each with
its own time budget, each stopping at its first failing test); the frame then holds one run per
solution, and each is decided by the same rules.

Suite kinds: ``code`` (assert statements, ``test_*`` functions, ``unittest.TestCase`` methods),
``check`` (HumanEval's ``check(candidate)`` with an entry point), ``call`` (argument/expected
cases for an entry point, compared with exact types). Stdin/stdout cases need no proxy: they are
plain jobs whose stdout is compared on the host.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from verigen.sandbox.base import Job, Limits, Result, Status
from verigen.sandbox.harness import codec
from verigen.sandbox.harness.runner import plan

SOLUTION_FILE = "solution.py"
HARNESS_COMMAND = "verigen-harness"
"""``argv[0]`` the fork server hands to its zygote (``harness/server.py``'s ``HARNESS``)."""


@dataclass(frozen=True, slots=True)
class CallCase:
    """``entry_point(*args, **kwargs)`` must return exactly ``expected`` (type included)."""

    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    expected: Any = None


@dataclass(frozen=True, slots=True)
class TestSuite:
    __test__ = False  # not a pytest test class

    kind: Literal["code", "check", "call"]
    code: str = ""
    entry_point: str = ""
    cases: tuple[CallCase, ...] = ()

    @classmethod
    def asserts(cls, code: str) -> TestSuite:
        return cls("code", code=code)

    @classmethod
    def check(cls, code: str, entry_point: str) -> TestSuite:
        return cls("check", code=code, entry_point=entry_point)

    @classmethod
    def calls(cls, entry_point: str, cases: Sequence[CallCase]) -> TestSuite:
        return cls("call", entry_point=entry_point, cases=tuple(cases))

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "kind": self.kind,
            "code": self.code,
            "entry_point": self.entry_point,
        }
        if self.kind == "call":
            wire["cases"] = [
                {
                    "args": codec.encode(list(c.args)),
                    "kwargs": codec.encode(dict(c.kwargs)),
                    "expected": codec.encode(c.expected),
                }
                for c in self.cases
            ]
        return wire


@dataclass(frozen=True, slots=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    id: str
    outcome: Literal["passed", "failed", "error", "timeout", "missing"]
    message: str = ""
    time_s: float = 0.0


@dataclass(frozen=True, slots=True)
class TestReport:
    __test__ = False  # not a pytest test class

    passed: bool
    reason: str
    tests: tuple[tuple[TestOutcome, ...], ...]
    """Per suite, in the order given."""
    result: Result
    solution_cpu_s: float | None = None
    """CPU time the solution's processes used, as the harness read it from the kernel (None: no
    trusted frame). Against ``result.wall_s`` it tells a starved job from one that computed."""
    checks: tuple[tuple[int, ...], ...] = ()
    """Per suite, per test, the checks (executed asserts) a passed test made, as the harness
    counted them (0 for a test that did not pass; empty without a trusted frame)."""

    @property
    def infra_error(self) -> bool:
        """The sandbox failed: retry, never count the solution as wrong."""
        return self.result.status is Status.SANDBOX_ERROR

    @property
    def counts(self) -> tuple[int, int]:
        flat = [t for suite in self.tests for t in suite]
        return sum(t.outcome == "passed" for t in flat), len(flat)


Tests = str | TestSuite | Sequence[TestSuite]


def suites_of(tests: Tests) -> list[TestSuite]:
    if isinstance(tests, str):
        return [TestSuite.asserts(tests)]
    if isinstance(tests, TestSuite):
        return [tests]
    return list(tests)


def tests_job(
    solution: str, suites: Sequence[TestSuite], limits: Limits, call_timeout: float, nonce: str
) -> Job:
    """One solution against ``suites``, within ``limits``."""
    return _harness_job({SOLUTION_FILE: solution}, suites, limits, call_timeout, nonce, {})


BATCH_MARGIN_S = 2.0
"""A batch job's wall limit beyond the sum of its solutions' own: forks, the frame, the exit."""


def tests_batch_job(
    solutions: Sequence[str],
    suites: Sequence[TestSuite],
    each: Limits,
    call_timeout: float,
    nonce: str,
) -> Job:
    """Every solution against ``suites`` in one job, each within ``each.wall_s`` and stopping at
    its first test that does not pass: all it takes to tell a mutant killed from a survivor."""
    files = {f"solution_{i}.py": source for i, source in enumerate(solutions)}
    limits = replace(each, wall_s=each.wall_s * len(solutions) + BATCH_MARGIN_S)
    extra = {"solution_wall_s": each.wall_s, "fail_fast": True}
    return _harness_job(files, suites, limits, call_timeout, nonce, extra)


def _harness_job(
    files: dict[str, str],
    suites: Sequence[TestSuite],
    limits: Limits,
    call_timeout: float,
    nonce: str,
    extra: dict[str, Any],
) -> Job:
    spec = {
        "nonce": nonce,
        "call_timeout": call_timeout,
        "suites": [s.to_wire() for s in suites],
        **extra,
    }
    return Job(
        files=dict(files),
        command=(HARNESS_COMMAND, *files),
        stdin=json.dumps(spec).encode(),
        limits=limits,
    )


def decide(result: Result, suites: Sequence[TestSuite], nonce: str) -> TestReport:
    """The verdict of a ``tests_job``."""
    return decide_batch(result, suites, nonce, 1)[0]


def decide_batch(
    result: Result, suites: Sequence[TestSuite], nonce: str, solutions: int
) -> list[TestReport]:
    """One verdict per solution of a job, in the order they were sent."""
    planned = [plan(s.to_wire()) for s in suites]
    missing = tuple(tuple(TestOutcome(i, "missing") for i in ids) for ids in planned)

    def failed(reason: str) -> list[TestReport]:
        return [TestReport(False, reason, missing, result) for _ in range(solutions)]

    if result.status is Status.SANDBOX_ERROR:
        return failed(f"sandbox error: {result.error}")
    try:
        frame = json.loads(result.stdout_bytes)
        runs = frame["runs"]
        foreign = (
            frame["nonce"] != nonce
            or type(runs) is not list
            or len(runs) != solutions
            or any(type(r) is not dict or type(r["results"]) is not list for r in runs)
            or any(len(r["results"]) != len(planned) for r in runs)
        )
    except (ValueError, KeyError, TypeError):
        return failed(f"no verdict from the harness (job {result.status})")
    if foreign:
        return failed("the verdict frame is not the one this run asked for")
    return [_decide_run(result, planned, run) for run in runs]


def _decide_run(result: Result, planned: list[list[str]], run: dict[str, Any]) -> TestReport:
    matched = [_match(ids, got) for ids, got in zip(planned, run["results"], strict=True)]
    tests = tuple(outcomes for outcomes, _ in matched)
    checks = tuple(counts for _, counts in matched)
    cpu: Any = run.get("solution_cpu_s")
    cpu_s = float(cpu) if type(cpu) in (int, float) and cpu >= 0 else None
    flat = [t for suite in tests for t in suite]
    bad = [t for t in flat if t.outcome != "passed"]
    if not flat:
        return TestReport(False, "no tests to run", tests, result, cpu_s, checks)
    if result.status is not Status.OK:
        why = f"the harness ended with {result.status}"
        return TestReport(False, why, tests, result, cpu_s, checks)
    if bad:
        load = run.get("load_error") or ""
        why = f"the solution failed to load: {load}" if load else f"first: {bad[0].id}"
        why = f"{len(bad)} of {len(flat)} tests did not pass ({why})"
        return TestReport(False, why, tests, result, cpu_s, checks)
    return TestReport(True, f"all {len(flat)} tests passed", tests, result, cpu_s, checks)


def _match(ids: list[str], reported: Any) -> tuple[tuple[TestOutcome, ...], tuple[int, ...]]:
    """The planned ids, each with the first outcome reported for it, or ``missing``; and the
    checks each passed one made."""
    by_id: dict[str, tuple[TestOutcome, int]] = {}
    for item in reported if isinstance(reported, list) else []:
        try:
            outcome = TestOutcome(
                str(item["id"]),
                item["outcome"],
                str(item.get("message", "")),
                float(item.get("time_s", 0.0)),
            )
        except (KeyError, TypeError, ValueError):
            continue
        if outcome.outcome in ("passed", "failed", "error", "timeout"):
            count = item.get("checks")
            passed = outcome.outcome == "passed" and type(count) is int and count > 0
            checks = count if passed else 0
            by_id.setdefault(outcome.id, (outcome, checks))
    found = [by_id.get(i, (TestOutcome(i, "missing"), 0)) for i in ids]
    return tuple(o for o, _ in found), tuple(c for _, c in found)


def new_nonce() -> str:
    return secrets.token_hex(16)
