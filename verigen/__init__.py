"""verigen: verified synthetic training data for code and math.

The public surface, checked by ``tests/test_public_api.py``::

    import verigen
    report = verigen.generate("configs/math.yaml")            # what `verigen generate` does
    with verigen.MathVerifier(verigen.MathOptions()) as mv:   # symbolic answer checks
        mv.check("\\\\frac{1}{2}", "0.5")
    with verigen.CodeVerifier(verigen.CodeOptions()) as cv:   # sandboxed tests
        cv.verify([solution], tests, entry_point="f")

Every part but the records and errors loads on first use (``__getattr__``), so ``import
verigen`` stays cheap for reward functions, ``datasets.map`` workers and the command line, which
each need one part.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

from verigen.errors import VerigenError
from verigen.records import Attempt, Domain, Outcome, Problem, Provenance, Usage, Verdict

if TYPE_CHECKING:
    from verigen.api import generate
    from verigen.config import RunConfig, load_config
    from verigen.verify.code import CodeOptions, CodeVerifier
    from verigen.verify.math import MathOptions, MathVerifier

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

_LAZY = {
    "generate": "verigen.api",
    "RunConfig": "verigen.config",
    "load_config": "verigen.config",
    "CodeOptions": "verigen.verify.code",
    "CodeVerifier": "verigen.verify.code",
    "MathOptions": "verigen.verify.math",
    "MathVerifier": "verigen.verify.math",
}


class CallablePackage(types.ModuleType):
    """The module type of the ``verigen.generate`` package: calling it is calling
    ``verigen.api.generate``.

    The public function and the generate stage share the name ``verigen.generate``, and
    importing any ``verigen.generate.*`` module (running a pipeline does) sets this package's
    attribute to the subpackage for good; ``verigen.generate("run.yaml")`` must keep working
    whichever import came first. The subpackage's own names stay where they are."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from verigen.api import generate as run

        return run(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'verigen' has no attribute {name!r}")
