"""Wiring for ``verigen generate``: propose → solve → verify → export, through the journal.

Work is a stream of *items*: slots (topic × index) to synthesize a problem for, or imported
problems, with the run's calibration problems (known answers or hidden tests, never exported:
``curate/calibration.py``) mixed in at seeded positions; they come as imported problems do (a
code one without tests, so ``prepare`` has the test writer write them). A bounded set of item
coroutines runs at once (``max_problems_in_flight``), so memory does not grow with the run;
LLM concurrency is bounded separately inside the client, and verification runs in its own
worker pool (processes or sandboxes). Every record is journaled the moment it exists. A rerun
replays the journal's cached replies instead of sending requests, and reuses verdicts already
given by the current verifier version with the current verifier options: resuming after
``kill -9`` costs only what was in flight, changing ``math.min_share`` re-judges without a
single LLM call, and an infrastructure failure is judged again (``MAX_INFRA_TRIES``).

Stopping: the budget stops new requests (in-flight ones finish, verified work is exported); an
unusable endpoint stops the run with ``LLMError`` after the dataset and report are written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from verigen.config import RunConfig
from verigen.curate.calibration import (
    Known,
    bank_label,
    calibration_count,
    interleave,
    load_bank,
    pick,
)
from verigen.display import Display
from verigen.errors import BudgetExceeded, LLMError
from verigen.executor import open_executor
from verigen.generate import solutions
from verigen.generate.imported import read_problems
from verigen.generate.propose import make_proposer
from verigen.generate.slots import Slot, free_text_taxonomy, slots
from verigen.generate.taxonomy import load_taxonomy
from verigen.llm import LLMClient
from verigen.pipeline.base import Endpoint, Services
from verigen.pipeline.report import RunEnd, finish_run
from verigen.pipeline.verifying import VerifyStep, verify_settings
from verigen.records import Attempt, Problem, Verdict
from verigen.store import Journal

__all__ = ["Endpoint", "run_generate"]


@dataclass
class _RunState:
    claimed: set[str] = field(default_factory=set)
    stop_reason: str | None = None
    fatal: LLMError | None = None


def run_generate(config: RunConfig, endpoint: Endpoint, display: Display) -> dict[str, Any]:
    """Run (or resume) a generate job; returns the report, also written to the run directory."""
    return asyncio.run(_quiet_late_results(_Run(config, endpoint, display).main()))


async def _quiet_late_results(run: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """``run`` on a loop whose exception handler is ``drop_late_results``."""
    asyncio.get_running_loop().set_exception_handler(drop_late_results)
    return await run


def drop_late_results(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Drops one known asyncio race, and only that one: a worker process's result that
    arrives while the task awaiting it is being cancelled (Ctrl-C, SIGTERM) makes asyncio's
    future chaining (``_chain_future``) call ``set_result`` on a finished future, and the loop
    would print that ``InvalidStateError`` with a traceback above the run's one-line message.
    The result belongs to nobody then. Everything else goes to the default handler."""
    late = isinstance(context.get("exception"), asyncio.InvalidStateError)
    if late and "_chain_future" in repr(context.get("handle")):
        return
    loop.default_exception_handler(context)


