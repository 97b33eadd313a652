"""Proposers: everything a run asks of LLMs for one domain, and nothing it verifies.

A proposer turns a slot into a problem (with its tests, for code), makes an imported problem
whole, says what to extract from a solution, and asks what the precision policy needs: for
math a program for the program check, well-posedness judgements, answer re-derivations; for
code what the statement says a call returns (the crash and dispute checks).
It sends through the ``Ask`` it is given (the pipeline's journaling, retrying, re-asking
sender), so it holds no state of the run and knows nothing of journals or executors.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from verigen.config import RoleConfig, RunConfig
from verigen.generate import code as code_gen
from verigen.generate import math as math_gen
from verigen.generate.slots import Slot
from verigen.generate.structured import Unusable, ensure_new, extract_code
from verigen.generate.well_posed import parse_well_posed
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import CallCase, CaseTests, Domain, Problem

T = TypeVar("T")


class Ask(Protocol):
    """Send ``request``, parse the reply with re-asks; None when it failed (journaled)."""

    def __call__(
        self, request: ChatRequest, parse: Callable[[ChatResponse], T], stage: str, subject: str
    ) -> Awaitable[T | None]: ...


class Proposer(Protocol):
    solve_template: str

    async def propose(self, slot: Slot) -> Problem | None:
        """A new problem for the slot, or None (failure already journaled)."""

    async def prepare(self, problem: Problem) -> Problem | None:
        """An imported problem made whole (code: tests from the test writer when it ships
        none), or None when that failed (already journaled)."""

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        """What the verifier will judge (final answer, code), or None when there is none."""


def make_proposer(config: RunConfig, ask: Ask, api_base: str | None) -> Proposer:
    if config.problems.domain is Domain.CODE:
        return CodeProposer(config, ask, api_base)
    return MathProposer(config, ask, api_base)


class MathProposer:
    solve_template = math_gen.SOLVE_TEMPLATE

    def __init__(self, config: RunConfig, ask: Ask, api_base: str | None) -> None:
        self.config, self.ask, self.api_base = config, ask, api_base

    async def propose(self, slot: Slot) -> Problem | None:
        """A statement for the slot; with ``math.answer_first``, a statement and the program
        computing its answer in one structured reply (the program travels with the problem,
        for the verify step; solvers see only the statement)."""
        cfg = self.config
        assert cfg.problems.writer is not None
        fields = slot.fields()
        answer_first = cfg.math.answer_first
        template, fmt = (
            (math_gen.ANSWER_FIRST_TEMPLATE, math_gen.ANSWER_FIRST_FORMAT)
            if answer_first
            else (math_gen.PROBLEM_TEMPLATE, None)
        )
        request = slot.request(
            cfg.problems.writer, template, fields, cfg.seed, cfg.round, self.api_base, fmt
        )

        def parse(response: ChatResponse) -> tuple[str, str | None]:
            if answer_first:
                statement, program = math_gen.parse_answer_first(response)
            else:
                statement, program = math_gen.parse_problem(response), None
            ensure_new(statement, fields["exemplar"], numbers_count=True)
            return statement, program

        written = await self.ask(request, parse, "propose", slot.key)
        if written is None:
            return None
        statement, program = written
        return math_gen.make_problem(
            statement, slot.spec.topic.name, slot.difficulty, request, cfg.round, program
        )

    async def prepare(self, problem: Problem) -> Problem | None:
        """Ready as it is: without a reference answer it is decided by agreement."""
        return problem

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        """The checker extracts inside its workers (extraction is part of the verdict)."""
        return None

    async def program(self, problem: Problem, attempt: int) -> str | None:
        """A program computing the problem's answer, for the program check."""
        role = self.config.math.program_check
        assert role is not None
        request = math_gen.program_request(problem, role, attempt, self.config.seed, self.api_base)
        return await self.ask(request, lambda r: extract_code(r.text), "program_check", problem.id)

    async def well_posed(self, problem: Problem) -> list[bool | None]:
        """Each judge's answer to "does the statement determine one answer?"; None where a
        reply could not be read after the re-asks (journaled)."""
        role = self.config.math.well_posed
        assert role is not None
        requests = math_gen.judge_requests(
            problem, role, math_gen.WELL_POSED_TEMPLATE, self.config.seed, self.api_base
        )
        read_judgement = functools.partial(parse_well_posed, statement=problem.statement)
        return list(
            await asyncio.gather(
                *(self.ask(r, read_judgement, "well_posed", problem.id) for r in requests)
            )
        )

    async def rederive(self, problem: Problem, answer: str) -> list[str | None]:
        """Each checker's reply to "check this answer and give the right one"; None where none
        came back with a boxed answer (journaled)."""
        role = self.config.math.rederive
        assert role is not None
        requests = math_gen.judge_requests(
            problem, role, math_gen.REDERIVE_TEMPLATE, self.config.seed, self.api_base,
            answer=answer,
        )  # fmt: skip
        return list(
            await asyncio.gather(
                *(
                    self.ask(r, math_gen.parse_rederivation, "rederive", problem.id)
                    for r in requests
                )
            )
        )


