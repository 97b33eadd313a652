"""Real journals for curation and export tests, built from the record classes.

``two_rounds`` writes what two rounds of one config leave in a run directory: round 1 proposes
a near-copy and a punctuation-only copy of round-0 problems, re-solves a problem with the same
text, and one problem is a lightly edited HumanEval prompt.
"""

from __future__ import annotations

from pathlib import Path

from verigen.records import (
    Attempt,
    Domain,
    Outcome,
    Problem,
    Provenance,
    Usage,
    Verdict,
    content_id,
)
from verigen.store import Journal

MATH_VERSION = "math-1.0"

HUMANEVAL_COPY = '''from typing import List


def has_close_items(numbers: List[float], threshold: float) -> bool:
    """ Check if in given list of numbers, are any two numbers closer to each other than
    the given threshold.
    >>> has_close_items([1.0, 2.0, 3.0], 0.5)
    False
    """
'''

STATEMENTS = {
    "sum": "Compute the sum of all positive divisors of 36, then subtract the number itself.",
    "primes": "How many prime numbers lie strictly between 50 and 100? Give a single integer.",
    "triangle": "A right triangle has legs 9 and 12. What is the length of its hypotenuse?",
    "series": "Evaluate the infinite geometric series 1 + 1/3 + 1/9 + 1/27 + ... exactly.",
}


def problem(
    statement: str,
    topic: str = "arithmetic",
    round_: int = 0,
    writer: str = "writer-a",
    domain: Domain = Domain.MATH,
    **fields: str,
) -> Problem:
    return Problem(
        id=content_id(statement),
        domain=domain,
        statement=statement,
        topic=topic,
        difficulty="medium",
        provenance=Provenance(
            model=writer, template="math_problem", template_version="p1", round=round_
        ),
        **fields,
    )


def attempt(
    prob: Problem, index: int, completion: str, model: str, round_: int = 0, seed: int = 7
) -> Attempt:
    return Attempt(
        id=content_id(prob.id, model, index, round_, prefix="a-"),
        problem_id=prob.id,
        sample_index=index,
        completion=completion,
        usage=Usage(prompt_tokens=40, completion_tokens=60, latency_s=0.25),
        provenance=Provenance(
            model=model,
            params={"temperature": 0.7, "seed": seed + index, "top_p": 1.0},
            template="math_solve",
            template_version="s1",
            round=round_,
        ),
    )


def math_verdict(outcome: Outcome, answer: str | None) -> Verdict:
    reason = {
        Outcome.ACCEPTED: "majority",
        Outcome.REJECTED: "disagrees_with_majority",
        Outcome.INFRA_ERROR: "worker_crashed",
    }[outcome]
    return Verdict(
        outcome=outcome,
        reason=reason,
        details={"answer": answer, "vote_answer": "55"},
        verifier="math",
        verifier_version=MATH_VERSION,
        duration_s=0.01,
    )


def add_solved(
    journal: Journal,
    prob: Problem,
    results: list[tuple[str, str, Outcome]],
    round_: int = 0,
) -> list[Attempt]:
    """Store ``prob`` and one attempt per (model, answer, outcome), with its verdict."""
    journal.add_problem(prob)
    attempts = []
    for index, (model, answer, outcome) in enumerate(results):
        text = STYLES[index % len(STYLES)].format(answer=answer)
        made = attempt(prob, index, text, model, round_)
        journal.add_attempt(made)
        journal.add_verdict(made.id, math_verdict(outcome, answer))
        attempts.append(made)
    return attempts


STYLES = (
    "Let us set up the quantities first and simplify.\nThe final answer is \\boxed{{{answer}}}.",
    "We reason case by case; every case ends the same way, so $x = {answer}$.\nAnswer: {answer}",
    "Short check with a table of values confirms it: \\boxed{{{answer}}}",
    "Suppose the opposite and derive a contradiction. Hence the result: \\boxed{{{answer}}}",
)
"""Different enough that no two count as near-duplicate solutions of one problem."""

OK, BAD = Outcome.ACCEPTED, Outcome.REJECTED


def two_rounds(run_dir: Path) -> Path:
    """A run directory whose journal holds two rounds (see the module docstring)."""
    with Journal(run_dir) as journal:
        journal.set_meta("config", {"name": "t", "math": {"timeout_s": 2.0}, "round": 1})
        mix = [
            ("solver-a", "10", OK),
            ("solver-a", "11", BAD),
            ("solver-b", "10", OK),
            ("solver-b", "12", BAD),
        ]
        add_solved(journal, problem(STATEMENTS["sum"]), mix)
        add_solved(
            journal,
            problem(STATEMENTS["primes"], topic="number theory"),
            [("solver-a", "10", OK), ("solver-b", "10", OK)],
        )
        add_solved(
            journal,
            problem(STATEMENTS["triangle"], topic="geometry"),
            [("solver-a", "15", OK), ("solver-b", "14", BAD)],
        )
        add_solved(
            journal,
            problem(STATEMENTS["series"], writer="writer-b"),
            [("solver-a", "3/2", BAD), ("solver-b", "1", BAD)],
        )
        add_solved(journal, problem(HUMANEVAL_COPY, topic="lists"), [("solver-a", "True", OK)])
        # round 1: a light edit, a punctuation-only copy, and a new problem
        near = STATEMENTS["sum"].replace("Compute", "Find")
        add_solved(journal, problem(near, round_=1), [("solver-a", "10", OK)], round_=1)
        punct = STATEMENTS["triangle"].replace("?", " ?!").replace(",", " ,")
        add_solved(
            journal, problem(punct, topic="geometry", round_=1), [("solver-b", "15", OK)], round_=1
        )
        new = "What is the remainder when 2 to the power 100 is divided by 7?"
        add_solved(
            journal,
            problem(new, topic="number theory", round_=1, writer="writer-b"),
            [("solver-a", "2", OK), ("solver-b", "4", BAD), ("solver-b", "2", OK)],
            round_=1,
        )
    return run_dir
