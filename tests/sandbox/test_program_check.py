"""The math program check in the real sandbox: the programs its prompt asks for run there."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from verigen.generate import prompts
from verigen.generate.math import PROGRAM_TEMPLATE
from verigen.records import Outcome
from verigen.sandbox import Limits, Pool
from verigen.verify.math.program import check_program
from verigen.verify.math.verifier import MathVerifier

LIMITS = Limits(wall_s=10, memory_mb=512)
SYMPY_PROGRAMS = [
    (
        "5/2",
        "from sympy import symbols, solve\nx = symbols('x')\nprint(solve(7*x - 2 - 5*x - 3, x)[0])",
    ),
    ("7/12", "from sympy import Rational as R\nprint(R(1, 2) + R(1, 3) - R(1, 4))"),
    ("17", "from sympy import factorint\nprint(max(factorint(17)))"),
    ("1", "import sympy\nprint(sympy.Mod(sympy.Integer(7) ** 100, 3))"),
]


@pytest.fixture(scope="module")
def checker() -> Iterator[MathVerifier]:
    with MathVerifier(workers=1) as mv:
        yield mv


def test_the_prompt_offers_sympy() -> None:
    """The premise of the next test: were the prompt to stop offering sympy, the image would
    not need it."""
    system = prompts.load(PROGRAM_TEMPLATE).render(problem="1 + 1")[0][1]
    assert "sympy" in system


@pytest.mark.parametrize(("answer", "program"), SYMPY_PROGRAMS)
def test_a_program_using_sympy_runs_and_agrees(
    sandbox: Pool, checker: MathVerifier, answer: str, program: str
) -> None:
    """A right answer checked by a sympy program stands (the image once lacked sympy, and such
    answers were left ``unverifiable``); a wrong one is refuted by the same program."""
    agree = asyncio.run(check_program(sandbox, checker, answer, program, LIMITS))
    assert (agree.outcome, agree.reason) == (Outcome.ACCEPTED, "program_agrees"), agree
    refute = asyncio.run(check_program(sandbox, checker, answer + "1", program, LIMITS))
    assert (refute.outcome, refute.reason) == (Outcome.REJECTED, "program_disagrees"), refute
