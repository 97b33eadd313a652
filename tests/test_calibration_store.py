"""The journal keeps calibration problems (known answers mixed into a run) out of everything
that feeds data or the funnel, and gives them back only when asked."""

from __future__ import annotations

from pathlib import Path

from verigen.records import Attempt, Domain, Outcome, Problem, Verdict, content_id
from verigen.store import Journal


def _add(journal: Journal, text: str, outcome: Outcome) -> Problem:
    problem = Problem(id=content_id(text), domain=Domain.MATH, statement=text, topic="t")
    journal.add_problem(problem)
    attempt = Attempt(id=f"a-{problem.id}", problem_id=problem.id, sample_index=0, completion="")
    journal.add_attempt(attempt)
    verdict = Verdict(outcome=outcome, reason="r", verifier="math", verifier_version="1")
    journal.add_verdict(attempt.id, verdict)
    return problem


def test_calibration_problems_are_left_out_of_every_data_read(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        own = _add(journal, "What is 1 + 1?", Outcome.ACCEPTED)
        journal.add_calibration(content_id("What is 2 + 2?"), "4", "bank.jsonl")
        known = _add(journal, "What is 2 + 2?", Outcome.ACCEPTED)
        journal.add_calibration(known.id, "5", "other.jsonl")  # the first mark stands
    with Journal.open_existing(tmp_path) as journal:
        assert [p.id for p, _, _ in journal.verified("math", "1")] == [own.id]
        assert [p.id for p, _, _ in journal.judged()] == [own.id]
        assert [p.id for p, _, _ in journal.judged(calibration=True)] == [known.id]
        assert journal.calibration() == {known.id: ("4", "bank.jsonl")}
        counts = journal.counts("math", "1")
        assert (counts["problems"], counts["attempts"], counts["verdicts"]) == (
            1,
            1,
            {"accepted": 1},
        )
        assert journal.yields("math", "1")["topic"] == {"t": {"attempts": 1, "accepted": 1}}
