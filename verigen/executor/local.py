"""The local executor: this machine's math worker processes and sandbox pool.

Everything is opened on first use and shared by all jobs, so a run pays each start-up once. The
blocking work runs in the verifiers' own processes and threads; the event loop only awaits.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from verigen.executor import VerifyJob, VerifySettings
from verigen.records import CaseTests, Domain, Problem, Verdict
from verigen.sandbox import Limits, Pool, SandboxSpec
from verigen.verify.code.verifier import CodeVerifier
from verigen.verify.math.policy import judge_problem
from verigen.verify.math.program import ProgramResult, check_program
from verigen.verify.math.verifier import MathVerifier


class LocalExecutor:
    def __init__(self, settings: VerifySettings) -> None:
        self.settings = settings
        self.slots = settings.slots
        self._lock = threading.Lock()
        self._math: MathVerifier | None = None
        self._code: CodeVerifier | None = None
        self._programs: Pool | None = None
        if settings.domain is Domain.MATH:
            self._math_checker()  # its workers warm up while the first problems are written

    async def verify(self, jobs: Sequence[VerifyJob]) -> list[list[Verdict]]:
        return list(await asyncio.gather(*(self._verify(job) for job in jobs)))

    async def _verify(self, job: VerifyJob) -> list[Verdict]:
        problem, attempts = job.problem, job.attempts
        if problem.domain is Domain.MATH:
            texts = [a.completion for a in attempts]
            return await judge_problem(self._math_checker(), problem, texts, self.settings.policy)
        verdicts: list[Verdict] = await self._code_checker().averify(
            solutions=[a.extracted for a in attempts],
            tests=problem.tests,
            entry_point=problem.entry_point or "",
            signature=problem.signature,
            written_tests=_written_tests(problem),
        )
        return verdicts

    async def check_program(self, answer: str, program: str) -> ProgramResult:
        code = self.settings.code
        limits = Limits(wall_s=code.timeout_s, memory_mb=code.memory_mb)
        return await check_program(
            self._program_pool(), self._math_checker(), answer, program, limits
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": "local", "nodes": 1, "slots": self.slots}

    def _math_checker(self) -> MathVerifier:
        with self._lock:
            if self._math is None:
                self._math = MathVerifier(self.settings.math, workers=self.settings.math_workers)
            return self._math

    def _code_checker(self) -> CodeVerifier:
        with self._lock:
            if self._code is None:
                self._code = CodeVerifier(self.settings.code, self.settings.sandbox_workers)
            return self._code

    def _program_pool(self) -> Pool:
        with self._lock:
            if self._programs is None:
                spec = SandboxSpec(self.settings.code.backend, self.settings.sandbox_workers)
                self._programs = spec.open()
            return self._programs

    def close(self) -> None:
        with self._lock:
            for part in (self._math, self._code, self._programs):
                if part is not None:
                    part.close()
            self._math = self._code = self._programs = None


def _written_tests(problem: Problem) -> bool:
    """Whether a test writer (a model) wrote any of the problem's tests; an imported suite's
    own cases (``CaseTests.given``) are not written."""
    if "test_writer" not in problem.provenance.params:
        return False
    tests = problem.tests
    return not isinstance(tests, CaseTests) or len(tests.cases) > tests.given
