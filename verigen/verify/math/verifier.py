"""``MathVerifier``: the public checker, owning one killable worker pool.

All untrusted text is extracted, parsed and compared inside the workers; this process only
schedules, waits and builds ``Verdict`` records (so a crashing worker can never write one).
Safe to share between threads (pebble's scheduling is thread-safe) and from asyncio (the
futures are awaited through ``asyncio.wrap_future``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any

from pebble import ProcessExpired

from verigen.records import Outcome, Verdict
from verigen.verify.math.extract import Extraction, extract_answer
from verigen.verify.math.judge import Judgement, judge_answers, judge_texts, quick_judgement
from verigen.verify.math.normalize import normalize
from verigen.verify.math.options import MathOptions
from verigen.verify.math.vote import Vote, cluster, decide
from verigen.verify.math.worker import WorkerPool

VERIFIER_VERSION = "math-1.1"
"""Bump whenever a change can flip a verdict: stored verdicts of older versions get redone."""


class MathVerifier:
    """Checks answers against references, or against each other, in ``workers`` processes."""

    def __init__(self, options: MathOptions | None = None, workers: int = 2) -> None:
        self.options = options or MathOptions()
        self._pool = WorkerPool(workers)

    def __enter__(self) -> MathVerifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; checks still running are abandoned."""
        self._pool.close()

    def check(self, gold: str, pred: str) -> Verdict:
        """Is ``pred``'s answer equal to ``gold``'s? Each may be an answer or a solution text."""
        return self.check_many([(gold, pred)])[0]

    def check_many(self, pairs: Iterable[tuple[str, str]]) -> list[Verdict]:
        """Check all pairs in parallel; verdicts come back in input order."""
        started = time.perf_counter()
        futures = [self._submit(gold, pred) for gold, pred in pairs]
        return [self._settle(f, started) for f in futures]

    async def acheck(self, gold: str, pred: str) -> Verdict:
        """``check`` for asyncio callers: the event loop is never blocked."""
        started = time.perf_counter()
        future = self._submit(gold, pred)
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # settled below, where every failure becomes a verdict
            if not future.done():
                raise
        return self._settle(future, started)

    def vote(self, preds: Sequence[str], min_share: float = 0.5) -> Vote:
        """Majority agreement among ``preds`` (no reference needed)."""
        if not 0.0 < min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {min_share}")
        started = time.perf_counter()
        answers = [extract_answer(p, self.options) for p in preds]
        keys = [normalize(a.answer, a.plain).latex if a else "" for a in answers]
        classes = cluster(answers, keys, self._same)
        winner, share = decide(classes, len(preds), min_share)
        accepted = tuple(sorted(classes[winner])) if winner is not None else ()
        rep = answers[classes[winner][0]] if winner is not None else None
        return Vote(
            answer=keys[classes[winner][0]] if winner is not None and rep else None,
            share=share,
            classes=tuple(tuple(sorted(c)) for c in classes),
            accepted_indices=accepted,
            min_share=min_share,
            answers=tuple(a.answer if a else None for a in answers),
            version=VERIFIER_VERSION,
            duration_s=time.perf_counter() - started,
        )

    async def avote(self, preds: Sequence[str], min_share: float = 0.5) -> Vote:
        """``vote`` for asyncio callers, run on a thread so the loop stays free."""
        return await asyncio.to_thread(self.vote, preds, min_share)

    def _same(self, answer: Extraction, reps: list[Extraction]) -> list[bool]:
        """Whether ``answer`` equals each representative. Pairs that string work decides
        (plain numbers, identical answers) are settled here; the rest go to the workers."""
        started = time.perf_counter()
        quick = [quick_judgement(rep, answer, self.options) for rep in reps]
        futures = {
            i: self._pool.submit(judge_answers, (rep, answer, self.options), self.options.timeout_s)
            for i, (rep, known) in enumerate(zip(reps, quick, strict=True))
            if known is None
        }
        return [
            known.equivalent if known is not None else self._settle(futures[i], started).accepted
            for i, known in enumerate(quick)
        ]

    def _submit(self, gold: str, pred: str) -> Future[Any]:
        limit = self.options.max_text_chars
        return self._pool.submit(
            judge_texts, (gold[-limit:], pred[-limit:], self.options), self.options.timeout_s
        )

    def _settle(self, future: Future[Any], started: float) -> Verdict:
        """Turn a finished (or failed) worker future into a verdict: never raises."""
        try:
            judgement: Judgement = future.result()
        except FutureTimeout:
            return self._verdict(
                Outcome.REJECTED, "timeout", {"timeout_s": self.options.timeout_s}, started
            )
        except ProcessExpired as exc:
            return self._verdict(
                Outcome.INFRA_ERROR, "worker_crashed", {"exitcode": exc.exitcode}, started
            )
        except Exception as exc:  # a checker bug is not the sample's fault: retry later
            return self._verdict(
                Outcome.INFRA_ERROR,
                "checker_error",
                {"error": f"{type(exc).__name__}: {exc}"[:500]},
                started,
            )
        outcome = Outcome.ACCEPTED if judgement.equivalent else Outcome.REJECTED
        return self._verdict(outcome, judgement.reason, judgement.details, started)

    @staticmethod
    def _verdict(outcome: Outcome, reason: str, details: dict[str, Any], started: float) -> Verdict:
        return Verdict(
            outcome=outcome,
            reason=reason,
            details=details,
            verifier="math",
            verifier_version=VERIFIER_VERSION,
            duration_s=round(time.perf_counter() - started, 6),
        )
