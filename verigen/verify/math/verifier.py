"""``MathVerifier``: the public checker, owning one killable worker pool.

All untrusted text is extracted, parsed and compared inside the workers; this process only
schedules, waits and builds ``Verdict`` records (so a crashing worker can never write one).
A worker that fails (time limit, crash, exception) is the machine's fault, never the
answer's: the task is run once more (with ``retry_factor`` times the limit after a timeout),
and a second failure is an ``infra_error`` verdict, or an unknown comparison in a vote.
Safe to share between threads (pebble's scheduling is thread-safe) and from asyncio (the
futures are awaited through ``asyncio.wrap_future``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from pebble import ProcessExpired

from verigen.records import Outcome, Verdict
from verigen.verify.math.extract import Extraction, extract_answer
from verigen.verify.math.guard import macro_definition
from verigen.verify.math.judge import Judgement, judge_answers, judge_texts, quick_judgement
from verigen.verify.math.normalize import normalize
from verigen.verify.math.options import MathOptions
from verigen.verify.math.vote import Comparison, Unknown, Vote, cluster, decide
from verigen.verify.math.worker import WorkerPool

VERIFIER_VERSION = "math-2.3"
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
        tasks = [_Task(judge_texts, self._texts(gold, pred)) for gold, pred in pairs]
        return [self._verdict_of(r, started) for r in self._run(tasks)]

    async def acheck(self, gold: str, pred: str) -> Verdict:
        """``check`` for asyncio callers: the event loop is never blocked."""
        started = time.perf_counter()
        task = _Task(judge_texts, self._texts(gold, pred))
        first = await self._aresult(self._submit(task, self.options.timeout_s))
        if isinstance(first, _Failure):
            again = await self._aresult(self._submit(task, self._retry_limit(first)))
            first = self._second_try(first, again)
        return self._verdict_of(first, started)

    def vote(self, preds: Sequence[str], min_share: float = 0.5) -> Vote:
        """Majority agreement among ``preds`` (no reference needed)."""
        if not 0.0 < min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {min_share}")
        started = time.perf_counter()
        answers = [None if macro_definition(p) else extract_answer(p, self.options) for p in preds]
        read = [self._key(a) if a is not None else ("", "") for a in answers]
        keys = [key for key, _ in read]
        refused = {i: why for i, (_, why) in enumerate(read) if why}
        kept = [None if i in refused else a for i, a in enumerate(answers)]
        found = cluster(kept, keys, self._same)
        classes = found.classes
        winner, share, settled = decide(classes, len(preds), min_share, len(found.floating))
        rep = classes[winner][0] if winner is not None else None
        return Vote(
            answer=keys[rep] if rep is not None and answers[rep] else None,
            share=share,
            classes=tuple(tuple(sorted(c)) for c in classes),
            accepted_indices=tuple(sorted(classes[winner])) if winner is not None else (),
            min_share=min_share,
            answers=tuple(a.answer if a else None for a in answers),
            version=VERIFIER_VERSION,
            duration_s=time.perf_counter() - started,
            unsettled=not settled,
            floating=tuple(found.floating),
            unknown_pairs=tuple(found.unknown),
            refused=tuple(sorted(refused.items())),
        )

    def _key(self, answer: Extraction) -> tuple[str, str]:
        """The answer's class key (its normalised form) and why it is refused ("" if not).

        This runs in the caller's process, with no time limit, so an answer over
        ``max_answer_chars`` is refused unread, as a check refuses it; an answer that
        normalises to nothing is ambiguous as written (``2 3``) and refused too."""
        if len(answer.answer) > self.options.max_answer_chars:
            return "", "answer_too_long"
        key = normalize(answer.answer, answer.plain).latex
        return key, "" if key else "unparsable"

    async def avote(self, preds: Sequence[str], min_share: float = 0.5) -> Vote:
        """``vote`` for asyncio callers, run on a thread so the loop stays free."""
        return await asyncio.to_thread(self.vote, preds, min_share)

    def _same(self, answer: Extraction, reps: list[Extraction]) -> list[Comparison]:
        """Whether ``answer`` equals each representative, or ``Unknown`` when the workers could
        not tell (after a retry). Pairs that string work decides (plain numbers, identical
        answers) are settled here; the rest go to the workers."""
        quick = [quick_judgement(rep, answer, self.options) for rep in reps]
        slow = [i for i, known in enumerate(quick) if known is None]
        results = self._run([_Task(judge_answers, (reps[i], answer, self.options)) for i in slow])
        out: list[Comparison] = [q.equivalent if q is not None else False for q in quick]
        for i, result in zip(slow, results, strict=True):
            out[i] = Unknown(result.reason) if isinstance(result, _Failure) else result.equivalent
        return out

    def _texts(self, gold: str, pred: str) -> tuple[str, str, MathOptions]:
        """Whole texts: a macro defined anywhere counts, not only in the scanned tail."""
        return gold, pred, self.options

    def _submit(self, task: _Task, limit: float) -> Future[Any]:
        return self._pool.submit(task.fn, task.args, limit)

    def _run(self, tasks: list[_Task]) -> list[Judgement | _Failure]:
        """Run tasks in parallel; each failed one runs once more, all retries in parallel."""
        futures = [self._submit(t, self.options.timeout_s) for t in tasks]
        results = [_result(f) for f in futures]
        failed = [(i, r) for i, r in enumerate(results) if isinstance(r, _Failure)]
        retries = [(i, r, self._submit(tasks[i], self._retry_limit(r))) for i, r in failed]
        for i, first, future in retries:
            results[i] = self._second_try(first, _result(future))
        return results

    async def _aresult(self, future: Future[Any]) -> Judgement | _Failure:
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # settled by _result, where every failure becomes a value
            if not future.done():
                raise
        return _result(future)

    def _retry_limit(self, failure: _Failure) -> float:
        if failure.reason == "timeout":
            return self.options.timeout_s * self.options.retry_factor
        return self.options.timeout_s

    def _second_try(self, first: _Failure, second: Judgement | _Failure) -> Judgement | _Failure:
        """The retry's result; two timeouts make the check ``unverifiable``."""
        if not isinstance(second, _Failure):
            return second
        details = {**second.details, "first_try": first.reason}
        if first.reason == second.reason == "timeout":
            limits = [self.options.timeout_s, self.options.timeout_s * self.options.retry_factor]
            details["why"] = f"ran past its time limit on both tries ({limits[0]} s, {limits[1]} s)"
            return _Failure("unverifiable", details)
        return _Failure(second.reason, details)

    def _verdict_of(self, result: Judgement | _Failure, started: float) -> Verdict:
        if isinstance(result, _Failure):
            return self._verdict(Outcome.INFRA_ERROR, result.reason, result.details, started)
        outcome = Outcome.ACCEPTED if result.equivalent else Outcome.REJECTED
        return self._verdict(outcome, result.reason, result.details, started)

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


@dataclass(frozen=True)
class _Task:
    fn: Callable[..., Judgement]
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Failure:
    """A task that gave no judgement: the machine's fault, not the answer's."""

    reason: str
    """``timeout``, ``worker_crashed``, ``checker_error``; ``unverifiable`` after two timeouts."""
    details: dict[str, Any] = field(default_factory=dict)


def _result(future: Future[Any]) -> Judgement | _Failure:
    """A finished (or failed) worker future as a judgement or a failure: never raises."""
    try:
        judgement: Judgement = future.result()
    except FutureTimeout:
        return _Failure("timeout")
    except ProcessExpired as exc:
        return _Failure("worker_crashed", {"exitcode": exc.exitcode})
    except Exception as exc:  # a checker bug is not the sample's fault
        return _Failure("checker_error", {"error": f"{type(exc).__name__}: {exc}"[:500]})
    return judgement
