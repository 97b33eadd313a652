"""The verify step of a run: the journal's verdicts reused or the executor asked, the precision
policy's checks (math: of an agreed answer in order — models, the writer's program,
well-posedness, re-derivation, program; code: the crash and dispute checks), and the key
verdicts are filed under.

Wiring only: how a problem is judged is ``verify/``'s (through the executor), what is asked of
models is the proposer's. This module decides when to ask each of them and what to store.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from verigen.config import RoleConfig, RunConfig
from verigen.executor import Executor, VerifyJob, VerifySettings
from verigen.generate import code as code_gen
from verigen.generate import math as math_gen
from verigen.generate import prompts, well_posed
from verigen.generate.propose import CodeProposer, MathProposer, Proposer
from verigen.pipeline.base import judged_version
from verigen.records import Attempt, Details, Domain, Outcome, Problem, Verdict
from verigen.store import Journal
from verigen.verify.code import crash_check, dispute_check
from verigen.verify.code.options import CodeOptions
from verigen.verify.math.options import MathOptions
from verigen.verify.math.policy import (
    CheckResult,
    MathPolicy,
    agreed_answer,
    answer_program_result,
    apply_check,
    rederivation_result,
    require_models,
    well_posed_result,
)
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
            mutants=code.mutants,
            differential=code.differential,
            min_share=code.min_share,
            enumerate_up_to=code.enumerate_up_to,
            probe_lone_program=code.crash_check is not None,
        ),
        sandbox_workers=code.workers,
        max_in_flight=config.executor.max_in_flight,
    )


def verifier_key(config: RunConfig) -> tuple[str, str]:
    """(verifier, judged version) the run's verdicts are stored and exported under."""
    if config.problems.domain is Domain.CODE:
        from verigen.verify.code import VERIFIER_VERSION as CODE_VERSION

        judges = [
            (config.code.crash_check, code_gen.CALL_VALUE_TEMPLATE, crash_check.VERSION),
            (config.code.dispute_check, code_gen.DISPUTE_TEMPLATE, dispute_check.VERSION),
        ]
        reading = f"+reading-{code_gen.CALL_VALUE_READING}"
        asked = {
            name: f"{prompts.load(name).version}{reading}+decision-{decision}"
            for role, name, decision in judges
            if role is not None
        }
        return "code", judged_version(CODE_VERSION, config.code, {"workers", "backend"}, asked)
    from verigen.verify.math import VERIFIER_VERSION as MATH_VERSION

    math = config.math
    checks = [
        (math.well_posed, math_gen.WELL_POSED_TEMPLATE),
        (math.rederive, math_gen.REDERIVE_TEMPLATE),
        (math.program_check, math_gen.PROGRAM_TEMPLATE),
    ]
    templates = {name: prompts.load(name).version for role, name in checks if role is not None}
    if math.well_posed is not None:
        templates[math_gen.WELL_POSED_TEMPLATE] += f"+reading-{well_posed.READING_VERSION}"
    return "math", judged_version(MATH_VERSION, math, {"workers"}, templates)


