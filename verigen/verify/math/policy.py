"""How one math problem's attempts are judged together: against its reference answer when it
has one, else by agreement (a vote with a minimum share and a minimum count), then by the
precision policy's checks on the agreed answer, each able only to take an answer away:
votes from enough different models (``require_models``), the writer's own program's answer
(answer-first synthesis, ``answer_program_result``), a well-posed statement
(``well_posed_result``), a re-derivation that confirms it (``rederivation_result``), and the
program check (``program.py``). ``apply_check`` turns a check's result into verdicts;
``POLICY_STEPS`` names the reasons each step gives (``verify.steps`` counts them for the
run's report).

Judging policy, not checking: the checker says whether two answers are equal; this says which
samples stand. It lives with the verifier (not in the pipeline) so that every executor — local
processes or a Ray actor on another node — judges a problem the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from verigen.records import MathDetails, Outcome, Problem, Verdict
from verigen.verify.math.program import ProgramResult
from verigen.verify.math.verifier import MathVerifier
from verigen.verify.steps import Steps


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
    return next(MathDetails.of(v).vote_answer for v in verdicts if v.accepted)


def _too_few_votes(verdict: Verdict, min_votes: int) -> Verdict:
    details = {**verdict.details, "min_votes": min_votes}
    return verdict.model_copy(
        update={"outcome": Outcome.REJECTED, "reason": "too_few_votes", "details": details}
    )


@dataclass(frozen=True)
class CheckResult:
    """One policy check of an agreed answer."""

    outcome: Outcome
    """ACCEPTED: the check confirms; REJECTED: it refutes; INFRA_ERROR: it could not tell."""
    reason: str
    """``well_posed`` / ``ill_posed`` / ``well_posed_undecided``; ``rederivation_confirms`` /
    ``rederivation_disagrees`` / ``rederivation_undecided``; ``answer_program_*``."""
    votes: tuple[str, ...] = ()
    """Each judge's own result, for the verdict's details."""


def require_models(
    verdicts: Sequence[Verdict], models: Sequence[str | None], min_models: int
) -> list[Verdict]:
    """The winning answer stands only with votes from ``min_models`` different models (one
    model's samples share its blind spots); otherwise its verdicts become ``too_few_models``."""
    voters = {m for v, m in zip(verdicts, models, strict=True) if v.accepted}
    if min_models <= 1 or len(voters) >= min_models:
        return list(verdicts)
    extra = {"models_agreeing": len(voters), "min_models": min_models}
    return [_reject(v, "too_few_models", extra) if v.accepted else v for v in verdicts]


def well_posed_result(judgements: Sequence[bool | None]) -> CheckResult:
    """Well-posed only when every judge says so: one "no" makes the statement ill-posed, and a
    judge that could not be read (None) leaves it undecided."""
    votes = tuple({True: "yes", False: "no", None: "undecided"}[j] for j in judgements)
    if False in judgements:
        return CheckResult(Outcome.REJECTED, "ill_posed", votes)
    if None in judgements or not judgements:
        return CheckResult(Outcome.INFRA_ERROR, "well_posed_undecided", votes)
    return CheckResult(Outcome.ACCEPTED, "well_posed", votes)


_NO_ANSWER = frozenset({"no_answer", "unparsable"})


def rederivation_result(checks: Sequence[Verdict | None]) -> CheckResult:
    """``checks``: each re-derivation's answer checked against the agreed answer (None: no
    re-derivation came back). Confirmed only when every one is equal; one different answer
    refutes it; a missing or unreadable answer, or a check that did not finish, is undecided."""
    votes = tuple(_rederivation_vote(c) for c in checks)
    if "disagrees" in votes:
        return CheckResult(Outcome.REJECTED, "rederivation_disagrees", votes)
    if "undecided" in votes or not votes:
        return CheckResult(Outcome.INFRA_ERROR, "rederivation_undecided", votes)
    return CheckResult(Outcome.ACCEPTED, "rederivation_confirms", votes)


def _rederivation_vote(check: Verdict | None) -> str:
    if check is None or check.outcome is Outcome.INFRA_ERROR or check.reason in _NO_ANSWER:
        return "undecided"
    return "confirms" if check.accepted else "disagrees"


def answer_program_result(result: ProgramResult) -> CheckResult:
    """The writer's own program (answer-first synthesis), run against the agreed answer by the
    program check's machinery: an equal printed answer confirms, a different one refutes
    (``answer_program_disagrees``). A program that crashed, ran past its limits or printed
    nothing refutes too (``answer_program_failed``): the writer's claim about its own problem
    failed, which is the problem's fault. Only a sandbox or checker failure is undecided
    (``answer_program_undecided``, ``infra_error`` under every preset). ``votes`` holds the
    program check's own reason (``program_timeout``...), for the record."""
    if result.outcome is Outcome.ACCEPTED:
        outcome, reason = Outcome.ACCEPTED, "answer_program_agrees"
    elif result.outcome is Outcome.REJECTED:
        outcome, reason = Outcome.REJECTED, "answer_program_disagrees"
    elif result.program_failed:
        outcome, reason = Outcome.REJECTED, "answer_program_failed"
    else:
        outcome, reason = Outcome.INFRA_ERROR, "answer_program_undecided"
    return CheckResult(outcome, reason, (result.reason,))


def apply_check(
    verdicts: Sequence[Verdict], step: str, result: CheckResult, fail_closed: bool
) -> list[Verdict]:
    """Record ``result`` on every verdict; an accepted one is rejected when the check refutes
    the answer, and becomes ``infra_error`` when it could not tell and ``fail_closed`` (never
    accepted on a check nobody could read); otherwise it stands."""
    extra = {step: result.reason, f"{step}_votes": list(result.votes)}
    blocks = result.outcome is Outcome.REJECTED or (
        result.outcome is Outcome.INFRA_ERROR and fail_closed
    )
    out = []
    for verdict in verdicts:
        if verdict.accepted and blocks:
            verdict = _reject(verdict, result.reason, extra, result.outcome)
        else:
            verdict = verdict.model_copy(update={"details": {**verdict.details, **extra}})
        out.append(verdict)
    return out


ANSWER_FIRST_REASONS = frozenset(
    {"answer_program_disagrees", "answer_program_failed", "answer_program_undecided"}
)
POLICY_STEPS: Steps = (
    ("vote", frozenset({"no_majority", "too_few_votes", "vote_unsettled"})),
    ("min_models", frozenset({"too_few_models"})),
    ("answer_first", ANSWER_FIRST_REASONS),
    ("well_posed", frozenset({"ill_posed", "well_posed_undecided"})),
    ("rederive", frozenset({"rederivation_disagrees", "rederivation_undecided"})),
    ("program_check", frozenset({"program_disagrees", "unverifiable"})),
)
"""The steps an answer without a reference passes, in order, with the reasons each gives the
verdicts it takes away."""


def _reject(
    verdict: Verdict, reason: str, extra: Mapping[str, object], outcome: Outcome = Outcome.REJECTED
) -> Verdict:
    details = {**verdict.details, **extra}
    return verdict.model_copy(update={"outcome": outcome, "reason": reason, "details": details})
