"""The journal: idempotent inserts, verifier-versioned verdicts, and counts for the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from verigen.errors import InputError
from verigen.records import (
    Attempt,
    CallCase,
    CaseTests,
    Domain,
    Outcome,
    Problem,
    Usage,
    Verdict,
    content_id,
)
from verigen.store import Journal


def _problem(text: str = "What is 1 + 1?") -> Problem:
    return Problem(id=content_id(text), domain=Domain.MATH, statement=text, topic="add")


def _verdict(outcome: Outcome, version: str = "1") -> Verdict:
    return Verdict(
        outcome=outcome,
        reason="ok" if outcome is Outcome.ACCEPTED else "wrong",
        verifier="math",
        verifier_version=version,
    )


def test_content_ids_ignore_case_and_whitespace() -> None:
    assert content_id("What is  1+1?\n") == content_id("what is 1+1?")
    assert content_id("What is 1+2?") != content_id("What is 1+1?")


def test_records_survive_reopen_and_are_stored_once(tmp_path: Path) -> None:
    problem = _problem()
    attempt = Attempt(
        id="a1",
        problem_id=problem.id,
        sample_index=0,
        completion="\\boxed{2}",
        usage=Usage(prompt_tokens=3, completion_tokens=4, cost_usd=0.01),
    )
    with Journal(tmp_path) as journal:
        assert journal.add_problem(problem) is True
        assert journal.add_problem(problem) is False
        journal.add_attempt(attempt)
        journal.add_attempt(attempt)
        journal.add_verdict("a1", _verdict(Outcome.ACCEPTED))
    with Journal.open_existing(tmp_path) as journal:
        assert list(journal.problems()) == [problem]
        assert journal.attempts(problem.id) == [attempt]
        rows = list(journal.verified("math", "1"))
        assert [(p.id, a.id) for p, a, _ in rows] == [(problem.id, "a1")]
        assert journal.verdicts(["a1"], "math", "1")["a1"].accepted
        assert journal.verdicts(["a1"], "math", "2") == {}, "a new verifier version re-verifies"


def test_a_problem_stored_with_other_tests_is_replaced_and_its_verdicts_judged_again(
    tmp_path: Path,
) -> None:
    """A rerun that prepares a problem otherwise (an augmented suite) must not reuse verdicts
    that judged the old tests; the same tests with other provenance change nothing."""
    given = CaseTests(cases=(CallCase(args=[1], expected=2),), given=1)
    more = CaseTests(cases=(*given.cases, CallCase(args=[-1], expected=0)), given=1)
    problem = Problem(id="p-1", domain=Domain.CODE, statement="f", entry_point="f", tests=given)
    attempt = Attempt(id="a1", problem_id="p-1", sample_index=0, completion="x")
    with Journal(tmp_path) as journal:
        journal.add_problem(problem)
        journal.add_attempt(attempt)
        journal.add_verdict("a1", _verdict(Outcome.ACCEPTED))
        relabelled = problem.model_copy(update={"topic": "other"})
        assert journal.add_problem(relabelled) is False
        assert journal.verdicts(["a1"], "math", "1")["a1"].accepted, "same tests: verdict kept"
        assert list(journal.problems()) == [problem]
        augmented = problem.model_copy(update={"tests": more})
        assert journal.add_problem(augmented) is False, "still the same problem"
        assert list(journal.problems()) == [augmented]
        assert journal.verdicts(["a1"], "math", "1") == {}, "judged the old tests"
        assert journal.attempts("p-1") == [attempt], "the attempt stays: no LLM call again"


def test_counts_split_outcomes_reasons_and_unknown_cost(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.add_verdict("a1", _verdict(Outcome.ACCEPTED))
        journal.add_verdict("a2", _verdict(Outcome.REJECTED))
        journal.add_verdict("a3", _verdict(Outcome.INFRA_ERROR))
        journal.add_llm_call("k1", "m", {}, {}, 10, 5, 0.5, 0.1)
        journal.add_llm_call("k2", "m", {}, {}, 1, 1, None, 0.1)
        journal.add_failure("f1", "propose", "t#0", "unparseable_problem", "blah")
        counts = journal.counts()
    assert counts["verdicts"] == {"accepted": 1, "rejected": 1, "infra_error": 1}
    assert counts["rejection_reasons"] == {"wrong": 1}, "an infra error is no rejection"
    assert counts["infra_reasons"] == {"wrong": 1}
    assert counts["cost_usd"] == 0.5 and counts["calls_unknown_cost"] == 1
    assert counts["failures"] == {"propose:unparseable_problem": 1}


def test_open_existing_refuses_a_directory_without_a_journal(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no journal\.sqlite"):
        Journal.open_existing(tmp_path)


def test_garbage_file_is_reported_not_crashed_on(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a usable verigen journal"):
        Journal(tmp_path)


def test_cache_lookups_find_every_stored_reply_across_reopen(tmp_path: Path) -> None:
    keys = [f"key-{i}" for i in range(300)]
    with Journal(tmp_path) as journal:
        assert journal.cached_response("key-0") is None
        for key in keys[:200]:
            journal.add_llm_call(key, "m", {}, {"text": key}, 1, 1, None, 0.1)
        assert all(journal.cached_response(k) == {"text": k} for k in keys[:200])
        assert all(journal.cached_response(k) is None for k in keys[200:])
    with Journal(tmp_path) as journal:
        assert all(journal.cached_response(k) == {"text": k} for k in keys[:200])


def test_yield_counts_judged_attempts_only(tmp_path: Path) -> None:
    """A crashed sandbox is no evidence about a model: its attempts leave the yield alone."""
    problem = _problem()
    with Journal(tmp_path) as journal:
        journal.add_problem(problem)
        outcomes = [Outcome.ACCEPTED, Outcome.REJECTED, Outcome.INFRA_ERROR, Outcome.INFRA_ERROR]
        for n, outcome in enumerate(outcomes):
            journal.add_attempt(
                Attempt(id=f"a{n}", problem_id=problem.id, sample_index=n, completion="")
            )
            journal.add_verdict(f"a{n}", _verdict(outcome))
        yields = journal.yields("math", "1")
    assert yields["topic"] == {"add": {"attempts": 2, "accepted": 1}}
