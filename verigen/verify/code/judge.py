"""One problem's verdicts: trust the tests, run the solutions, cross-check, mutate.

The order is the argument:

1. solutions without code are rejected ``no_code`` before anything runs;
2. the tests are parsed (``invalid_tests`` when they cannot be);
3. the anchor decides which tests to trust: the reference (and its runtimes calibrate the
   per-test limit), else the consensus of the solutions (``trust.by_consensus``);
4. fewer than ``min_tests`` *checks* (asserts executed and passed, counted by the harness) on
   the trusted tests rejects every solution ``too_few_trusted_tests`` — known before running
   when every test is one assert, else measured on the reference; a benchmark's own suite
   (``trusted_suite``) needs one check, not ``min_tests``: its authors chose what it checks;
5. each solution is judged on the trusted tests (``tests_failed`` / ``timeout``, the latter only
   after a rerun with longer limits), and one that passes them with fewer checks than required
   (an answer that made a test's loop shorter) is ``too_few_trusted_tests`` too;
6. without a reference, tests a model wrote are believed only when at least ``min_consensus``
   solutions pass them: a lone one is ``unconfirmed_tests`` (it and the test writer can share
   a misreading);
7. survivors (and the reference) meet Hypothesis inputs (``differential``): who loses a
   disagreement is rejected ``disagrees_with_consensus``, who is in a tie
   ``unresolved_disagreement``;
8. the suite's strength: mutants of one accepted solution must mostly die, else ``weak_tests``.

A sandbox failure at any step, after the executor's retries — a killed or vanished sandbox, a
harness that did not report before the job's wall limit — makes the affected verdicts
``infra_error``: nothing is concluded about a solution the sandbox could not run. So does a bug
in the verifier itself (``verifier_error``; the exception and its innermost three frames, ``at``,
in the details): one problem that trips it must neither end a long run nor turn into a wrong
answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from traceback import extract_tb
from typing import TYPE_CHECKING, Any

from verigen.errors import InputError, VerigenError
from verigen.pyparse import holding
from verigen.records import Outcome, Verdict
from verigen.verify.code.calibrate import job_limit, mutant_call_limit, per_test_limit
from verigen.verify.code.crosscheck import pass_matrix
from verigen.verify.code.differential import Differential
from verigen.verify.code.execute import Executor, Run
from verigen.verify.code.introspect import observes_itself
from verigen.verify.code.mutate import control, mutants
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.tests import TestPlan, given_ids, input_strings, parse_tests
from verigen.verify.code.trust import Trust, by_consensus, by_reference

if TYPE_CHECKING:  # Hypothesis loads only when a problem has candidates to compare
    from hypothesis.strategies import SearchStrategy

VERIFIER_VERSION = "code-1.13"
"""Bump whenever a change can flip a verdict: stored verdicts of older versions get redone.
``code-1.13``: only a solution that cannot see its own code or its place in the job is mutated
(``introspect``; accepts of ``code-1.12`` by programs that check their own integrity).
"""


@dataclass(frozen=True)
class Task:
    """One problem to verify: what ``CodeVerifier.verify`` was given."""

    solutions: Sequence[str | None]
    tests: Any
    entry_point: str = ""
    signature: str | None = None
    reference: str | None = None
    io_cases: Any = None
    strategy: SearchStrategy[tuple[Any, ...]] | None = None
    trusted_suite: bool = False
    """The tests are a benchmark's own curated suite (HumanEval's ``check``), not generated."""
    written_tests: bool = False
    """Some of the tests are a test writer's (a model's): they are the truth only once more
    than one solution passes them (``_confirm_written_tests``)."""

    def min_checks(self, options: CodeOptions) -> int:
        return 1 if self.trusted_suite else options.min_tests


@dataclass
class _State:
    task: Task
    options: CodeOptions
    shared: dict[str, Any]
    """The verifier's backend and sandbox version, filled in when its pool opens."""
    common: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    verdicts: dict[int, tuple[Outcome, str, dict[str, Any]]] = field(default_factory=dict)

    def settle(self, indices: Sequence[int], outcome: Outcome, reason: str, **extra: Any) -> None:
        for i in indices:
            if i not in self.verdicts:
                self.verdicts[i] = (outcome, reason, extra)

    def open(self) -> list[int]:
        return [i for i in range(len(self.task.solutions)) if i not in self.verdicts]

    def build(self, per_solution: dict[int, dict[str, Any]]) -> list[Verdict]:
        elapsed = time.perf_counter() - self.started
        out = []
        for i in range(len(self.task.solutions)):
            outcome, reason, extra = self.verdicts.get(i, (Outcome.ACCEPTED, "accepted", {}))
            details = {
                **self.shared,
                **self.common,
                **per_solution.get(i, {}),
                **extra,
                "solution_index": i,
                "timings": {"problem_s": round(elapsed, 4)},
            }
            out.append(
                Verdict(
                    outcome=outcome,
                    reason=reason,
                    details=details,
                    verifier="code",
                    verifier_version=VERIFIER_VERSION,
                    duration_s=elapsed,
                )
            )
        return out