class _Run:
    def __init__(self, config: RunConfig, endpoint: Endpoint, display: Display) -> None:
        self.config = config
        self.display = display
        self.state = _RunState()
        journal = Journal(config.run_dir)
        llm = LLMClient(
            config.llm,
            journal,
            api_key=endpoint.api_key,
            spent_before_usd=journal.counts()["cost_usd"],
        )
        self.services = Services(config, endpoint, journal, llm)
        self.taxonomy = (
            load_taxonomy(config.problems.taxonomy) if config.problems.taxonomy else None
        )
        self.proposer = make_proposer(config, self.services.ask, endpoint.api_base)
        calibration, domain = config.calibration, config.problems.domain
        self.bank = load_bank(calibration.source, domain, config.round) if calibration.share else []
        executor = config.executor
        self.executor = open_executor(verify_settings(config), executor.kind, executor.address)
        self.verify = VerifyStep(config, self.proposer, self.executor, journal)

    async def main(self) -> dict[str, Any]:
        started = time.time()
        cfg, journal = self.config, self.services.journal
        journal.set_meta("config", cfg.model_dump(mode="json"))
        journal.set_meta("fingerprint", cfg.fingerprint())
        items, total = self._items()
        per_problem = len(cfg.solver.models) * cfg.solver.samples
        self.display.start(
            {"proposed": total, "solved": total * per_problem, "verified": total * per_problem}
        )
        ticker = asyncio.create_task(self._tick())
        error: BaseException | None = None
        try:
            await self._drive(items)
        except asyncio.CancelledError as exc:  # Ctrl-C or SIGTERM: keep what was verified
            error = exc
            self.state.stop_reason = "interrupted"
        except Exception as exc:  # anything that ends the run early: still export, then raise
            error = exc
            self.state.stop_reason = f"error: {type(exc).__name__}: {exc}"
        finally:
            ticker.cancel()
            where = self.executor.describe()
            self.executor.close()
            self.display.refresh(self.services.llm.spend)
            self.display.stop()
        step = self.verify
        end = RunEnd(step.verifier, step.version, self.state.stop_reason, started, where)
        report = finish_run(self.services, end)
        failure = error or self.state.fatal
        if failure is not None:
            raise failure
        return report

    def _items(self) -> tuple[Iterable[Slot | Problem], int]:
        """The run's own items with its calibration problems mixed in, and how many in all."""
        items, total = self._own_items()
        known = self._calibration(total)
        if not known:
            return items, total
        mixed = interleave(items, [k.problem for k in known], total, self.config.seed)
        return mixed, total + len(known)

    def _calibration(self, total: int) -> list[Known]:
        """The calibration problems for a run of ``total`` problems (seeded: a resumed run
        picks the same ones), each marked in the journal with its truth (answer or hidden
        tests) before the problem itself can be stored, so none is ever taken for the run's
        own."""
        share = self.config.calibration.share or 0.0
        count = calibration_count(total, share, len(self.bank))
        chosen = pick(self.bank, count, self.config.seed)
        source = self.config.calibration.source
        label = str(source) if source is not None else bank_label(self.config.problems.domain)
        for known in chosen:
            self.services.journal.add_calibration(known.problem.id, known.answer, label)
        return chosen

    def _own_items(self) -> tuple[Iterable[Slot | Problem], int]:
        problems = self.config.problems
        if problems.source is not None:
            imported = read_problems(problems.source, problems.domain, self.config.round)
            return imported, len(imported)
        if self.taxonomy is None:
            taxonomy, ids = free_text_taxonomy(problems.domain, problems.topics), None
        else:
            taxonomy, ids = self.taxonomy, problems.topics or None
        count = len(taxonomy.select(ids)) * problems.per_topic
        return slots(taxonomy, ids, problems.per_topic), count

    async def _drive(self, items: Iterable[Slot | Problem]) -> None:
        """At most ``max_problems_in_flight`` items at once; stop pulling once stopped."""
        queue: Iterator[Slot | Problem] = iter(items)

        async def worker() -> None:
            for item in queue:
                if self.state.stop_reason is not None:
                    return
                await self._item(item)

        llm_slots = self.config.llm.max_concurrency
        workers = min(self.config.max_problems_in_flight, llm_slots + self.executor.slots)
        tasks = [asyncio.create_task(worker()) for _ in range(max(workers, 1))]
        try:
            await asyncio.gather(*tasks)
        finally:  # one worker's error stops the others before the run is exported
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            self.display.refresh(self.services.llm.spend)
            await asyncio.sleep(0.25)

    async def _item(self, item: Slot | Problem) -> None:
        try:
            if isinstance(item, Problem):
                problem = await self.proposer.prepare(item)
            else:
                problem = await self.proposer.propose(item)
            if problem is None or not self._claim(problem, item):
                return
            self.display.advance("proposed")
            attempts = await self._solve(problem)
            if attempts is not None:
                self._show(await self.verify(problem, attempts))
        except BudgetExceeded as exc:
            self.state.stop_reason = f"budget: {exc}"
        except LLMError as exc:
            if self.state.fatal is None:
                self.state.fatal = exc
                self.state.stop_reason = f"llm_error: {exc}"

    def _claim(self, problem: Problem, item: Slot | Problem) -> bool:
        """Store a new problem; a duplicate of one seen in this run is dropped before solving."""
        if problem.id in self.state.claimed:
            subject = item.key if isinstance(item, Slot) else problem.id
            self.services.fail("propose", subject, "duplicate_problem", problem.id, problem.id)
            return False
        self.state.claimed.add(problem.id)
        self.services.journal.add_problem(problem)
        return True

    async def _solve(self, problem: Problem) -> list[Attempt] | None:
        """All k attempts, or None when any is missing (a partial vote would be unfair)."""
        svc, cfg = self.services, self.config
        requests = list(
            solutions.solve_requests(
                problem, cfg.solver, self.proposer.solve_template, cfg.seed, svc.endpoint.api_base
            )
        )
        replies = await asyncio.gather(
            *(svc.send(req, "solve", problem.id) for _, req in requests), return_exceptions=True
        )
        attempts: list[Attempt] = []
        for (index, request), reply in zip(requests, replies, strict=True):
            if isinstance(reply, BaseException):
                raise reply
            if reply is None:
                continue
            extracted = self.proposer.extract(problem, reply)
            attempt = solutions.make_attempt(
                problem, index, request, reply, extracted, self.proposer.solve_template, cfg.round
            )
            svc.journal.add_attempt(attempt)
            attempts.append(attempt)
            self.display.advance("solved")
        return attempts if len(attempts) == len(requests) else None

    def _show(self, verdicts: list[Verdict]) -> None:
        self.display.advance("verified", len(verdicts))
        self.display.advance("accepted", sum(v.accepted for v in verdicts))
        for verdict in verdicts:
            if not verdict.accepted:
                self.display.reject(verdict.reason)
