"""A verifier that starts on first use in the process that uses it, and pickles without it.

TRL may call reward functions off the main thread and pickle them, ``datasets.map`` sends its
callable to worker processes, and verl calls rewards inside Ray workers: each copy must open its
own worker pool (a pool's processes and pipes cannot cross a pickle), and only once, however
many threads call it.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any, ClassVar, Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


V = TypeVar("V", bound=_Closable)


class LazyVerifier(Generic[V]):
    """Subclasses set ``make`` (the verifier class) and call ``verifier()`` when they need it."""

    make: ClassVar[Any]
    """Called as ``make(options, workers)``; a class, so pickling the subclass stays possible."""

    def __init__(self, options: Any, workers: int) -> None:
        self.options = options
        self.workers = workers
        self._verifier: V | None = None
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_verifier"] = None
        state["_starting"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def verifier(self) -> V:
        with self._lock:
            if self._verifier is None:
                verifier: V = type(self).make(self.options, self.workers)
                weakref.finalize(self, verifier.close)
                self._verifier = verifier
            return self._verifier

    def start(self) -> None:
        """Build the verifier and open its workers on a background thread, now: a command that
        reads a large input meanwhile finds them warm. A failure is left for the first real use
        to raise, exactly as without this call."""

        def opening() -> None:
            with contextlib.suppress(Exception):
                self.opened(self.verifier())

        self._starting = threading.Thread(target=opening, name="verigen-start", daemon=True)
        self._starting.start()

    def opened(self, verifier: V) -> None:
        """Open what ``verifier`` opens lazily (its sandbox pool); called by ``start``."""

    def close(self) -> None:
        if self._starting is not None:  # what it opens is closed below, not left behind
            self._starting.join()
            self._starting = None
        with self._lock:
            if self._verifier is not None:
                self._verifier.close()
                self._verifier = None