class VerifyStep:
    def __init__(
        self, config: RunConfig, proposer: Proposer, executor: Executor, journal: Journal
    ) -> None:
        self.verifier, self.version = verifier_key(config)
        self.proposer, self.executor, self.journal = proposer, executor, journal
        self.math = config.math
        self.crash_check, self.dispute_check = config.code.crash_check, config.code.dispute_check
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
        if problem.domain is Domain.CODE:
            return await self._dispute_check(problem, await self._crash_check(problem, verdicts))
        if problem.reference_answer is not None:
            return verdicts  # a reference answer is the truth: no policy check can add to it
        return await self._policy(problem, attempts, verdicts)

    async def _crash_check(self, problem: Problem, verdicts: list[Verdict]) -> list[Verdict]:
        """Ask whether the statement covers the inputs accepted solutions raise on (found
        only without a reference solution: with one, its own raising defines the contract)."""
        if self.crash_check is None or not (asked := crash_check.calls_to_ask(verdicts)):
            return verdicts
        calls = [a["call"] for a in asked]
        template = code_gen.CALL_VALUE_TEMPLATE
        values = await self._call_values(problem, calls, self.crash_check, template)
        answers = [None if v is None else bool(v) for v in values]
        return crash_check.apply_crash_check(verdicts, asked, answers)

    async def _dispute_check(self, problem: Problem, verdicts: list[Verdict]) -> list[Verdict]:
        """Ask what the statement says of inputs a majority decided for accepted solutions
        (found only without a reference solution: with one, it decides)."""
        if self.dispute_check is None or not (asked := dispute_check.calls_to_ask(verdicts)):
            return verdicts
        calls = [a["call"] for a in asked]
        template = code_gen.DISPUTE_TEMPLATE
        values = await self._call_values(problem, calls, self.dispute_check, template)
        return dispute_check.apply_dispute_check(verdicts, asked, values)

    async def _call_values(
        self, problem: Problem, calls: list[str], role: RoleConfig, template: str
    ) -> list[list[str] | None]:
        assert isinstance(self.proposer, CodeProposer)
        asks = (self.proposer.call_values(problem, c, role, template) for c in calls)
        return await asyncio.gather(*asks)

    async def _policy(
        self, problem: Problem, attempts: list[Attempt], verdicts: list[Verdict]
    ) -> list[Verdict]:
        """The agreed answer through each configured check, cheapest first; a check runs only
        while some answer still stands (so a problem nobody agreed on costs no judge calls).
        The writer's own program (answer-first) comes before the judges: it costs one sandbox
        run and no model call. It fails closed under every preset, like the program check."""
        math = self.math
        models = [a.provenance.model for a in attempts]
        verdicts = require_models(verdicts, models, math.min_models)
        program = problem.answer_program if math.answer_first else None
        if program and (answer := agreed_answer(problem, verdicts)):
            async with self._slots:
                ran = await self.executor.check_program(answer, program)
            verdicts = apply_check(verdicts, "answer_first", answer_program_result(ran), True)
        if math.well_posed is not None and agreed_answer(problem, verdicts) is not None:
            assert isinstance(self.proposer, MathProposer)
            result = well_posed_result(await self.proposer.well_posed(problem))
            verdicts = apply_check(verdicts, "well_posed", result, math.fail_closed)
        if math.rederive is not None and (answer := agreed_answer(problem, verdicts)):
            result = await self._rederive(problem, answer)
            verdicts = apply_check(verdicts, "rederive", result, math.fail_closed)
        if self.program_tries and (answer := agreed_answer(problem, verdicts)):
            verdicts = apply_program_result(verdicts, await self._program_check(problem, answer))
        return verdicts

    async def _rederive(self, problem: Problem, answer: str) -> CheckResult:
        """Ask for re-derivations; the executor's checker compares each one's answer with the
        agreed one (the agreed answer standing in as the reference)."""
        assert isinstance(self.proposer, MathProposer)
        texts = await self.proposer.rederive(problem, answer)
        against = problem.model_copy(update={"reference_answer": answer})
        jobs = [
            VerifyJob(against, (Attempt(id=f"rederive-{i}", problem_id=problem.id,
                                        sample_index=i, completion=text),))
            for i, text in enumerate(texts) if text is not None
        ]  # fmt: skip
        async with self._slots:
            checked = iter(await self.executor.verify(jobs) if jobs else [])
        return rederivation_result([None if t is None else next(checked)[0] for t in texts])

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
    return Details.of(verdict).infra_tries


def _retry(verdict: Verdict) -> bool:
    return 0 < _infra_tries(verdict) < MAX_INFRA_TRIES


def _stamp(verdict: Verdict, version: str, tries: int) -> Verdict:
    """File the verdict under the judged version; count an infra failure's tries."""
    update: dict[str, Any] = {"verifier_version": version}
    if verdict.outcome is Outcome.INFRA_ERROR:
        update["details"] = {**verdict.details, "infra_tries": tries}
    return verdict.model_copy(update=update)
