"""``verigen stats`` on a journal judged twice (an option changed, so a second judged version):
the counts are one verifier version's, like the yields, never both added up."""

from __future__ import annotations

from pathlib import Path

from tests.curate.journals import attempt, problem
from verigen.records import Outcome, Verdict
from verigen.stats import run_stats
from verigen.store import Journal


def _verdict(outcome: Outcome, reason: str, version: str) -> Verdict:
    return Verdict(outcome=outcome, reason=reason, verifier="math", verifier_version=version)


def test_counts_are_the_reported_versions_only(tmp_path: Path) -> None:
    made = problem("What is the sum of the first ten positive integers? Give one number.")
    with Journal(tmp_path) as journal:
        journal.add_problem(made)
        for index in range(3):
            tried = attempt(made, index, "\\boxed{55}", "solver-a")
            journal.add_attempt(tried)
            journal.add_verdict(tried.id, _verdict(Outcome.ACCEPTED, "majority", "math-9+old"))
            journal.add_verdict(tried.id, _verdict(Outcome.REJECTED, "too_few_votes", "math-9+new"))
        journal.set_meta("last_report", {"verifier": "math", "verifier_version": "math-9+new"})
    stats = run_stats(tmp_path)
    assert stats["verifier_version"] == "math-9+new"
    assert stats["counts"]["verdicts"] == {"rejected": 3}
    assert stats["counts"]["rejection_reasons"] == {"too_few_votes": 3}
    assert stats["yield"]["model"] == {"solver-a": {"attempts": 3, "accepted": 0}}
