"""How one math problem's attempts are judged together: against its reference answer when it
has one, else by agreement (a vote with a minimum share and a minimum count).

Judging policy, not checking: the checker says whether two answers are equal; this says which
samples stand. It lives with the verifier (not in the pipeline) so that every executor — local
processes or a Ray actor on another node — judges a problem the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from verigen.records import Outcome, Problem, Verdict
from verigen.verify.math.verifier import MathVerifier


@dataclass(frozen=True)
class MathPolicy:
    min_share: float = 0.5
    """Without a reference, the majority answer stands once its vote share reaches this."""
    min_votes: int = 2
    """A majority needs at least this many agreeing samples (a majority of one is none)."""


async def judge_problem(
    checker: MathVerifier, problem: Problem, texts: Sequence[str], policy: MathPolicy
) -> list[Verdict]:
    """One verdict per text, in order."""
    if problem.reference_answer is not None:
        gold = problem.reference_answer
        return list(await asyncio.gather(*(checker.acheck(gold, t) for t in texts)))
    vote = await checker.avote(texts, min_share=policy.min_share)
    verdicts = [vote.verdict(i) for i in range(len(texts))]
    if len(vote.accepted_indices) >= policy.min_votes:
        return verdicts
    return [_too_few_votes(v, policy.min_votes) if v.accepted else v for v in verdicts]


def agreed_answer(problem: Problem, verdicts: Sequence[Verdict]) -> str | None:
    """The answer the accepted verdicts stand for: the reference, or the vote's winner."""
    if not any(v.accepted for v in verdicts):
        return None
    if problem.reference_answer is not None:
        return problem.reference_answer
    answer = next(v.details.get("vote_answer") for v in verdicts if v.accepted)
    return str(answer) if answer is not None else None


def _too_few_votes(verdict: Verdict, min_votes: int) -> Verdict:
    details = {**verdict.details, "min_votes": min_votes}
    return verdict.model_copy(
        update={"outcome": Outcome.REJECTED, "reason": "too_few_votes", "details": details}
    )
