"""The verify step of a run: the journal's verdicts reused or the executor asked, the program
check's loop, and the key verdicts are filed under.

Wiring only: how a problem is judged is ``verify/``'s (through the executor), what is asked of
models is the proposer's. This module decides when to ask each of them and what to store.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from verigen.config import RunConfig
from verigen.executor import Executor, VerifyJob, VerifySettings
from verigen.generate.propose import MathProposer, Proposer
from verigen.pipeline.base import judged_version
from verigen.records import Attempt, Domain, Outcome, Problem, Verdict
from verigen.store import Journal
from verigen.verify.code.options import CodeOptions
from verigen.verify.math.options import MathOptions
from verigen.verify.math.policy import MathPolicy, agreed_answer
from verigen.verify.math.program import NO_PROGRAM, ProgramResult, apply_program_result

MAX_INFRA_TRIES = 3
"""Runs that may judge an attempt whose verdict keeps being an infrastructure failure; after
that its ``infra_error`` stands (never a rejection) until the verifier or its options change."""


def verify_settings(config: RunConfig) -> VerifySettings:
    """The run config's verification sections as the executor's plain settings."""
    math, code = config.math, config.code
    return VerifySettings(
        domain=config.problems.domain,
        math=MathOptions(timeout_s=math.timeout_s),
        policy=MathPolicy(min_share=math.min_share, min_votes=math.min_votes),
        math_workers=math.workers,
        code=CodeOptions(
            backend=code.backend,
            timeout_s=code.timeout_s,
            memory_mb=code.memory_mb,
            min_tests=code.min_tests,
        ),
        sandbox_workers=code.workers,
        max_in_flight=config.executor.max_in_flight,
    )


def verifier_key(config: RunConfig) -> tuple[str, str]:
    """(verifier, judged version) the run's verdicts are stored and exported under."""
    if config.problems.domain is Domain.CODE:
        from verigen.verify.code import VERIFIER_VERSION as CODE_VERSION

        return "code", judged_version(CODE_VERSION, config.code, {"workers", "backend"})
    from verigen.verify.math import VERIFIER_VERSION as MATH_VERSION

    return "math", judged_version(MATH_VERSION, config.math, {"workers"})


class VerifyStep:
    def __init__(
        self, config: RunConfig, proposer: Proposer, executor: Executor, journal: Journal
    ) -> None:
        self.verifier, self.version = verifier_key(config)
        self.proposer, self.executor, self.journal = proposer, executor, journal
        self.program_tries = config.math.program_tries if config.math.program_check else 0
        self._slots = asyncio.Semaphore(executor.slots)

    async def __call__(self, problem: Problem, attempts: list[Attempt]) -> list[Verdict]:
        """Reuse the journal's final verdicts; judge afresh when any is missing or was an
        infrastructure failure that still has tries left (a whole problem at once: a vote
        needs every attempt)."""
        ids = [a.id for a in attempts]
        known = self.journal.verdicts(ids, self.verifier, self.version)
        stored = [v for a in attempts if (v := known.get(a.id)) is not None]
        if len(stored) == len(attempts) and not any(_retry(v) for v in stored):
            return stored
        tries = 1 + max((_infra_tries(v) for v in stored), default=0)
        verdicts = [_stamp(v, self.version, tries) for v in await self._judge(problem, attempts)]
        for attempt, verdict in zip(attempts, verdicts, strict=True):
            self.journal.add_verdict(attempt.id, verdict)
        return verdicts

    async def _judge(self, problem: Problem, attempts: list[Attempt]) -> list[Verdict]:
        async with self._slots:
            (verdicts,) = await self.executor.verify([VerifyJob(problem, tuple(attempts))])
        answer = agreed_answer(problem, verdicts) if problem.domain is Domain.MATH else None
        if not self.program_tries or answer is None:
            return verdicts
        return apply_program_result(verdicts, await self._program_check(problem, answer))

    async def _program_check(self, problem: Problem, answer: str) -> ProgramResult:
        """Up to ``program_tries`` programs (each its own seed) until one agrees or disagrees."""
        assert isinstance(self.proposer, MathProposer)
        result, attempt = NO_PROGRAM, 0
        for attempt in range(self.program_tries):
            program = await self.proposer.program(problem, attempt)
            if program is None:
                result = NO_PROGRAM
            else:
                async with self._slots:
                    result = await self.executor.check_program(answer, program)
            if result.outcome is not Outcome.INFRA_ERROR:
                break
        return replace(result, tries=attempt + 1)


def _infra_tries(verdict: Verdict) -> int:
    if verdict.outcome is not Outcome.INFRA_ERROR:
        return 0
    return int(verdict.details.get("infra_tries", 1))


def _retry(verdict: Verdict) -> bool:
    return 0 < _infra_tries(verdict) < MAX_INFRA_TRIES


def _stamp(verdict: Verdict, version: str, tries: int) -> Verdict:
    """File the verdict under the judged version; count an infra failure's tries."""
    update: dict[str, Any] = {"verifier_version": version}
    if verdict.outcome is Outcome.INFRA_ERROR:
        update["details"] = {**verdict.details, "infra_tries": tries}
    return verdict.model_copy(update=update)
