"""Program-aided math checking: a model writes a program for the problem, the sandbox runs it,
and the voted answer stands only when the program's output is equivalent to it.

Why: a majority of natural-language solutions can share one reasoning slip; a program computes
by another route, so agreement between the two is much stronger evidence than either alone.
The program is untrusted model output like any other and only ever runs in the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.generate.structured import extract_code
from verigen.llm import ChatRequest, ChatResponse
from verigen.pipeline.base import Services
from verigen.records import Outcome, Problem, Verdict, derive_seed
from verigen.sandbox import Job, Limits, Pool, SandboxSpec, Status
from verigen.verify.math import MathVerifier

TEMPLATE = "math_program"


@dataclass(frozen=True)
class ProgramResult:
    agrees: bool
    reason: str
    """``program_agrees``, or why not: no code, the run failed, or it printed another answer."""
    output: str


class ProgramCheck:
    def __init__(self, services: Services, role: RoleConfig, checker: MathVerifier) -> None:
        self.services = services
        self.role = role
        self.checker = checker
        self._pool: Pool | None = None

    async def run(self, problem: Problem, answer: str) -> ProgramResult:
        svc = self.services
        request = ChatRequest(
            model=self.role.models[0],
            messages=prompts.load(TEMPLATE).render(problem=problem.statement),
            temperature=self.role.temperature,
            top_p=self.role.top_p,
            max_tokens=self.role.max_tokens,
            seed=derive_seed(svc.config.seed, "program", problem.id),
            api_base=svc.endpoint.api_base,
        )

        def parse(response: ChatResponse) -> str:
            return extract_code(response.text)

        code = await svc.ask(request, parse, "program_check", problem.id)
        if code is None:
            return ProgramResult(False, "program_missing", "")
        result = await self._sandbox().arun(
            Job(files={"main.py": code}, command=["python3", "main.py"], limits=self._limits())
        )
        output = result.stdout.strip().splitlines()[-1:] or [""]
        if result.status is not Status.OK or not output[0]:
            return ProgramResult(False, f"program_{result.status.value}", result.stderr[-500:])
        verdict = await self.checker.acheck(answer, output[0])
        return ProgramResult(
            verdict.accepted,
            "program_" + ("agrees" if verdict.accepted else "disagrees"),
            output[0],
        )

    def apply(self, verdicts: list[Verdict], result: ProgramResult) -> list[Verdict]:
        """Accepted verdicts stay accepted only with the program's agreement (recorded)."""
        out = []
        for verdict in verdicts:
            details = {
                **verdict.details,
                "program_check": result.reason,
                "program_output": result.output[:500],
            }
            update: dict[str, object] = {"details": details}
            if verdict.accepted and not result.agrees:
                update |= {"outcome": Outcome.REJECTED, "reason": result.reason}
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
