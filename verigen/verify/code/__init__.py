"""Code verification: tests in the sandbox, test trust, cross-checks, differential testing.

::

    from verigen.verify.code import CodeOptions, CodeVerifier
    with CodeVerifier(CodeOptions(min_tests=3), workers=2) as cv:
        verdicts = cv.verify(solutions=[src_a, src_b, None], tests=cases, entry_point="f",
                             signature="def f(x: int) -> int:")

One ``verigen.records.Verdict`` per solution (``verifier="code"``): accepted, rejected with a
reason (``no_code``, ``invalid_tests``, ``too_few_trusted_tests``, ``tests_failed``, ``timeout``,
``disagrees_with_consensus``, ``unresolved_disagreement``, ``weak_tests``), or ``infra_error``
when the sandbox failed after retries. ``docs/code-verify.md`` has the policy and every detail
key. Importing this package starts nothing: the sandbox pool opens on the first verification.
"""

from __future__ import annotations

from verigen.verify.code.humaneval import HumanEvalProblem, humaneval_rows, load_humaneval
from verigen.verify.code.judge import VERIFIER_VERSION
from verigen.verify.code.mutate import Mutant, mutants, wrong_variant
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.tests import IOCase, TestPlan, parse_tests
from verigen.verify.code.verifier import CodeVerifier

__all__ = [
    "VERIFIER_VERSION",
    "CodeOptions",
    "CodeVerifier",
    "HumanEvalProblem",
    "IOCase",
    "Mutant",
    "TestPlan",
    "humaneval_rows",
    "load_humaneval",
    "mutants",
    "parse_tests",
    "wrong_variant",
]
