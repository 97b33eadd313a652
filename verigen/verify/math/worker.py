"""The killable worker pool: every check runs in a pebble worker under a hard time limit.

pebble kills a task's worker when its limit passes (SIGTERM, then SIGKILL) and starts a
replacement, keeping the pool; ``ProcessPoolExecutor`` cannot, and SIGALRM does not work off
the main thread. Workers come from a ``forkserver`` so starting one is safe from a threaded or
asyncio caller — a fork server that has sympy imported and the checker warmed, so a worker (or
the replacement of one killed at its limit) starts in milliseconds — and each worker caps its
own address space, so a memory bomb becomes a
``MemoryError`` in that worker instead of swapping the machine. Nothing here changes the
calling process's state.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from pebble import ProcessPool

from verigen.verify.math.judge import warm_up

_MIB = 1024 * 1024
PRELOAD = "verigen.verify.math.warm"
"""Imported once by the fork server the workers come from (``warm.py`` says why)."""


def _init_worker(memory_mb: int, warm: Callable[[], None]) -> None:
    """Runs in each new worker, never in the caller: cap memory, then warm the checker."""
    if memory_mb > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb * _MIB if hard == resource.RLIM_INFINITY else min(memory_mb * _MIB, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    warm()


def _ready() -> None:
    """A no-op task: scheduling it makes pebble start (and warm) a worker."""


class WorkerPool:
    """One long-lived pool (pebble#126: pools are expensive to create, keep one)."""

    def __init__(
        self, workers: int, memory_mb: int = 3072, warm: Callable[[], None] = warm_up
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", PRELOAD])  # no effect once its server runs
        self._pool = ProcessPool(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(memory_mb, warm),
            context=context,
        )
        self.workers = workers
        for _ in range(workers):  # start the workers now, in the background: no first-call lag
            self._pool.schedule(_ready)

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Future[Any]:
        """Schedule ``fn(*args)``; the future raises ``TimeoutError`` past ``timeout`` seconds
        of running time and ``pebble.ProcessExpired`` if the worker died."""
        return self._pool.schedule(fn, args=args, timeout=timeout)

    def close(self) -> None:
        """Stop the workers now (a hung check is killed, not waited for)."""
        self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
        self._pool.join(timeout=10)
