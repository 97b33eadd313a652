"""verigen: verified synthetic training data for code and math.

The public surface, checked by ``tests/test_public_api.py``::

    import verigen
    report = verigen.generate("configs/math.yaml")            # what `verigen generate` does
    with verigen.MathVerifier(verigen.MathOptions()) as mv:   # symbolic answer checks
        mv.check("\\\\frac{1}{2}", "0.5")
    with verigen.CodeVerifier(verigen.CodeOptions()) as cv:   # sandboxed tests
        cv.verify([solution], tests, entry_point="f")

Heavier parts (the code verifier and its sandbox) load on first use, so ``import verigen`` stays
cheap for reward functions and ``datasets.map`` workers that only need one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verigen.api import generate
from verigen.config import RunConfig, load_config
from verigen.errors import VerigenError
from verigen.records import Attempt, Domain, Outcome, Problem, Provenance, Usage, Verdict
from verigen.verify.math import MathOptions, MathVerifier

if TYPE_CHECKING:
    from verigen.verify.code import CodeOptions, CodeVerifier

__version__ = "0.1.0"

__all__ = [
    "Attempt",
    "CodeOptions",
    "CodeVerifier",
    "Domain",
    "MathOptions",
    "MathVerifier",
    "Outcome",
    "Problem",
    "Provenance",
    "RunConfig",
    "Usage",
    "Verdict",
    "VerigenError",
    "__version__",
    "generate",
    "load_config",
]

_LAZY = {"CodeOptions": "verigen.verify.code", "CodeVerifier": "verigen.verify.code"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'verigen' has no attribute {name!r}")
