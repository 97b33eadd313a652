"""Pass rates per problem and per model, and the band filter RL training uses."""

from __future__ import annotations

import pytest

from tests.curate.journals import BAD, OK, STATEMENTS, attempt, math_verdict, problem
from verigen.curate import DifficultyBand, Sample
from verigen.curate.difficulty import band_filter, model_pass_rates, pass_rates
from verigen.errors import ConfigError
from verigen.records import Outcome


def _samples(statement: str, outcomes: list[tuple[str, Outcome]]) -> list[Sample]:
    prob = problem(statement)
    return [
        Sample(prob, attempt(prob, i, f"try {i}", model), math_verdict(outcome, "1"))
        for i, (model, outcome) in enumerate(outcomes)
    ]


def test_pass_rate_leaves_infra_errors_out_of_both_counts() -> None:
    samples = _samples(
        STATEMENTS["sum"],
        [("a", OK), ("a", BAD), ("b", OK), ("b", Outcome.INFRA_ERROR)],
    )
    entry = pass_rates(samples)[samples[0].problem.id]
    assert entry.pass_rate == pytest.approx(2 / 3)
    assert entry.total.infra_errors == 1
    assert entry.per_model["a"].rate == 0.5 and entry.per_model["b"].rate == 1.0


def test_only_infra_errors_means_unknown_not_impossible() -> None:
    samples = _samples(STATEMENTS["sum"], [("a", Outcome.INFRA_ERROR)])
    assert pass_rates(samples)[samples[0].problem.id].pass_rate is None
    kept, removed = band_filter(samples, pass_rates(samples), DifficultyBand(0, 1, True, True))
    assert kept == [] and removed[0].detail["pass_rate"] is None


def test_model_pass_rates_span_problems() -> None:
    samples = _samples(STATEMENTS["sum"], [("a", OK), ("b", BAD)])
    samples += _samples(STATEMENTS["primes"], [("a", BAD), ("b", BAD)])
    rates = model_pass_rates(samples)
    assert (rates["a"].accepted, rates["a"].judged) == (1, 2) and rates["b"].rate == 0.0


def test_the_rl_band_drops_always_and_never_solved_problems() -> None:
    always = _samples(STATEMENTS["sum"], [("a", OK), ("a", OK)])
    never = _samples(STATEMENTS["primes"], [("a", BAD), ("a", BAD)])
    half = _samples(STATEMENTS["triangle"], [("a", OK), ("a", BAD)])
    everything = always + never + half
    kept, removed = band_filter(everything, pass_rates(everything), DifficultyBand.parse("0,1"))
    assert kept == half[:1] + half[1:]
    assert {r.sample.problem.id for r in removed} == {always[0].problem.id, never[0].problem.id}


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("0,1", [0.5, 0.01], [0.0, 1.0]),
        ("[0.5,1]", [0.5, 1.0], [0.49]),
        ("(0.2, 0.8]", [0.8], [0.2, 0.9]),
    ],
)
def test_band_syntax(text: str, inside: list[float], outside: list[float]) -> None:
    band = DifficultyBand.parse(text)
    assert all(band.contains(r) for r in inside)
    assert not any(band.contains(r) for r in outside)
    assert DifficultyBand.parse(str(band)) == band


@pytest.mark.parametrize("text", ["1", "0.8,0.2", "a,b", "0,2"])
def test_bad_bands_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="difficulty"):
        DifficultyBand.parse(text)