def judge(
    task: Task, options: CodeOptions, ex: Executor, diff: Differential, common: dict[str, Any]
) -> list[Verdict]:
    """Verdicts for every solution of ``task``; ``common`` (backend, sandbox version) is read
    after the first run, when the pool is open."""
    state = _State(task, options, common)
    try:
        return _judge(state, ex, diff)
    except VerigenError:  # no sandbox at all: the caller reports it once
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        innermost = extract_tb(exc.__traceback__)[-3:]
        where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in innermost]
        state.settle(state.open(), Outcome.INFRA_ERROR, "verifier_error", error=error, at=where)
        return state.build({})


def _judge(state: _State, ex: Executor, diff: Differential) -> list[Verdict]:
    task, options = state.task, state.options
    state.settle(
        [i for i, s in enumerate(task.solutions) if s is None or not s.strip()],
        Outcome.REJECTED,
        "no_code",
    )
    if not state.open():
        return state.build({})
    try:
        plan = parse_tests(task.tests, task.entry_point, task.io_cases, options.float_rel_tol)
    except InputError as exc:
        state.settle(state.open(), Outcome.REJECTED, "invalid_tests", error=str(exc))
        return state.build({})
    if _too_few(plan, task.min_checks(options)):
        state.settle(
            state.open(), Outcome.REJECTED, "too_few_trusted_tests", tests_total=len(plan.ids)
        )
        return state.build({})
    return _run(state, plan, ex, diff)


def _too_few(plan: TestPlan, min_checks: int) -> bool:
    """Known before running: no test at all, or single-assert tests fewer than required."""
    fixed = plan.fixed_checks()
    return not plan.ids or (fixed is not None and fixed < min_checks)


def _run(state: _State, plan: TestPlan, ex: Executor, diff: Differential) -> list[Verdict]:
    task, options = state.task, state.options
    todo = state.open()
    sources = [str(task.solutions[i]) for i in todo]
    anchor: Run | None = None
    call_timeout = options.timeout_s
    if task.reference:
        anchor = ex.run([task.reference], plan)[0]
        if anchor.infra_error:
            state.settle(todo, Outcome.INFRA_ERROR, "sandbox_error", error=anchor.infra_error)
            return state.build({})
        trust = by_reference(anchor, plan.ids)
        call_timeout = per_test_limit(anchor, options)
        runs = ex.run(sources, plan.keep(trust.kept), call_timeout)
    else:
        runs = ex.run(sources, plan)
        trust = by_consensus(runs, sources, plan.ids, options, given_ids(task.tests))
    state.common.update(_trust_details(plan, trust, runs, todo, call_timeout, options))
    per = {i: _run_details(r, trust.kept) for i, r in zip(todo, runs, strict=True)}
    infra = [i for i, r in zip(todo, runs, strict=True) if r.infra_error]
    state.settle(infra, Outcome.INFRA_ERROR, "sandbox_error")
    trusted = plan.keep(trust.kept)
    need = task.min_checks(options)
    if _too_few(trusted, need) or (anchor is not None and anchor.checks_on(trust.kept) < need):
        state.settle(todo, Outcome.REJECTED, "too_few_trusted_tests")
        return state.build(per)
    for i, run in zip(todo, runs, strict=True):
        kept = [run.outcomes.get(t) for t in trust.kept]
        if not all(o is not None and o.outcome == "passed" for o in kept):
            state.settle([i], Outcome.REJECTED, "timeout" if run.timed_out else "tests_failed")
        elif run.checks_on(trust.kept) < need:
            state.settle([i], Outcome.REJECTED, "too_few_trusted_tests")
    if task.written_tests and anchor is None:
        _confirm_written_tests(state)
    trusted = _differential(state, trusted, diff, ex, call_timeout, per)
    accepted = state.open()
    if not options.mutants or not accepted:
        return state.build(per)
    if task.reference and anchor is not None:
        _mutation(state, trusted, ex, task.reference, anchor)
    elif (target := _mutable(state, accepted)) is not None:  # its runtimes calibrate its mutants
        _mutation(state, trusted, ex, str(task.solutions[target]), runs[todo.index(target)])
    return state.build(per)


