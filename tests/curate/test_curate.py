"""``curate`` over a two-round journal: the funnel, lineage, cross-round dedup, drop-model."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from tests.curate.journals import two_rounds
from verigen.curate import CurationOptions, CurationResult, DifficultyBand, curate
from verigen.curate.dedup import normalise
from verigen.curate.lineage import lineage
from verigen.curate.samples import load_samples
from verigen.store import Journal


def _curate(tmp_path: Path, **options: object) -> CurationResult:
    with Journal.open_existing(two_rounds(tmp_path / "run")) as journal:
        return curate(journal, CurationOptions(**options))  # type: ignore[arg-type]


def test_funnel_counts_each_stage_in_order(tmp_path: Path) -> None:
    result = _curate(tmp_path)
    funnel = [(s.name, s.samples, s.problems) for s in result.funnel]
    assert funnel == [
        ("generated", 16, 8),
        ("verified", 10, 7),
        ("selected", 10, 7),
        ("deduplicated", 8, 5),
        ("decontaminated", 7, 4),
        ("kept", 7, 4),
    ]
    assert result.summary()["removed"] == {
        "dedup": {"duplicate_problem": 1, "near_duplicate_problem": 1},
        "decontam": {"benchmark_overlap": 1},
    }


def test_two_rounds_leave_no_exact_or_near_duplicate_problems(tmp_path: Path) -> None:
    result = _curate(tmp_path)
    statements = {normalise(s.problem.statement) for s in result.kept}
    assert len(statements) == len({s.problem.id for s in result.kept})
    for a, b in combinations(statements, 2):
        assert fuzz.ratio(a, b) < 90
    rounds = {s.problem.provenance.round for s in result.kept}
    assert rounds == {0, 1}, "round 1 contributes its new problem, not its copies"


def test_every_kept_sample_carries_its_lineage(tmp_path: Path) -> None:
    result = _curate(tmp_path)
    for sample in result.kept:
        row = lineage(sample)
        assert row["model"] in {"solver-a", "solver-b"} and row["problem_model"]
        assert (row["template"], row["template_version"]) == ("math_solve", "s1")
        assert (row["problem_template"], row["problem_template_version"]) == ("math_problem", "p1")
        assert isinstance(row["seed"], int) and row["round"] in (0, 1)
        assert (row["verifier"], row["verifier_version"]) == ("math", "math-1.0")
        assert row["latency_s"] == 0.25 and row["verify_s"] == 0.01


def test_removed_samples_say_where_and_why(tmp_path: Path) -> None:
    result = _curate(tmp_path)
    contaminated = next(r for r in result.removed if r.stage == "decontam")
    fate = result.lineage_of(contaminated.sample.id)
    assert fate is not None and fate["status"] == "removed"
    assert fate["detail"]["item"] == "HumanEval/0"
    kept = result.lineage_of(result.kept[0].id)
    assert kept is not None and kept["status"] == "kept"
    assert result.lineage_of("no-such-sample") is None


def test_drop_model_removes_what_it_solved_and_what_it_wrote(tmp_path: Path) -> None:
    result = _curate(tmp_path, drop_models=("solver-b", "writer-b"))
    assert {s.attempt.provenance.model for s in result.kept} == {"solver-a"}
    assert {s.problem.provenance.model for s in result.kept} == {"writer-a"}
    assert {s.attempt.provenance.model for s in result.judged} == {"solver-a"}
    assert all(s.attempt.provenance.model != "solver-b" for s in result.failed)
    dropped = [r for r in result.removed if r.stage == "select"]
    assert {r.detail["as"] for r in dropped} == {"solver", "problem_writer"}
    assert result.funnel[2].samples < result.funnel[1].samples


def test_dropping_a_model_keeps_the_other_copy_of_a_duplicate(tmp_path: Path) -> None:
    """The triangle problem was solved by solver-a in round 0 and copied for solver-b in round 1:
    dropping solver-a leaves round 1's copy, because models are dropped before dedup."""
    result = _curate(tmp_path, drop_models=("solver-a",))
    triangles = [s for s in result.kept if "triangle" in s.problem.statement]
    assert [s.problem.provenance.round for s in triangles] == [1]


