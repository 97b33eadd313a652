"""The warm pool: N workers, each owning one long-lived sandbox, each job a fork inside it.

A worker is a thread that owns its sandbox for the pool's lifetime (bwrap's die-with-parent is
tied to the thread that started it, so sandboxes are started only from these threads). Jobs go
through one queue; ``run`` blocks on a future, ``arun`` awaits it, ``run_many`` keeps input order.

Per job the worker: starts (or restarts, when the job needs a different sandbox shape or the last
job left the sandbox unclean) its sandbox; sends the job; waits until the job's wall limit plus a
grace period; and if the fork server does not answer by then, destroys the sandbox from outside.
The final status is decided here, from the server's facts and the host's (cgroup, engine).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import queue
import signal
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from verigen.errors import SandboxError
from verigen.sandbox import seccomp
from verigen.sandbox.base import Job, Limits, Result, Status
from verigen.sandbox.transport import JobFacts, Shape, Transport
from verigen.sandbox.verdict import (
    TestReport,
    Tests,
    decide,
    decide_batch,
    new_nonce,
    suites_of,
    tests_batch_job,
    tests_job,
)

GRACE_S = 5.0
"""Beyond the job's wall limit, how long the server may take to kill, collect and answer."""
START_TIMEOUT_S = 60.0


class Backend(Protocol):
    @property
    def name(self) -> str: ...

    def shape(self, limits: Limits) -> Shape: ...

    def start(self, shape: Shape, tag: str) -> Transport: ...


def classify(frame: dict[str, Any], facts: JobFacts, stderr_tail: bytes) -> Status:
    """The status of a finished job, from the server's report and the host's counters.

    A status is a description, not a verdict: the one heuristic (``MemoryError`` at the end of
    stderr) can only make a program look worse, never pass it.
    """
    reason, sig, code = frame.get("reason"), frame.get("signal"), frame.get("exit_code")
    oom = facts.oom_kills if facts.oom_kills is not None else frame.get("oom_kills")
    if reason == "output_limit":
        return Status.OUTPUT_LIMIT
    if oom and (sig == signal.SIGKILL or code not in (0, None)):
        return Status.MEMORY_LIMIT
    if reason == "timeout" or sig == signal.SIGXCPU:
        return Status.TIMEOUT
    if sig is not None:
        return Status.KILLED
    if code == 0:
        return Status.OK
    if b"MemoryError" in stderr_tail:  # Python's own report of an rlimit refusal
        return Status.MEMORY_LIMIT
    return Status.NONZERO_EXIT


class Worker:
    """One sandbox and the thread that drives it."""

    def __init__(self, backend: Backend, index: int, jobs: queue.Queue[Any], warm: Limits) -> None:
        self.backend, self.index, self._jobs = backend, index, jobs
        self._transport: Transport | None = None
        self._shape: Shape | None = None
        self._seccomp = seccomp.program()
        self._stopping = threading.Lock()
        self.ready: Future[None] = Future()
        self.thread = threading.Thread(
            target=self._loop,
            args=(backend.shape(warm), self.ready),
            name=f"verigen-sandbox-{index}",
            daemon=True,
        )

    def _loop(self, shape: Shape, ready: Future[None]) -> None:
        try:
            self.start(shape)
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        while True:
            item = self._jobs.get()
            if item is None:
                break
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.run(job))
            except BaseException as exc:
                future.set_exception(exc)
        self.stop()

    def start(self, shape: Shape) -> None:
        self.stop()
        transport = self.backend.start(shape, tag=f"{os.getpid()}-{self.index}")
        transport.handshake(self._seccomp, START_TIMEOUT_S)
        self._transport, self._shape = transport, shape

    def stop(self) -> None:
        """Destroy the sandbox; safe from another thread (a job in flight then ends in EOF).

        The lock keeps this thread alive until a kill begun elsewhere is done: bwrap dies with the
        thread that started it, and a bwrap killed before it reaped its sandbox leaves a zombie.
        """
        with self._stopping:
            transport, self._transport, self._shape = self._transport, None, None
            if transport is not None:
                transport.kill()

    def run(self, job: Job) -> Result:
        t0 = time.monotonic()
        name = self.backend.name
        shape = self.backend.shape(job.limits)
        if self._transport is None or self._shape != shape:
            try:
                self.start(shape)
            except SandboxError as exc:
                return Result.sandbox_error(str(exc), name, time.monotonic() - t0)
        transport = self._transport
        assert transport is not None
        try:
            transport.before_job(job.limits)
            transport.send(job.to_wire())
            frame = transport.recv(time.monotonic() + job.limits.wall_s + GRACE_S)
        except TimeoutError:
            self.stop()
            return Result.sandbox_error(
                "the fork server stopped answering; the sandbox was destroyed from outside",
                name,
                time.monotonic() - t0,
            )
        except (EOFError, OSError) as exc:
            facts = transport.facts()
            detail = transport.diagnostics().strip()[-1000:]
            self.stop()
            if facts.oom_kills:
                return Result(
                    status=Status.MEMORY_LIMIT,
                    backend=name,
                    wall_s=time.monotonic() - t0,
                    error="the sandbox ran out of memory",
                )
            return Result.sandbox_error(
                f"the sandbox died: {exc} {detail}".strip(), name, time.monotonic() - t0
            )
        if "error" in frame:
            self.stop()
            return Result.sandbox_error(
                f"fork server: {frame['error']}", name, time.monotonic() - t0
            )
        facts = transport.facts()
        if not frame.get("clean", True):
            self.stop()
        result = Result.from_wire(frame | {"status": Status.OK.value}, name)
        return dataclasses.replace(
            result,
            status=classify(frame, facts, result.stderr_bytes[-2000:]),
            peak_memory_mb=facts.peak_memory_mb or (frame.get("maxrss_kb") or 0) / 1024 or None,
            error=frame.get("reason") or "",
        )