def _confirm_written_tests(state: _State) -> None:
    """A model's tests passed by one solution alone are that solution's word against nobody's:
    the test writer and the solver can share a misreading (the 1.5B model's ``normalize_path``
    that deletes every ``.``, kept because its test writer expected ``/home/user/config`` for
    ``/home/user/.config``, while three other samples failed elsewhere). Without a reference,
    at least ``min_consensus`` solutions must pass them, else they are ``unconfirmed_tests``.
    Samples, not distinct programs: a small model writes ``return sum(numbers)`` every time
    for an easy problem, and that agreement is what such a problem can give."""
    passing = state.open()
    state.common["solutions_passing"] = len(passing)
    if passing and len(passing) < state.options.min_consensus:
        state.settle(passing, Outcome.REJECTED, "unconfirmed_tests")


def _differential(
    state: _State,
    plan: TestPlan,
    diff: Differential,
    ex: Executor,
    call_timeout: float,
    per: dict[int, dict[str, Any]],
) -> TestPlan:
    task, options = state.task, state.options
    survivors = state.open()
    distinct = list(dict.fromkeys(str(task.solutions[i]) for i in survivors))
    candidates = distinct + ([task.reference] if task.reference else [])
    alone = options.probe_lone_program and not task.reference
    if not options.differential or not distinct or len(set(candidates)) < 2 - alone:
        return plan
    hints = task.signature or task.reference or distinct[0]
    seeds = input_strings(plan)
    enumerated: list[tuple[object, ...]] = []
    # Hypothesis parses as it loads and builds strategies: under the parse lock (``pyparse``)
    with holding():
        from verigen.verify.code import small_scope, strategies

        try:
            strategy = task.strategy
            if strategy is None:
                strategy = strategies.arguments(hints, task.entry_point, seeds)
                budget = options.enumerate_up_to
                enumerated = small_scope.small_domain(hints, task.entry_point, budget, seeds)
        except strategies.Unsupported as exc:
            state.common["differential"] = {"skipped": str(exc), "seed": options.seed}
            return plan
    weights = [sum(str(task.solutions[i]) == s for i in survivors) for s in distinct]
    anchor = len(distinct) if task.reference else None
    found = diff.run(
        candidates,
        weights + ([1] if task.reference else []),
        anchor,
        task.entry_point,
        strategy,
        min(call_timeout, options.timeout_s),
        enumerated,
    )
    state.common["differential"] = found.details()

    def solutions(programs: list[int]) -> list[int]:  # distinct programs named as solutions
        return [i for i in survivors if task.solutions[i] in {distinct[c] for c in programs}]

    for raised in state.common["differential"]["raised"]:
        raised["solutions"] = solutions(raised.pop("candidates"))
    for disputed in state.common["differential"]["disputed"]:
        disputed["values"] = {v: solutions(cs) for v, cs in disputed["values"].items()}
    if found.infra_error:
        state.settle(survivors, Outcome.INFRA_ERROR, "sandbox_error", error=found.infra_error)
        return plan
    lost = {distinct[c] for c in found.unresolved if c < len(distinct)}
    state.settle(
        [i for i in survivors if task.solutions[i] in lost],
        Outcome.REJECTED,
        "unresolved_disagreement",
    )
    # Largest first (the small inputs came first in the differential job): a program whose
    # answers depend on how many calls it has had answers differently here.
    agreed = [(f"diff:agreed:{k}", a, e) for k, (a, e) in enumerate(reversed(found.agreed))]
    if not found.new_tests and not agreed:
        return plan
    shown = {
        t[0]: {"args": repr(t[1])[:300], "expected": repr(t[2])[:300], "from": "hypothesis"}
        for t in found.new_tests
    }
    grown = plan.with_exact(found.new_tests, options.float_rel_tol, shown) if shown else plan
    new_ids = [t[0] for t in found.new_tests]
    if new_ids:
        state.common["tests_added"] = new_ids
    # Every decided input runs too, through the harness: the differential job holds only what
    # the candidates reported, and one that detects it could report answers it never gives.
    checking = grown.with_exact(agreed, options.float_rel_tol, {})
    agreed_ids = [t[0] for t in agreed]
    agreed_set = set(agreed_ids)
    wall_s = max(options.timeout_s, min(options.timeout_s * 3, 60.0)) if agreed else None
    checked = state.open()
    reruns = ex.run(
        [str(task.solutions[i]) for i in checked],
        checking.keep(new_ids + agreed_ids),
        call_timeout,
        wall_s,
    )
    for i, run in zip(checked, reruns, strict=True):
        mine = per.setdefault(i, {})
        mine["differential_tests"] = {
            k: v.outcome for k, v in run.outcomes.items() if k not in agreed_set
        }
        misreported = [
            k for k in agreed_ids if k in run.outcomes and run.outcomes[k].outcome != "passed"
        ]
        if misreported:
            mine["differential_misreported"] = {
                "tests": len(misreported),
                "first": {"id": misreported[0], **_shown(agreed, misreported[0])},
            }
        if run.infra_error:
            state.settle([i], Outcome.INFRA_ERROR, "sandbox_error", error=run.infra_error)
        elif run.timed_out:
            state.settle([i], Outcome.REJECTED, "timeout")
        elif not run.passes_all():
            state.settle([i], Outcome.REJECTED, "disagrees_with_consensus")
    if not new_ids:
        return plan
    state.common["tests_trusted"] = grown.ids
    return grown


