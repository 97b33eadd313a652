"""Math answer verification: extraction, symbolic equivalence that never hangs, and voting.

::

    with MathVerifier(MathOptions(), workers=2) as mv:
        verdict = mv.check(gold, pred)          # gold/pred: bare answers or whole solutions
        vote = mv.vote(samples, min_share=0.5)  # agreement when there is no reference

Importing this package is cheap and has no side effects: sympy and the LaTeX parser are only
imported inside worker processes. The policy for ambiguous cases is in ``docs/math.md``.
"""

from __future__ import annotations

import atexit
import threading

from verigen.records import Verdict
from verigen.verify.math.extract import Extraction, extract_answer
from verigen.verify.math.options import MathOptions
from verigen.verify.math.verifier import VERIFIER_VERSION, MathVerifier
from verigen.verify.math.vote import Vote

__all__ = [
    "VERIFIER_VERSION",
    "Extraction",
    "MathOptions",
    "MathVerifier",
    "Vote",
    "check",
    "extract_answer",
]

_shared: dict[MathOptions, MathVerifier] = {}
_lock = threading.Lock()


def check(gold: str, pred: str, options: MathOptions | None = None) -> Verdict:
    """One-off check through a lazily started, process-wide verifier (one worker per options
    value, stopped at interpreter exit). For batches, own a ``MathVerifier`` instead."""
    opts = options or MathOptions()
    with _lock:
        verifier = _shared.get(opts)
        if verifier is None:
            if not _shared:
                atexit.register(_close_shared)
            verifier = _shared[opts] = MathVerifier(opts, workers=1)
    return verifier.check(gold, pred)


def _close_shared() -> None:
    with _lock:
        for verifier in _shared.values():
            verifier.close()
        _shared.clear()