class CodeProposer:
    solve_template = code_gen.SOLVE_TEMPLATE

    def __init__(self, config: RunConfig, ask: Ask, api_base: str | None) -> None:
        self.config, self.ask, self.api_base = config, ask, api_base

    async def propose(self, slot: Slot) -> Problem | None:
        cfg = self.config
        writer = cfg.problems.writer
        assert writer is not None
        fields = slot.fields()
        request = slot.request(
            writer, code_gen.PROBLEM_TEMPLATE, fields, cfg.seed, cfg.round, self.api_base,
            code_gen.PROBLEM_FORMAT,
        )  # fmt: skip

        def parse(response: ChatResponse) -> dict[str, str]:
            spec = code_gen.parse_problem(response)
            ensure_new(
                spec["problem"], json.loads(fields["exemplar"])["problem"], numbers_count=False
            )
            return spec

        spec = await self.ask(request, parse, "propose", slot.key)
        if spec is None:
            return None
        params = ", ".join(code_gen.parameters(spec["signature"]))
        count = cfg.problems.tests_per_problem
        tests_request = slot.request(
            cfg.problems.test_writer or writer,
            code_gen.TESTS_TEMPLATE,
            {**spec, "count": count, "params": params},
            cfg.seed,
            cfg.round,
            self.api_base,
            code_gen.tests_format(spec["signature"], count),
        )
        tests = await self._tests(tests_request, spec["signature"], slot.key)
        if tests is None:
            return None
        return code_gen.make_problem(
            spec, tests, slot.spec.topic.name, slot.difficulty, request, tests_request, cfg.round
        )

    async def prepare(self, problem: Problem) -> Problem | None:
        """An imported problem without tests gets them from the test writer, as a synthesized
        one does (without it, nothing could ever be kept: no trusted test would exist). One
        whose own cases are fewer than ``problems.augment_below`` gets more: a three-case suite
        lets plausible wrong code through (EvalPlus), and a wrong solution that passes it would
        be kept as verified. When the writer's cases cannot be had, the problem is dropped
        rather than judged on the small suite alone."""
        cfg = self.config
        role = cfg.problems.test_writer or cfg.problems.writer
        if role is None or not problem.entry_point or not _wants_tests(problem, cfg):
            return problem
        request = code_gen.imported_tests_request(
            problem, role, cfg.problems.tests_per_problem, cfg.seed, self.api_base
        )
        tests = await self._tests(request, problem.signature or "", problem.id)
        return None if tests is None else code_gen.with_tests(problem, tests, request)

    async def _tests(
        self, request: ChatRequest, signature: str, subject: str
    ) -> list[dict[str, Any]] | None:
        minimum = self.config.code.min_tests
        return await self.ask(
            request, lambda r: code_gen.parse_tests(r, signature, minimum), "write_tests", subject
        )

    async def call_values(
        self, problem: Problem, call: str, role: RoleConfig, template: str
    ) -> list[str] | None:
        """The values the role's judges read off the statement for ``call``, each with its
        sentence quoted (``code.crash_check``, ``code.dispute_check``); None when none gave
        one and some reply could not be read after the re-asks (journaled)."""
        requests = code_gen.call_value_requests(
            problem, call, role, self.config.seed, self.api_base, template
        )
        read = functools.partial(code_gen.read_call_value, statement=problem.statement)
        answers = await asyncio.gather(
            *(self.ask(r, read, "call_value", problem.id) for r in requests)
        )
        values = [a for a in answers if a is not None and a not in code_gen.UNDECIDED]
        return None if not values and None in answers else values

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        try:
            return extract_code(response.text, problem.entry_point)
        except Unusable:
            return None


def _wants_tests(problem: Problem, config: RunConfig) -> bool:
    """No tests at all, or a small suite of call cases (test code and stdin/stdout cases are
    left as they are: the writer's function-call cases could not be merged into them)."""
    tests = problem.tests
    if tests is None:
        return True
    return (
        isinstance(tests, CaseTests)
        and len(tests.cases) < config.problems.augment_below
        and all(isinstance(case, CallCase) for case in tests.cases)
    )