def _shown(cases: list[tuple[str, tuple[Any, ...], Any]], test_id: str) -> dict[str, str]:
    _, args, expected = next(c for c in cases if c[0] == test_id)
    return {"args": repr(args)[:300], "expected": repr(expected)[:300]}


def _mutation(state: _State, plan: TestPlan, ex: Executor, target: str, anchor: Run) -> None:
    task, options = state.task, state.options
    accepted = state.open()
    found = mutants(target, task.entry_point, options.mutants)
    if not found:
        state.common["mutation"] = {"score": None, "note": "no mutation point in the solution"}
        return
    # The target unchanged but written as its mutants are, first and last in their job: a
    # program that tells its own text apart (a comment only the original holds), or its place
    # in the job (a file the first process left), fails there as the mutants die.
    unchanged = control(target) or target
    [first, *runs, last] = ex.first_failures(
        [unchanged, *(m.source for m in found), unchanged],
        plan,
        mutant_call_limit(anchor, options),
        job_limit(anchor, options),
    )
    broken = next((r.infra_error for r in [first, *runs, last] if r.infra_error), "")
    if broken:
        state.settle(accepted, Outcome.INFRA_ERROR, "sandbox_error", error=broken)
        return
    ran = first if not first.passes_all() else last
    if not ran.passes_all():
        failed = next((t.outcome for t in ran.outcomes.values() if t.outcome != "passed"), "")
        state.common["mutation"] = {"score": None, "control": failed or "failed"}
        if ran.timed_out:  # a loaded machine can do that too: nothing is known
            error = "the unmutated control timed out in the mutants' job"
            state.settle(accepted, Outcome.INFRA_ERROR, "sandbox_error", error=error)
        else:
            state.settle(accepted, Outcome.REJECTED, "weak_tests")
        return
    killed = [not r.passes_all() for r in runs]
    score = sum(killed) / len(found)
    state.common["mutation_score"] = round(score, 4)
    state.common["mutation"] = {
        "score": round(score, 4),
        "killed": sum(killed),
        "total": len(found),
        "survivors": [
            {"kind": m.kind, "line": m.line} for m, k in zip(found, killed, strict=True) if not k
        ],
    }
    if score < options.min_mutation_score:
        state.settle(accepted, Outcome.REJECTED, "weak_tests")


def _mutable(state: _State, accepted: list[int]) -> int | None:
    """The first accepted solution whose mutants' deaths can be evidence: one that cannot see
    its own code or its place in the job (``introspect``). When none can, the suite's strength
    is unmeasured, and the accepted solutions are ``weak_tests``."""
    refused: dict[str, str] = {}
    for index in accepted:
        seen = observes_itself(str(state.task.solutions[index]))
        if seen is None:
            return index
        refused[str(index)] = seen
    state.common["mutation"] = {"score": None, "refused": refused}
    state.settle(accepted, Outcome.REJECTED, "weak_tests")
    return None


def _trust_details(
    plan: TestPlan,
    trust: Trust,
    runs: Sequence[Run],
    todo: Sequence[int],
    call_timeout: float,
    options: CodeOptions,
) -> dict[str, Any]:
    return {
        "trust": {
            "anchor": trust.anchor,
            "note": trust.note,
            "consensus": None
            if trust.agreement is None
            else [todo[m] for m in trust.agreement.members],
        },
        "tests_trusted": list(trust.kept),
        "dropped_tests": {
            i: {"why": why, "test": plan.shown.get(i)} for i, why in trust.dropped.items()
        },
        "pass_matrix": {
            "tests": plan.ids,
            "solutions": list(todo),
            "rows": pass_matrix(runs, plan.ids),
        },
        "limits": {
            "timeout_s": options.timeout_s,
            "call_timeout_s": round(call_timeout, 4),
            "memory_mb": options.memory_mb,
        },
    }


def _run_details(run: Run, kept: Sequence[str]) -> dict[str, Any]:
    trusted = [run.outcomes[t] for t in kept if t in run.outcomes]
    return {
        "tests_passed": sum(t.outcome == "passed" for t in trusted),
        "tests_total": len(kept),
        "checks_passed": run.checks_on(kept),
        "tests_run": [
            {
                "id": i,
                "outcome": t.outcome,
                "message": t.message[:300],
                "time_s": round(t.time_s, 5),
                "checks": run.checks.get(i, 0),
            }
            for i, t in run.outcomes.items()
        ],
        "run_note": run.note[:300],
        "infra_error": run.infra_error,
        "timeout_retried": run.timeout_retried,
    }
