"""Wiring for ``verigen generate``: propose → solve → verify → export, through the journal.

Work is cut into *slots* (topic × index). A bounded set of slot coroutines runs at once
(``max_problems_in_flight``), so memory does not grow with the run; LLM concurrency is bounded
separately inside the client, and verification runs in its own process pool. Every record is
journaled the moment it exists. A rerun replays the journal's cached replies instead of sending
requests, and skips verdicts already given by the current verifier version: resuming after
``kill -9`` costs only what was in flight.

Stopping: the budget stops new requests (in-flight ones finish, verified work is exported); an
unusable endpoint stops the run with ``LLMError`` after the dataset and report are written.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from verigen import __version__
from verigen.config import RunConfig
from verigen.display import Display
from verigen.errors import BudgetExceeded, LLMError
from verigen.export.verified import write_verified
from verigen.generate import problems as problem_gen
from verigen.generate import solutions as solution_gen
from verigen.llm import ChatRequest, ChatResponse, LLMClient, RequestFailed
from verigen.records import Attempt, Outcome, Problem
from verigen.store import Journal
from verigen.verify.math import VERIFIER_VERSION, MathOptions, MathVerifier


@dataclass
class _RunState:
    claimed: set[str] = field(default_factory=set)
    stop_reason: str | None = None
    fatal: LLMError | None = None


@dataclass(frozen=True)
class Endpoint:
    """Where requests go for this invocation (a configured base, or a local server's)."""

    api_base: str | None
    api_key: str | None


def run_generate(config: RunConfig, endpoint: Endpoint, display: Display) -> dict[str, Any]:
    """Run (or resume) a generate job; returns the report, also written to the run directory."""
    return asyncio.run(_Run(config, endpoint, display).main())


class _Run:
    def __init__(self, config: RunConfig, endpoint: Endpoint, display: Display) -> None:
        self.config = config
        self.endpoint = endpoint
        self.display = display
        self.state = _RunState()
        self.journal = Journal(config.run_dir)
        spent = self.journal.counts()["cost_usd"]
        self.llm = LLMClient(
            config.llm, self.journal, api_key=endpoint.api_key, spent_before_usd=spent
        )
        self.verifier = MathVerifier(
            MathOptions(timeout_s=config.math.timeout_s), workers=config.math.workers
        )

    async def main(self) -> dict[str, Any]:
        started = time.time()
        cfg = self.config
        self.journal.set_meta("config", cfg.model_dump(mode="json"))
        self.journal.set_meta("fingerprint", cfg.fingerprint())
        self.journal.set_meta("verigen_version", __version__)
        slots = [(t, i) for t in cfg.problems.topics for i in range(cfg.problems.per_topic)]
        per_problem = len(cfg.solver.models) * cfg.solver.samples
        self.display.start(
            {
                "proposed": len(slots),
                "solved": len(slots) * per_problem,
                "verified": len(slots) * per_problem,
            }
        )
        ticker = asyncio.create_task(self._tick())
        try:
            with self.verifier:
                await self._drive(iter(slots))
        finally:
            ticker.cancel()
            self.display.refresh(self.llm.spend)
            self.display.stop()
        report = self._finish(started)
        if self.state.fatal is not None:
            raise self.state.fatal
        return report

    async def _drive(self, slots: Iterator[tuple[str, int]]) -> None:
        """Run slots with at most ``max_problems_in_flight`` at once; stop pulling on a stop."""

        async def worker() -> None:
            for topic, index in slots:
                if self.state.stop_reason is not None:
                    return
                await self._slot(topic, index)

        workers = min(self.config.max_problems_in_flight, self.config.llm.max_concurrency * 2)
        await asyncio.gather(*(worker() for _ in range(max(workers, 1))))

    async def _tick(self) -> None:
        while True:
            self.display.refresh(self.llm.spend)
            await asyncio.sleep(0.25)

    async def _slot(self, topic: str, index: int) -> None:
        try:
            problem = await self._propose(topic, index)
            if problem is not None:
                attempts = await self._solve(problem)
                if attempts is not None:
                    await self._verify(problem, attempts)
        except BudgetExceeded as exc:
            self.state.stop_reason = f"budget: {exc}"
        except LLMError as exc:
            if self.state.fatal is None:
                self.state.fatal = exc
                self.state.stop_reason = f"llm_error: {exc}"

    async def _ask(self, request: ChatRequest, subject: str, stage: str) -> ChatResponse | None:
        """One request; a request that cannot succeed is journaled as a failure, not raised."""
        try:
            return await self.llm.complete(request)
        except RequestFailed as exc:
            self.journal.add_failure(
                f"{stage}:{request.key()}", stage, subject, exc.reason, exc.detail
            )
            return None

    async def _propose(self, topic: str, index: int) -> Problem | None:
        cfg = self.config
        request, difficulty = problem_gen.problem_request(
            cfg.problems.writer, topic, index, cfg.seed, self.endpoint.api_base
        )
        response = await self._ask(request, f"{topic}#{index}", "propose")
        if response is None:
            return None
        self.display.advance("proposed")
        statement = problem_gen.parse_problem(response.text)
        if statement is None:
            self.journal.add_failure(
                f"propose:{request.key()}",
                "propose",
                f"{topic}#{index}",
                "unparseable_problem",
                response.text,
            )
            return None
        problem = problem_gen.make_problem(statement, topic, difficulty, request, cfg.round)
        if problem.id in self.state.claimed:
            self.journal.add_failure(
                f"propose:{request.key()}",
                "propose",
                f"{topic}#{index}",
                "duplicate_problem",
                problem.id,
            )
            return None
        self.state.claimed.add(problem.id)
        self.journal.add_problem(problem)
        return problem

    async def _solve(self, problem: Problem) -> list[Attempt] | None:
        """All k attempts, or None when any is missing (a partial vote would be unfair)."""
        requests = list(
            solution_gen.solve_requests(
                problem, self.config.solver, self.config.seed, self.endpoint.api_base
            )
        )
        replies = await asyncio.gather(
            *(self._ask(req, problem.id, "solve") for _, req in requests),
            return_exceptions=True,
        )
        attempts: list[Attempt] = []
        for (index, request), reply in zip(requests, replies, strict=True):
            if isinstance(reply, BaseException):
                raise reply
            if reply is None:
                continue
            attempt = solution_gen.make_attempt(problem, index, request, reply, self.config.round)
            self.journal.add_attempt(attempt)
            attempts.append(attempt)
            self.display.advance("solved")
        return attempts if len(attempts) == len(requests) else None

    async def _verify(self, problem: Problem, attempts: list[Attempt]) -> None:
        version = VERIFIER_VERSION
        if all(self.journal.verdict(a.id, "math", version) for a in attempts):
            self._count_verified(problem, attempts, version)
            return
        texts = [a.completion for a in attempts]
        if problem.reference_answer is not None:
            verdicts = [await self.verifier.acheck(problem.reference_answer, t) for t in texts]
        else:
            vote = await self.verifier.avote(texts, min_share=self.config.math.min_share)
            verdicts = [vote.verdict(i) for i in range(len(texts))]
        for attempt, verdict in zip(attempts, verdicts, strict=True):
            self.journal.add_verdict(attempt.id, verdict)
        self._count_verified(problem, attempts, version)

    def _count_verified(self, problem: Problem, attempts: list[Attempt], version: str) -> None:
        del problem
        self.display.advance("verified", len(attempts))
        accepted = sum(
            1
            for a in attempts
            if (v := self.journal.verdict(a.id, "math", version)) and v.outcome is Outcome.ACCEPTED
        )
        self.display.advance("accepted", accepted)

    def _finish(self, started: float) -> dict[str, Any]:
        cfg = self.config
        dataset_dir, rows = write_verified(
            cfg.run_dir, "math", VERIFIER_VERSION, list(cfg.output.formats)
        )
        counts = self.journal.counts()
        failed = any(
            k.endswith((":request_failed", ":malformed_reply")) or ":http_" in k
            for k in counts["failures"]
        )
        status = "stopped" if self.state.stop_reason else ("failures" if failed else "ok")
        report = {
            "status": status,
            "stop_reason": self.state.stop_reason,
            "run_dir": str(cfg.run_dir),
            "dataset_dir": str(dataset_dir),
            "dataset_rows": rows,
            "fingerprint": cfg.fingerprint(),
            "verigen_version": __version__,
            "verifier_version": VERIFIER_VERSION,
            "seconds": round(time.time() - started, 3),
            "counts": counts,
            "spend": {k: v for k, v in asdict(self.llm.spend).items() if k != "started"},
        }
        self.journal.set_meta("last_report", report)
        (cfg.run_dir / "report.json").write_text(json.dumps(report, indent=2))
        self.journal.close()
        return report
