"""Duplicate detection: exact, near (proposed by LSH, confirmed exactly), and across rounds."""

from __future__ import annotations

import pytest

from tests.curate.journals import OK, STATEMENTS, attempt, math_verdict, problem
from verigen.curate import DedupOptions, Sample
from verigen.curate.dedup import NearDupIndex, dedup, normalise

BASE = STATEMENTS["sum"]


def test_normalised_text_ignores_case_punctuation_and_spacing() -> None:
    assert normalise("What is  2+3?\n") == normalise("what is 2 + 3 ?!") == "what is 2 3"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (BASE.upper().replace(",", " , "), "exact"),
        (BASE.replace("Compute", "Find"), "near"),
        (BASE.replace("positive divisors", "positive integer divisors"), "near"),
    ],
)
def test_copies_are_matched_to_the_first_text(text: str, kind: str) -> None:
    index = NearDupIndex()
    assert index.add("first", BASE) is None
    match = index.add("second", text)
    assert match is not None and (match.of, match.kind) == ("first", kind)


@pytest.mark.parametrize(
    "text",
    [
        BASE.replace("36", "48"),  # same template, other numbers: another problem
        STATEMENTS["primes"],
        "Compute the sum of all digits of 36.",
    ],
)
def test_different_problems_are_kept(text: str) -> None:
    index = NearDupIndex()
    index.add("first", BASE)
    assert index.add("second", text) is None


def test_lsh_candidates_below_the_confirmed_threshold_are_kept() -> None:
    strict = DedupOptions(near_dup_threshold=0.99, lsh_threshold=0.3)
    index = NearDupIndex(strict)
    index.add("first", BASE)
    assert index.add("second", BASE.replace("Compute", "Find")) is None


def test_exact_only_mode_lets_near_copies_through() -> None:
    index = NearDupIndex(DedupOptions(near=False))
    index.add("first", BASE)
    assert index.add("second", BASE.replace("Compute", "Find")) is None
    assert index.add("third", BASE.lower()) is not None


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        DedupOptions(near_dup_threshold=1.5)


def _sample(statement: str, round_: int, completion: str, index: int = 0) -> Sample:
    prob = problem(statement, round_=round_)
    made = attempt(prob, index, completion, "solver-a", round_)
    return Sample(prob, made, math_verdict(OK, "10"))


def test_the_earliest_round_keeps_its_problem_whatever_the_input_order() -> None:
    late = _sample(BASE.replace("Compute", "Find"), 1, "The answer is \\boxed{10}.")
    early = _sample(BASE, 0, "The answer is \\boxed{10}.")
    kept, removed = dedup([late, early])
    assert kept == [early]
    assert [(r.sample, r.reason, r.detail["of"]) for r in removed] == [
        (late, "near_duplicate_problem", early.problem.id)
    ]


def test_solutions_are_deduplicated_within_a_problem_not_across_problems() -> None:
    text = "Adding the divisors 1, 2, 3, 4, 6, 9, 12 and 18 gives \\boxed{55}."
    first = _sample(BASE, 0, text)
    copy = _sample(BASE, 0, text.replace("gives", "yields"), index=1)
    same_text_other_problem = _sample(STATEMENTS["primes"], 0, text)
    kept, removed = dedup([first, copy, same_text_other_problem])
    assert set(kept) == {first, same_text_other_problem}
    assert [(r.sample, r.reason) for r in removed] == [(copy, "near_duplicate_solution")]
