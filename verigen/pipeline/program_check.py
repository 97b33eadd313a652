"""Program-aided math checking: a model writes a program for the problem, the sandbox runs it,
and the voted answer stands only when the program's output is equivalent to it.

Why: a majority of natural-language solutions can share one reasoning slip; a program computes
by another route, so agreement between the two is much stronger evidence than either alone.
The program is untrusted model output like any other and only ever runs in the sandbox.

Three outcomes, like every verdict: the program agrees (the answer stands), disagrees (a program
ran, printed an answer, and the checker found it different: the answer is rejected), or nothing
could tell (no usable program after ``tries`` programs, a sandbox failure, a checker that could
not decide): then the answer is ``infra_error`` — never kept, never a wrong answer, judged again
on resume.
"""

from __future__ import annotations

from dataclasses import dataclass

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.generate.structured import extract_code
from verigen.llm import ChatRequest, ChatResponse
from verigen.pipeline.base import Services
from verigen.records import Outcome, Problem, Verdict, derive_seed
from verigen.sandbox import Job, Limits, Pool, Result, SandboxSpec, Status
from verigen.verify.math import MathVerifier

TEMPLATE = "math_program"


@dataclass(frozen=True)
class ProgramResult:
    outcome: Outcome
    """ACCEPTED: the program agrees; REJECTED: it disagrees; INFRA_ERROR: nothing could tell."""
    reason: str
    """``program_agrees``, ``program_disagrees``, or why no program could tell."""
    output: str
    tries: int = 1


class ProgramCheck:
    def __init__(
        self, services: Services, role: RoleConfig, checker: MathVerifier, tries: int
    ) -> None:
        self.services = services
        self.role = role
        self.checker = checker
        self.tries = tries
        self._pool: Pool | None = None

    async def run(self, problem: Problem, answer: str) -> ProgramResult:
        """Up to ``tries`` programs (each its own seed) until one agrees or disagrees."""
        last = ProgramResult(Outcome.INFRA_ERROR, "program_missing", "")
        for attempt in range(self.tries):
            last = await self._one(problem, answer, attempt)
            if last.outcome is not Outcome.INFRA_ERROR:
                break
        return ProgramResult(last.outcome, last.reason, last.output, attempt + 1)

    async def _one(self, problem: Problem, answer: str, attempt: int) -> ProgramResult:
        code = await self._program(problem, attempt)
        if code is None:
            return ProgramResult(Outcome.INFRA_ERROR, "program_missing", "")
        result = await self._execute(code)
        output = result.stdout.strip().splitlines()[-1:] or [""]
        if result.status is not Status.OK or not output[0]:
            return ProgramResult(
                Outcome.INFRA_ERROR, f"program_{result.status.value}", result.stderr[-500:]
            )
        verdict = await self.checker.acheck(answer, output[0])
        if verdict.outcome is Outcome.INFRA_ERROR:
            return ProgramResult(Outcome.INFRA_ERROR, f"program_{verdict.reason}", output[0])
        agrees = verdict.accepted
        reason = "program_" + ("agrees" if agrees else "disagrees")
        return ProgramResult(Outcome.ACCEPTED if agrees else Outcome.REJECTED, reason, output[0])

    async def _program(self, problem: Problem, attempt: int) -> str | None:
        svc = self.services
        parts: tuple[object, ...] = ("program", problem.id) + ((attempt,) if attempt else ())
        request = ChatRequest(
            model=self.role.models[attempt % len(self.role.models)],
            messages=prompts.load(TEMPLATE).render(problem=problem.statement),
            temperature=self.role.temperature,
            top_p=self.role.top_p,
            max_tokens=self.role.max_tokens,
            seed=derive_seed(svc.config.seed, *parts),
            api_base=svc.endpoint.api_base,
        )

        def parse(response: ChatResponse) -> str:
            return extract_code(response.text)

        return await svc.ask(request, parse, "program_check", problem.id)

    async def _execute(self, code: str) -> Result:
        """Run the program; a sandbox failure (not the program's) gets one more run."""
        job = Job(files={"main.py": code}, command=["python3", "main.py"], limits=self._limits())
        result = await self._sandbox().arun(job)
        if result.status is Status.SANDBOX_ERROR:
            result = await self._sandbox().arun(job)
        return result

    def apply(self, verdicts: list[Verdict], result: ProgramResult) -> list[Verdict]:
        """Accepted verdicts stay accepted only with the program's agreement (recorded); when no
        program could tell, they become ``infra_error``, never rejections."""
        out = []
        for verdict in verdicts:
            details = {
                **verdict.details,
                "program_check": result.reason,
                "program_output": result.output[:500],
                "program_tries": result.tries,
            }
            update: dict[str, object] = {"details": details}
            if verdict.accepted and result.outcome is not Outcome.ACCEPTED:
                reason = (
                    "program_disagrees" if result.outcome is Outcome.REJECTED else "unverifiable"
                )
                update |= {"outcome": result.outcome, "reason": reason}
            out.append(verdict.model_copy(update=update))
        return out

    def _sandbox(self) -> Pool:
        if self._pool is None:
            code = self.services.config.code
            self._pool = SandboxSpec(code.backend, code.workers).open()
        return self._pool

    def _limits(self) -> Limits:
        code = self.services.config.code
        return Limits(wall_s=code.timeout_s, memory_mb=code.memory_mb)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