class Pool:
    """N warm sandboxes of one backend. Thread-safe; use as a context manager or call close()."""

    def __init__(self, backend: Backend, workers: int, warm: Limits | None = None) -> None:
        if workers < 1:
            raise SandboxError(f"a pool needs at least one worker, not {workers}")
        self.backend = backend.name
        self.workers = workers
        self._jobs: queue.Queue[Any] = queue.Queue()
        warm = warm or Limits()
        self._workers = [Worker(backend, i, self._jobs, warm) for i in range(workers)]
        self._closed = False
        # Every sandbox starts now, in parallel, so a broken backend fails at open, not mid-run.
        for w in self._workers:
            w.thread.start()
        errors = [w.ready.exception() for w in self._workers]
        if any(errors):
            self.close()
            first = next(e for e in errors if e is not None)
            raise SandboxError(f"{self.backend} sandbox could not start: {first}") from first

    def submit(self, job: Job) -> Future[Result]:
        if self._closed:
            raise SandboxError("this sandbox is closed")
        future: Future[Result] = Future()
        self._jobs.put((job, future))
        return future

    def run(self, job: Job) -> Result:
        return self.submit(job).result()

    def run_many(self, jobs: Iterable[Job]) -> list[Result]:
        futures = [self.submit(job) for job in jobs]
        return [f.result() for f in futures]

    async def arun(self, job: Job) -> Result:
        return await asyncio.wrap_future(self.submit(job))

    def run_tests(
        self,
        solution: str,
        tests: Tests,
        limits: Limits | None = None,
        call_timeout: float | None = None,
    ) -> TestReport:
        """Run ``tests`` against ``solution`` through the harness; the verdict is decided here
        (see ``verdict.py``). ``call_timeout`` bounds each call into the solution (default: the
        whole wall limit)."""
        return self.run_tests_many([(solution, tests)], limits, call_timeout)[0]

    def run_tests_many(
        self,
        items: Iterable[tuple[str, Tests]],
        limits: Limits | None = None,
        call_timeout: float | None = None,
    ) -> list[TestReport]:
        """``run_tests`` for many (solution, tests) pairs, in parallel, in input order."""
        limits = limits or Limits()
        timeout = call_timeout or limits.wall_s
        plans = [(suites_of(tests), new_nonce(), solution) for solution, tests in items]
        futures = [
            self.submit(tests_job(sol, suites, limits, timeout, nonce))
            for suites, nonce, sol in plans
        ]
        return [
            decide(f.result(), suites, nonce)
            for f, (suites, nonce, _) in zip(futures, plans, strict=True)
        ]

    def run_tests_batch(
        self,
        solutions: Sequence[str],
        tests: Tests,
        each: Limits | None = None,
        call_timeout: float | None = None,
    ) -> list[TestReport]:
        """Every solution against ``tests`` in one job, each within ``each`` and stopping at its
        first test that does not pass (``verdict.tests_batch_job``): mutation testing's question
        — does any test fail? — at the cost of one fork per solution instead of one job."""
        each = each or Limits()
        suites, nonce = suites_of(tests), new_nonce()
        job = tests_batch_job(solutions, suites, each, call_timeout or each.wall_s, nonce)
        return decide_batch(self.run(job), suites, nonce, len(solutions))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        while True:  # queued jobs are cancelled, not run
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[1].cancel()
        for w in self._workers:
            self._jobs.put(None)
            w.stop()  # a job in flight is cut short: close() must not wait out its wall limit
        for w in self._workers:
            w.thread.join()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
