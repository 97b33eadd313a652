"""An infra error is nobody's verdict: never a DPO negative, never a failure in a pass rate, a
difficulty band or the card's rejection reasons, whatever its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset, load_from_disk

from tests.curate.journals import attempt, problem
from verigen.curate import CurationOptions, DifficultyBand, curate
from verigen.export.writer import ExportOptions, export
from verigen.records import Attempt, Outcome, Problem, Verdict

INFRA_REASONS = ("worker_crashed", "sandbox_error", "unverifiable", "vote_unsettled")


def _verdict(outcome: Outcome, reason: str) -> Verdict:
    return Verdict(outcome=outcome, reason=reason, verifier="math", verifier_version="math-9")


def _judged(
    prob: Problem, results: list[tuple[str, Outcome, str]]
) -> list[tuple[Problem, Attempt, Verdict]]:
    """One attempt per (id, outcome, reason); the ids set the order DPO pairs them in."""
    out = []
    for index, (ident, outcome, reason) in enumerate(results):
        made = attempt(prob, index, f"Working {ident} out: \\boxed{{{index}}}", f"m{index % 2}")
        out.append((prob, made.model_copy(update={"id": ident}), _verdict(outcome, reason)))
    return out


OK = Outcome.ACCEPTED
INFRA = [(f"a-infra-{r}", Outcome.INFRA_ERROR, r) for r in INFRA_REASONS]
"""Sorted before every genuine rejection: pairing by id would reach them first."""
MIXED = problem("Mixed: find the least positive integer n such that 7 divides n squared plus 3.")
SOLVED = problem("Solved: how many edges does a cube have? Answer with a single integer.")


def _rows() -> list[tuple[Problem, Attempt, Verdict]]:
    mixed = [("k-ok-1", OK, "majority"), ("k-ok-2", OK, "majority"), *INFRA]
    mixed.append(("z-wrong", Outcome.REJECTED, "disagrees_with_majority"))
    solved = [("k-solved", OK, "majority"), *[(f"{i}-b", o, r) for i, o, r in INFRA]]
    return _judged(MIXED, mixed) + _judged(SOLVED, solved)


def test_dpo_rejected_sides_are_genuine_wrong_answers_only(tmp_path: Path) -> None:
    result = curate(_rows(), CurationOptions(decontam=None))
    assert [s.id for s in result.failed] == ["z-wrong"]
    written = load_from_disk(str(export(result, tmp_path / "dpo", ExportOptions("dpo")).path))
    assert isinstance(written, Dataset)
    assert written["rejected_id"] == ["z-wrong"], "two chosen, one genuine negative: one pair"
    assert written["rejected_reason"] == ["disagrees_with_majority"]


def test_pass_rates_leave_infra_errors_out(tmp_path: Path) -> None:
    result = curate(_rows(), CurationOptions(decontam=None))
    assert result.pass_rate(MIXED.id) == pytest.approx(2 / 3)
    assert result.pass_rate(SOLVED.id) == 1.0
    per_model = result.difficulty[SOLVED.id].per_model
    assert all(t.judged == t.accepted for t in per_model.values())


def test_a_band_does_not_keep_a_solved_problem_for_its_infra_errors() -> None:
    """Counted as failures, four infra errors would put SOLVED at 0.2, inside (0,1)."""
    result = curate(_rows(), CurationOptions(decontam=None, band=DifficultyBand(0, 1)))
    assert {s.problem.id for s in result.kept} == {MIXED.id}
    [removed] = [r for r in result.removed if r.sample.problem.id == SOLVED.id]
    assert removed.detail["pass_rate"] == 1.0


def test_the_card_counts_infra_errors_apart() -> None:
    summary = curate(_rows(), CurationOptions(decontam=None)).summary()
    assert summary["rejection_reasons"] == {"disagrees_with_majority": 1}
    assert summary["infra_errors"] == 2 * len(INFRA_REASONS)
    judged = {name: t["judged"] for name, t in summary["yield_per_model"].items()}
    assert judged == {"m0": 3, "m1": 1}, "infra errors are not judged attempts"


def test_rejections_that_show_nothing_wrong_are_never_negatives(tmp_path: Path) -> None:
    """A tie or a vote without a majority (here from an earlier round of the same problem)
    rejects attempts that may be right: only the genuinely wrong one is paired."""
    undecided = [
        (f"a-{reason}", Outcome.REJECTED, reason)
        for reason in ("no_majority", "too_few_votes", "unresolved_disagreement", "weak_tests")
    ]
    rows = _judged(
        MIXED,
        [("k-ok-1", OK, "majority"), ("k-ok-2", OK, "majority"), *undecided,
         ("z-wrong", Outcome.REJECTED, "disagrees_with_majority")],
    )  # fmt: skip
    result = curate(rows, CurationOptions(decontam=None))
    written = load_from_disk(str(export(result, tmp_path / "dpo", ExportOptions("dpo")).path))
    assert isinstance(written, Dataset)
    assert written["rejected_id"] == ["z-wrong"]
    assert result.pass_rate(MIXED.id) == pytest.approx(2 / 7), "still judged: a rejection"
