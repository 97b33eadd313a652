"""Reward functions: TRL and verl shapes, datasets.map, and infra errors that are never 0.0."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest
from datasets import Dataset, Features

from verigen.errors import InfraError, InputError
from verigen.records import Outcome, Verdict
from verigen.schema import VERDICT, add_verdicts, features, verdict_values
from verigen.verify.rewards import (
    MathBatchVerifier,
    MathReward,
    completion_text,
    compute_score,
    reward_of,
)

CORRECT = "Half of one is \\frac{1}{2}, so the answer is \\boxed{\\frac{1}{2}}."
WRONG = "I think it is \\boxed{3}."


@pytest.fixture(scope="module")
def reward() -> Iterator[MathReward]:
    made = MathReward(workers=1)
    yield made
    made.close()


def test_correct_scores_one_and_wrong_scores_zero(reward: MathReward) -> None:
    got = reward(["p1", "p2"], [CORRECT, WRONG], answer=["0.5", "1/2"], domain=["math", "math"])
    assert got == [1.0, 0.0]


def test_conversational_completions_use_the_last_turn(reward: MathReward) -> None:
    completions = [[{"role": "assistant", "content": CORRECT}]]
    assert reward([[{"role": "user", "content": "?"}]], completions, answer=["1/2"]) == [1.0]
    assert completion_text([]) == ""


def test_rows_of_another_domain_get_none_not_zero(reward: MathReward) -> None:
    got = reward(
        ["p", "q"], [CORRECT, "def f(): pass"], answer=["1/2", ""], domain=["math", "code"]
    )
    assert got == [1.0, None]


def test_a_missing_answer_column_is_a_clear_error(reward: MathReward) -> None:
    with pytest.raises(KeyError, match="'answer' column"):
        reward(["p"], [CORRECT], solution=["1/2"])


def _infra(reason: str = "worker_crashed") -> Verdict:
    return Verdict(
        outcome=Outcome.INFRA_ERROR, reason=reason, verifier="math", verifier_version="math-1.0"
    )


INFRA_REASONS = ["worker_crashed", "checker_error", "unverifiable", "vote_unsettled"]


@pytest.mark.parametrize("reason", INFRA_REASONS)
def test_an_infra_verdict_raises_or_is_none_and_counted(reason: str) -> None:
    with pytest.raises(InfraError, match=reason):
        MathReward(workers=1).score(_infra(reason))
    flagged = MathReward(workers=1, on_infra_error="none")
    assert flagged.score(_infra(reason)) is None and flagged.infra_errors == 1
    assert reward_of(_infra(reason)) is None, "never 0.0: nobody judged the completion"
    assert verdict_values(_infra(reason))["verified"] is None


def test_a_dead_pool_raises_instead_of_scoring() -> None:
    strict = MathReward(workers=1)
    strict.verifier().close()
    with pytest.raises(InfraError, match="pool unusable"):
        strict(["p"], [CORRECT], answer=["1/2"])
    lenient = MathReward(workers=1, on_infra_error="none")
    lenient.verifier().close()
    assert lenient(["p", "q"], [CORRECT, WRONG], answer=["1/2", "1/2"]) == [None, None]
    assert lenient.infra_errors == 2


def test_rewards_survive_pickling_and_restart_their_pool(reward: MathReward) -> None:
    reward(["p"], [CORRECT], answer=["1/2"])
    copy = pickle.loads(pickle.dumps(reward))
    try:
        assert copy(["p"], [WRONG], answer=["1/2"]) == [0.0]
    finally:
        copy.close()


def test_batched_map_adds_the_verdict_columns_typed() -> None:
    rows = Dataset.from_dict(
        {"completion": [CORRECT, WRONG, "no answer here"], "answer": ["0.5", "0.5", "2"]}
    )
    verifier = MathBatchVerifier(workers=2)
    try:
        out = add_verdicts(rows, verifier, batch_size=2)
    finally:
        verifier.close()
    assert out["verified"] == [True, False, False]
    assert out["outcome"] == ["accepted", "rejected", "rejected"]
    assert out["reason"][2] == "no_answer" and out["verifier_version"][0].startswith("math-")
    assert out.features == Features({**rows.features, **features(VERDICT)})
    assert out["tests_total"] == [None] * 3, "math has no tests; the column is int32 anyway"


def test_a_dead_pool_stops_a_batch_map_instead_of_writing_wrong_verdicts() -> None:
    verifier = MathBatchVerifier(workers=1)
    verifier.verifier().close()
    rows = Dataset.from_dict({"completion": [CORRECT], "answer": ["1/2"]})
    with pytest.raises(InfraError, match="pool unusable"):
        add_verdicts(rows, verifier)


def test_verl_compute_score() -> None:
    assert compute_score("verigen/math", CORRECT, "1/2") == 1.0
    assert compute_score("verigen/math", WRONG, "1/2") == 0.0
    with pytest.raises(InputError, match="verigen/poetry"):
        compute_score("verigen/poetry", "roses are red", "")