def test_the_band_keeps_problems_in_between(tmp_path: Path) -> None:
    result = _curate(tmp_path, band=DifficultyBand(0, 1))
    rates = {result.pass_rate(s.problem.id) for s in result.kept}
    assert rates and all(r is not None and 0 < r < 1 for r in rates)
    assert result.funnel[-1].samples < result.funnel[-2].samples


def test_rows_built_elsewhere_are_curated_too(tmp_path: Path) -> None:
    with Journal.open_existing(two_rounds(tmp_path / "run")) as journal:
        samples = load_samples(journal)
        triples = list(journal.judged())
    from_samples = curate(samples, CurationOptions(decontam=None))
    from_triples = curate(triples, CurationOptions(decontam=None))
    assert [s.id for s in from_samples.kept] == [s.id for s in from_triples.kept]
    assert from_samples.funnel[0].samples == 16
    assert from_samples.summary()["settings"]["decontam"] is None


def test_a_newer_verifier_version_replaces_the_older_verdict(tmp_path: Path) -> None:
    from verigen.records import Outcome, Verdict

    run = two_rounds(tmp_path / "run")
    with Journal.open_existing(run) as journal:
        first = next(iter(journal.judged(outcome=Outcome.ACCEPTED)))[1]
        journal.add_verdict(
            first.id,
            Verdict(
                outcome=Outcome.REJECTED,
                reason="fixed",
                verifier="math",
                verifier_version="math-1.1",
            ),
        )
        samples = {s.id: s for s in load_samples(journal)}
        pinned = {s.id: s for s in load_samples(journal, version="math-1.0")}
    assert samples[first.id].verdict.reason == "fixed"
    assert pinned[first.id].accepted


@pytest.mark.parametrize(
    "summary_key", ["funnel", "yield_per_model", "yield_per_topic", "versions"]
)
def test_summary_is_plain_json(tmp_path: Path, summary_key: str) -> None:
    import json

    summary = _curate(tmp_path).summary()
    assert json.loads(json.dumps(summary[summary_key])) == summary[summary_key]


PRECISION = {
    "policy": "strict",
    "problems": {"judged": 6, "kept": 1},
    "steps": [
        {"step": "vote", "rule": "share >= 0.6, votes >= 2", "rejected": 2, "undecided": 0},
        {"step": "well_posed", "rule": "openai/a (undecided keeps nothing)", "rejected": 1,
         "undecided": 1},
        {"step": "rederive", "rule": "openai/a (undecided keeps nothing)", "rejected": 1,
         "undecided": 0},
    ],
}  # fmt: skip


def test_a_card_exported_later_shows_the_runs_precision_table(tmp_path: Path) -> None:
    """What ``verigen export`` does after the run: curate the journal, write the card."""
    from verigen.export.writer import ExportOptions, export

    run = two_rounds(tmp_path / "run")
    with Journal.open_existing(run) as journal:
        journal.set_meta("precision", PRECISION)  # as the run's report leaves it
        result = curate(journal, CurationOptions(decontam=None))
    assert result.summary()["precision"] == PRECISION
    export(result, tmp_path / "out", ExportOptions("rl"))
    card = (tmp_path / "out" / "README.md").read_text()
    assert "## Precision policy: strict" in card
    assert "judged by agreement: 6; kept: 1" in card
    assert "| well_posed | openai/a (undecided keeps nothing) | 1 | 1 |" in card


def test_a_card_without_the_runs_table_still_names_its_precision_policy(tmp_path: Path) -> None:
    """A journal whose report never ran still has its config: the card names the precision
    policy the run judged by, for math and for code."""
    from verigen.export.card import card_body

    summary = _curate(tmp_path).summary()
    assert summary["precision"] is None
    for domain in ("math", "code"):
        summary["run_config"] = {"precision": "balanced", "problems": {"domain": domain}}
        assert "## Precision policy: balanced" in card_body(summary, "rl", 8), domain


def test_without_a_precision_table_the_summary_says_none(tmp_path: Path) -> None:
    assert _curate(tmp_path).summary()["precision"] is None, "two_rounds' run wrote no report"
    with Journal.open_existing(two_rounds(tmp_path / "run2")) as journal:
        samples = load_samples(journal)
    assert curate(samples, CurationOptions(decontam=None)).summary()["precision"] is None
