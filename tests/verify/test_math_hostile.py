"""Hostile input never hangs or crashes the pool, and callers on threads and asyncio work.

No timing assertions: every hostile input gets a rejection with its own reason (a timeout
would be ``infra_error``/``unverifiable``, tested in ``test_math_infra.py``), and the pool is
checked to still answer afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from verigen.records import Outcome
from verigen.verify.math import MathOptions, MathVerifier, check

HOSTILE = [
    r"10^{5^{5^{5^5}}}",
    "5^5^5^5^5",
    r"9^{9^{9^{9}}} + 1",
    "$" + "{" * 200 + "1" + "}" * 200 + "$",
    r"\boxed{" + r"\frac{1}{" * 200 + "2" + "}" * 200 + "}",
    "9" * 100_000,
    "$" + "x+" * 50_000 + "1$",
    r"\def\a{\a\a}\a",
    r"\newcommand{\x}{\x}\x",
    "((((((((((((((((",
    "}}}}{{{{ $$ $ \\ \\\\ \\boxed{",
    "\x00\x01\x02 garbage \ufffd",
    r"1000000!",
    r"\sum_{k=1}^{10^{9}} k^{k}",
    r"\prod_{k=1}^{5000} k^{k}",
    r"\sum_{k=1}^{9999} k^{k}",
    r"\binom{20000}{10000}",
    r"\boxed{1" + " " * 29000 + "2}",
    r"\boxed{1" + "." * 29000 + "x}",
    r"\frac{1}{" * 50_000 + "2" + "}" * 50_000,
    r"\left(" * 10_000 + "1" + r"\right)" * 10_000,
    r"\left(" * 10_000 + "1",
    "a" * 50_000 + "!",
    r"\boxed{1}, " * 10_000,
    r"\sqrt{" * 5000 + "2" + "}" * 5000,
    r"\sqrt" * 5000 + "2",
    "1" + "'" * 50_000,
    "1_" * 50_000 + "1",
    "30^\\circ 30' " * 10_000,
    "1010_2" * 20_000,
    "1 " * 50_000,
    "2^{" * 40 + "2" + "}" * 40,
]

HOSTILE_PAIRS = [
    ("(x+y+z)^{200}", "(x+y+z)^{199}"),
    ("(x+1)^{1000}", "(x+2)^{1000}"),
    ("(x+y+z)^{200} = 1", "(x+y+z)^{199} = 1"),
    (r"x+\binom{20000}{10000}", "x+1"),
]
"""Gold and pred that are each harmless to parse, but costly to compare symbolically."""


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(MathOptions(timeout_s=2.0), workers=2) as mv:
        yield mv


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_pred_gets_a_verdict(text: str, verifier: MathVerifier) -> None:
    verdict = verifier.check("7", text)
    assert verdict.outcome is Outcome.REJECTED, verdict
    assert verifier.check("1/2", "0.5").accepted  # the pool still works afterwards


@pytest.mark.parametrize(("gold", "pred"), HOSTILE_PAIRS, ids=range(len(HOSTILE_PAIRS)))
def test_hostile_pair_gets_a_verdict(gold: str, pred: str, verifier: MathVerifier) -> None:
    verdict = verifier.check(gold, pred)
    assert verdict.outcome is Outcome.REJECTED, verdict


@pytest.mark.parametrize("text", HOSTILE[:3], ids=range(3))
def test_identical_towers_are_equal_without_evaluation(text: str, verifier: MathVerifier) -> None:
    assert verifier.check(text, text).accepted


def test_refusals_name_their_reason(verifier: MathVerifier) -> None:
    assert verifier.check("1", r"10^{5^{5^{5^5}}}").reason == "too_large_to_evaluate"
    assert verifier.check("1", r"\def\a{\a\a}\a").reason == "unparsable"
    assert verifier.check("1", r"\def\a{\a\a}\a").details["rule"] == "macro_definition"
    assert verifier.check("1", "$" + "{" * 200 + "1" + "}" * 200 + "$").reason == "too_deep"
    assert verifier.check("1", "9" * 100_000).reason == "answer_too_long"


def test_a_sum_of_a_billion_terms_is_never_summed(verifier: MathVerifier) -> None:
    verdict = verifier.check("1", r"\sum_{k=1}^{10^{9}} k^{k}")
    assert verdict.reason == "too_large_to_evaluate" and verdict.outcome is Outcome.REJECTED
    assert verifier.check("2", "4/2").accepted


def test_calls_from_threads(verifier: MathVerifier) -> None:
    with ThreadPoolExecutor(max_workers=6) as threads:
        verdicts = list(threads.map(lambda n: verifier.check(str(n), f"{2 * n}/2"), range(12)))
    assert all(v.accepted for v in verdicts)


def test_calls_from_asyncio(verifier: MathVerifier) -> None:
    async def main() -> list[bool]:
        verdicts = await asyncio.gather(*(verifier.acheck(str(n), f"{n}.0") for n in range(8)))
        vote = await verifier.avote([r"\boxed{2}", "2.0", r"\boxed{3}"], 0.5)
        return [v.accepted for v in verdicts] + [vote.answer == "2"]

    assert all(asyncio.run(main()))


def test_module_level_check() -> None:
    assert check(r"\frac{1}{2}", "0.5").accepted
    assert not check("1", "2").accepted
