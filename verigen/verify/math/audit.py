"""The self-audit: run Math-Verify (the optional ``audit`` extra) on the same pairs.

Only the CLI's ``--audit`` flag and ``bench/math_check.py`` import this module, and Math-Verify
itself is imported only inside worker processes, where its SIGALRM timeout works (each task
runs on a worker's main thread) and where our own hard limit still applies on top of it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from verigen.errors import ConfigError

INSTALL_HINT = "math-verify is not installed: pip install 'verigen[audit]'"


def require_math_verify() -> None:
    """Raise ``ConfigError`` with the install command when the extra is missing."""
    if importlib.util.find_spec("math_verify") is None:
        raise ConfigError(INSTALL_HINT)


def math_verify_equal(gold: str, pred: str, config: dict[str, Any] | None = None) -> bool:
    """Math-Verify's judgement; ``config`` is an upstream test-harness config (``mode``,
    ``match_types``, ``precision``, ``strict``, ``allow_set_relation_comp``) or None for its
    library defaults. Runs in a worker process."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    if not config or config.get("mode") == "default":
        return bool(verify(parse(gold), parse(pred)))
    targets = [
        LatexExtractionConfig(boxed_match_priority=0) if kind == "latex" else ExprExtractionConfig()
        for kind in config.get("match_types", ["latex", "expr"])
    ]
    return bool(
        verify(
            parse(gold, targets),
            parse(pred, targets),
            float_rounding=config.get("precision", 6),
            strict=config.get("strict", True),
            allow_set_relation_comp=config.get("allow_set_relation_comp", False),
        )
    )


def warm_math_verify() -> None:
    """Worker initializer for audit pools: import Math-Verify before the first timed task."""
    math_verify_equal("$\\frac{1}{2}$", "0.5")
