"""The math task: one-line problems, boxed answers, symbolic checks or a majority vote."""

from __future__ import annotations

import asyncio

from verigen.generate import math as math_gen
from verigen.generate.slots import Slot
from verigen.generate.structured import ensure_new
from verigen.llm import ChatResponse
from verigen.pipeline.base import Services, judged_version
from verigen.pipeline.program_check import ProgramCheck
from verigen.records import Attempt, Outcome, Problem, Verdict
from verigen.verify.math import VERIFIER_VERSION, MathOptions, MathVerifier


class MathTask:
    verifier = "math"
    solve_template = math_gen.SOLVE_TEMPLATE

    def __init__(self, services: Services) -> None:
        self.services = services
        cfg = services.config.math
        self.verifier_version = judged_version(VERIFIER_VERSION, cfg, {"workers"})
        self._checker = MathVerifier(MathOptions(timeout_s=cfg.timeout_s), workers=cfg.workers)
        self._program = (
            ProgramCheck(services, cfg.program_check, self._checker, cfg.program_tries)
            if cfg.program_check
            else None
        )

    async def propose(self, slot: Slot) -> Problem | None:
        svc = self.services
        cfg = svc.config
        assert cfg.problems.writer is not None
        fields = slot.fields()
        request = slot.request(
            cfg.problems.writer,
            math_gen.PROBLEM_TEMPLATE,
            fields,
            cfg.seed,
            cfg.round,
            svc.endpoint.api_base,
        )

        def parse(response: ChatResponse) -> str:
            statement = math_gen.parse_problem(response)
            ensure_new(statement, fields["exemplar"])
            return statement

        statement = await svc.ask(request, parse, "propose", slot.key)
        if statement is None:
            return None
        return math_gen.make_problem(
            statement, slot.spec.topic.name, slot.difficulty, request, cfg.round
        )

    async def prepare(self, problem: Problem) -> Problem | None:
        """An imported problem is ready as it is: without a reference answer it is decided by
        agreement (the vote, and the program check when configured)."""
        return problem

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        """The checker extracts inside its workers (extraction is part of the verdict)."""
        return None

    async def verify(self, problem: Problem, attempts: list[Attempt]) -> list[Verdict]:
        verdicts, answer = await self._judge(problem, [a.completion for a in attempts])
        if self._program is None or answer is None or not any(v.accepted for v in verdicts):
            return verdicts
        return self._program.apply(verdicts, await self._program.run(problem, answer))

    async def _judge(self, problem: Problem, texts: list[str]) -> tuple[list[Verdict], str | None]:
        """Verdicts, and the answer they accept (the reference, or the majority's)."""
        if problem.reference_answer is not None:
            gold = problem.reference_answer
            checks = await asyncio.gather(*(self._checker.acheck(gold, t) for t in texts))
            return list(checks), gold
        cfg = self.services.config.math
        vote = await self._checker.avote(texts, min_share=cfg.min_share)
        verdicts = [vote.verdict(i) for i in range(len(texts))]
        if len(vote.accepted_indices) >= cfg.min_votes:
            return verdicts, vote.answer
        return [_too_few_votes(v, cfg.min_votes) if v.accepted else v for v in verdicts], None

    def close(self) -> None:
        if self._program is not None:
            self._program.close()
        self._checker.close()


def _too_few_votes(verdict: Verdict, min_votes: int) -> Verdict:
    """A majority of one is no agreement: without a reference, it takes ``min_votes`` to accept."""
    details = {**verdict.details, "min_votes": min_votes}
    return verdict.model_copy(
        update={"outcome": Outcome.REJECTED, "reason": "too_few_votes", "details": details}
    )
