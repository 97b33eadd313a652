"""Agreement without a reference: classes, shares and per-sample verdicts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from verigen.records import Outcome
from verigen.verify.math import MathVerifier
from verigen.verify.math.vote import decide


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(workers=2) as mv:
        yield mv


def test_majority_class_is_accepted(verifier: MathVerifier) -> None:
    preds = [
        r"so \boxed{\frac{1}{2}}",
        "The answer is 0.5",
        r"\boxed{2/4}",
        r"\boxed{3}",
        "I give up entirely on this one.",
    ]
    vote = verifier.vote(preds, min_share=0.5)
    assert vote.classes[0] == (0, 1, 2)
    assert vote.share == pytest.approx(0.6)
    assert vote.answer == r"\frac{1}{2}"
    assert vote.accepted_indices == (0, 1, 2)
    reasons = [vote.verdict(i).reason for i in range(5)]
    assert reasons == ["majority"] * 3 + ["disagrees_with_majority", "no_answer"]
    assert vote.verdict(0).outcome is Outcome.ACCEPTED
    assert vote.verdict(0).details["vote_share"] == pytest.approx(0.6)


def test_below_min_share_has_no_majority(verifier: MathVerifier) -> None:
    vote = verifier.vote([r"\boxed{1}", r"\boxed{1}", r"\boxed{2}", r"\boxed{3}"], min_share=0.75)
    assert vote.answer is None and vote.accepted_indices == ()
    assert vote.verdict(0).reason == "no_majority"


def test_a_tie_has_no_majority(verifier: MathVerifier) -> None:
    vote = verifier.vote([r"\boxed{1}", r"\boxed{2}"], min_share=0.5)
    assert vote.answer is None
    assert [vote.verdict(i).reason for i in range(2)] == ["no_majority", "no_majority"]


def test_sets_in_any_order_vote_together(verifier: MathVerifier) -> None:
    vote = verifier.vote([r"\boxed{\{1,2\}}", r"\boxed{\{2,1\}}", r"\boxed{(2,1)}"], 0.5)
    assert vote.classes[0] == (0, 1)


def test_decide_rules() -> None:
    assert decide([], 3, 0.5) == (None, 0.0, True)
    winner, share, settled = decide([[0, 1], [2]], 3, 0.5)
    assert (winner, settled) == (0, True) and share == pytest.approx(2 / 3)
    assert decide([[0, 1], [2]], 3, 0.7)[0] is None


@pytest.mark.parametrize(
    ("classes", "k", "floating", "expected"),
    [
        ([[0, 1, 2, 3]], 5, 1, (0, True)),  # one floater cannot outvote four
        ([[0, 1], [2]], 4, 1, (None, False)),  # it could tie the vote, or make it
        ([[0], [1], [2]], 6, 1, (None, True)),  # nothing reaches half, wherever it goes
        ([[0]], 3, 2, (None, False)),  # the two floaters could be the majority
        ([[0, 1, 2]], 5, 2, (0, True)),  # two floaters, even together, stay below three
    ],
)
def test_decide_with_floating_samples(
    classes: list[list[int]], k: int, floating: int, expected: tuple[int | None, bool]
) -> None:
    """A vote stands only if no placement of the floating samples could change it."""
    winner, _share, settled = decide(classes, k, 0.5, floating)
    assert (winner, settled) == expected


def test_min_share_is_validated(verifier: MathVerifier) -> None:
    with pytest.raises(ValueError, match="min_share"):
        verifier.vote(["1"], min_share=0)


def test_a_sample_that_defines_a_macro_has_no_answer(verifier: MathVerifier) -> None:
    preds = [r"\boxed{4}", r"\renewcommand{\frac}[2]{#1} \boxed{\frac{4}{1}}", r"\boxed{5}"]
    vote = verifier.vote(preds, min_share=0.5)
    assert vote.answers[1] is None and vote.verdict(1).reason == "no_answer"
    assert vote.answer is None  # 4 and 5 tie: the macro sample did not break the tie


@pytest.mark.parametrize(
    "hostile",
    [
        r"\boxed{1" + " " * 29_000 + "2}",
        r"\boxed{1" + "." * 29_000 + "x}",
        "$1" + " " * 29_000 + "2$",
    ],
)
def test_an_over_long_answer_is_refused_unread(verifier: MathVerifier, hostile: str) -> None:
    """The vote normalises answers in the caller's process, with no time limit: an answer
    over ``max_answer_chars`` is refused before any string work (these took minutes when
    normalisation was quadratic in a run of spaces or dots)."""
    vote = verifier.vote([r"\boxed{2}", r"\boxed{2}", hostile], min_share=0.5)
    assert vote.answer == "2" and vote.accepted_indices == (0, 1)
    assert vote.verdict(2).outcome is Outcome.REJECTED
    assert vote.verdict(2).reason == "answer_too_long"


def test_an_ambiguous_answer_is_refused_not_grouped(verifier: MathVerifier) -> None:
    """``2 3`` and ``4 5`` both normalise to a refusal: they are no class of their own."""
    vote = verifier.vote([r"\boxed{2 3}", r"\boxed{4 5}", r"\boxed{5}"], min_share=0.3)
    assert vote.classes == ((2,),) and vote.answer == "5"
    assert [vote.verdict(i).reason for i in range(2)] == ["unparsable", "unparsable"]
