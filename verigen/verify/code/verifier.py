"""``CodeVerifier``: the public checker, owning one warm sandbox pool, opened on first use.

Thread-safe (the pool is; opening it holds a lock) and asyncio-safe: ``averify`` runs the
blocking work on the verifier's own threads, so a pipeline's event loop (and its LLM calls) never
waits on a sandbox. Picklable: only the options and the worker count travel, so a Ray actor or a
``datasets.map`` worker builds its own pool in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

from verigen.errors import SandboxError
from verigen.records import Verdict
from verigen.sandbox import Limits, Pool, SandboxSpec
from verigen.verify.code.differential import Differential
from verigen.verify.code.execute import Executor
from verigen.verify.code.judge import Task, judge
from verigen.verify.code.options import CodeOptions

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


class CodeVerifier:
    """Judges generated solutions (and their tests) in the sandbox; see ``judge.py``."""

    def __init__(self, options: CodeOptions | None = None, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.options = options or CodeOptions()
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: Pool | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._common: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"options": self.options, "workers": self.workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"], state["workers"])  # type: ignore[misc]

    def __enter__(self) -> CodeVerifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def pool(self) -> Pool:
        """The sandbox pool, opened on first call; ``SandboxError`` when no backend works (a
        set-up problem, reported once, rather than one infra error per sample)."""
        with self._lock:
            if self._pool is None:
                spec = SandboxSpec(
                    self.options.backend,
                    self.workers,
                    warm=Limits(wall_s=self.options.timeout_s, memory_mb=self.options.memory_mb),
                )
                self._pool = spec.open()
                self._common.update(
                    backend=self._pool.backend, sandbox_version=_sandbox_version(self._pool.backend)
                )
            return self._pool

    def close(self) -> None:
        """Stop the sandboxes and the threads; jobs in flight are cut short."""
        with self._lock:
            pool, self._pool = self._pool, None
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
        if pool is not None:
            # A pool whose engine vanished can raise while removing its containers; the
            # verdicts are already out, and a failed clean-up must not hide them.
            with contextlib.suppress(Exception):
                pool.close()

    def verify(
        self,
        solutions: Sequence[str | None],
        tests: Any,
        entry_point: str = "",
        signature: str | None = None,
        reference: str | None = None,
        io_cases: Any = None,
        strategy: SearchStrategy[tuple[Any, ...]] | None = None,
        trusted_suite: bool = False,
        written_tests: bool = False,
    ) -> list[Verdict]:
        """One ``Verdict`` per solution, in order. ``tests``: a problem's typed tests, JSON call
        cases, test code or a HumanEval ``check``; ``io_cases``: stdin/stdout cases;
        ``strategy``: Hypothesis inputs (a tuple of positional arguments) when the type hints
        are not enough;
        ``trusted_suite``: the tests are a benchmark's own suite, exempt from ``min_tests``;
        ``written_tests``: a model wrote some of them, so without a ``reference`` a solution
        stands only when ``min_consensus`` solutions pass them."""
        task = Task(
            list(solutions),
            tests,
            entry_point,
            signature,
            reference,
            io_cases,
            strategy,
            trusted_suite,
            written_tests,
        )
        return judge(
            task,
            self.options,
            Executor(self.pool, self.options),
            Differential(self.pool, self.options),
            self._common,
        )

    async def averify(
        self,
        solutions: Sequence[str | None],
        tests: Any,
        entry_point: str = "",
        signature: str | None = None,
        reference: str | None = None,
        io_cases: Any = None,
        strategy: SearchStrategy[tuple[Any, ...]] | None = None,
        trusted_suite: bool = False,
        written_tests: bool = False,
    ) -> list[Verdict]:
        """``verify`` without blocking the event loop."""
        call = functools.partial(
            self.verify,
            solutions,
            tests,
            entry_point,
            signature,
            reference,
            io_cases,
            strategy,
            trusted_suite,
            written_tests,
        )
        return await asyncio.get_running_loop().run_in_executor(self._executor(), call)

    def verify_many(self, tasks: Sequence[dict[str, Any]]) -> list[list[Verdict]]:
        """Several problems at once (keyword arguments of ``verify`` each), in input order; the
        sandbox workers are shared, so problems overlap instead of queueing one by one."""
        self.pool()
        futures = [self._executor().submit(functools.partial(self.verify, **t)) for t in tasks]
        return [f.result() for f in futures]

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                # Each problem blocks a thread while its jobs run; 4 per sandbox keeps the
                # workers fed without piling up memory.
                self._threads = ThreadPoolExecutor(4 * self.workers, "verigen-code")
            return self._threads


def _sandbox_version(backend: str) -> str:
    try:
        from verigen.sandbox.image import image_tag

        return f"{backend}:{image_tag()}"
    except SandboxError:
        return backend
