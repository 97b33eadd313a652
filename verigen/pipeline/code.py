"""The code task: a problem with a signature, tests from a separate writer, sandboxed checks."""

from __future__ import annotations

import json
from typing import Any

from verigen.generate import code as code_gen
from verigen.generate.slots import Slot
from verigen.generate.structured import Unusable, ensure_new, extract_code
from verigen.llm import ChatResponse
from verigen.pipeline.base import Services, judged_version
from verigen.records import Attempt, Problem, Verdict
from verigen.verify.code import VERIFIER_VERSION, CodeOptions, CodeVerifier


class CodeTask:
    verifier = "code"
    solve_template = code_gen.SOLVE_TEMPLATE

    def __init__(self, services: Services) -> None:
        self.services = services
        cfg = services.config.code
        self.verifier_version = judged_version(VERIFIER_VERSION, cfg, {"workers", "backend"})
        self._checker = CodeVerifier(
            CodeOptions(
                backend=cfg.backend,
                timeout_s=cfg.timeout_s,
                memory_mb=cfg.memory_mb,
                min_tests=cfg.min_tests,
            ),
            workers=cfg.workers,
        )

    async def propose(self, slot: Slot) -> Problem | None:
        svc = self.services
        cfg = svc.config
        writer = cfg.problems.writer
        assert writer is not None
        fields = slot.fields()
        request = slot.request(
            writer,
            code_gen.PROBLEM_TEMPLATE,
            fields,
            cfg.seed,
            cfg.round,
            svc.endpoint.api_base,
            code_gen.PROBLEM_FORMAT,
        )

        def parse(response: ChatResponse) -> dict[str, str]:
            spec = code_gen.parse_problem(response)
            ensure_new(spec["problem"], json.loads(fields["exemplar"])["problem"])
            return spec

        spec = await svc.ask(request, parse, "propose", slot.key)
        if spec is None:
            return None
        params = ", ".join(code_gen.parameters(spec["signature"]))
        tests_fields = {**spec, "count": cfg.problems.tests_per_problem, "params": params}
        tests_request = slot.request(
            cfg.problems.test_writer or writer,
            code_gen.TESTS_TEMPLATE,
            tests_fields,
            cfg.seed,
            cfg.round,
            svc.endpoint.api_base,
            code_gen.tests_format(spec["signature"], cfg.problems.tests_per_problem),
        )
        tests: list[dict[str, Any]] | None = await svc.ask(
            tests_request,
            lambda r: code_gen.parse_tests(r, spec["signature"], cfg.code.min_tests),
            "write_tests",
            slot.key,
        )
        if tests is None:
            return None
        return code_gen.make_problem(
            spec, tests, slot.spec.topic.name, slot.difficulty, request, tests_request, cfg.round
        )

    async def prepare(self, problem: Problem) -> Problem | None:
        """An imported problem without tests gets them from the test writer, as a synthesized
        one does (without it, nothing could ever be kept: no trusted test would exist)."""
        cfg = self.services.config
        role = cfg.problems.test_writer or cfg.problems.writer
        if problem.tests or role is None or not problem.entry_point:
            return problem
        count = cfg.problems.tests_per_problem
        request = code_gen.imported_tests_request(
            problem, role, count, cfg.seed, self.services.endpoint.api_base
        )
        signature = problem.signature or ""
        tests: list[dict[str, Any]] | None = await self.services.ask(
            request,
            lambda r: code_gen.parse_tests(r, signature, cfg.code.min_tests),
            "write_tests",
            problem.id,
        )
        return None if tests is None else code_gen.with_tests(problem, tests, request)

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        try:
            return extract_code(response.text, problem.entry_point)
        except Unusable:
            return None

    async def verify(self, problem: Problem, attempts: list[Attempt]) -> list[Verdict]:
        tests = json.loads(problem.tests) if problem.tests else []
        verdicts: list[Verdict] = await self._checker.averify(
            solutions=[a.extracted for a in attempts],
            tests=tests,
            entry_point=problem.entry_point or "",
            signature=problem.signature,
        )
        return verdicts

    def close(self) -> None:
        self._checker.close()
