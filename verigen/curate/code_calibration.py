"""Code against hidden tests: the truth side of code calibration and of the precision bench.

A run's code verification decides which of the test writer's tests to trust (the reference or
the solutions' consensus may drop some) and asks more of a solution than passing them
(Hypothesis inputs, mutants). Judging what it kept is a different question with a different
truth: a hidden suite someone checked (``tests/test_calibration_code.py`` runs every shipped
reference against its own). So the same sandbox and harness run it, with every extra turned off:

- no test is dropped: without a reference the consensus may drop none
  (``max_dropped_fraction=0``), and a reference given as anchor is one that passes them all;
- no differential testing and no mutants: the hidden tests alone decide;
- one check is enough (``trusted_suite``): the suite's authors chose what it checks.

A solution is right when it passes every hidden test; ``right`` is None when the sandbox could
not run it (``infra_error``): nothing is concluded about it, neither right nor wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from verigen.records import Outcome, Verdict
from verigen.verify.code import CodeOptions, CodeVerifier


@dataclass(frozen=True)
class HiddenSuite:
    """One problem's hidden tests and what the harness needs to call its solutions."""

    tests: Any
    """Typed ``CaseTests``, or JSON call cases ``{"args", "kwargs", "expected"}``."""
    entry_point: str
    signature: str | None = None
    reference: str | None = None
    """An anchor known to pass every hidden test (it calibrates the per-test time limit)."""


def hidden_checker(options: CodeOptions | None = None, workers: int = 2) -> CodeVerifier:
    """A code verifier that takes a hidden suite as the truth, as it is (see the module): the
    sandbox and limits of ``options`` (a run's), every way of trusting less turned off."""
    base = options or CodeOptions()
    hidden = replace(base, min_tests=1, max_dropped_fraction=0.0, mutants=0, differential=False)
    return CodeVerifier(hidden, workers)


def run_hidden(
    checker: CodeVerifier, solutions: Sequence[tuple[str, HiddenSuite, str | None]]
) -> list[Verdict]:
    """Each ``(problem, suite, solution)``'s solution (``None``: no code) against the suite;
    one verdict per item, in order. Items of one problem (the first one's suite stands for
    all) are judged in one task, as the code verifier judges a problem's samples together;
    problems share the sandbox workers (``CodeVerifier.verify_many``)."""
    groups: dict[str, tuple[HiddenSuite, list[int]]] = {}
    for index, (problem, suite, _) in enumerate(solutions):
        groups.setdefault(problem, (suite, []))[1].append(index)
    tasks = [
        {
            "solutions": [solutions[i][2] for i in indices],
            "tests": suite.tests,
            "entry_point": suite.entry_point,
            "signature": suite.signature,
            "reference": suite.reference,
            "trusted_suite": True,
        }
        for suite, indices in groups.values()
    ]
    by_index: dict[int, Verdict] = {}
    for (_, indices), judged in zip(groups.values(), checker.verify_many(tasks), strict=True):
        by_index.update(zip(indices, judged, strict=True))
    return [by_index[index] for index in range(len(solutions))]


def right(verdict: Verdict) -> bool | None:
    """Right by the truth (code: passed every hidden test), wrong, or None when the check
    could not be made (``infra_error``): nothing is concluded then."""
    return None if verdict.outcome is Outcome.INFRA_ERROR else verdict.accepted
