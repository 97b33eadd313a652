"""The strictness knobs of the math verifier, in one frozen, picklable record.

The defaults are the policy documented in ``docs/math.md``; every knob that makes the checker
more lenient is a false-accept risk and every knob that makes it stricter is a false-reject
risk, so each field says which way it leans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PercentPolicy = Literal["lenient", "value", "exact"]


@dataclass(frozen=True)
class MathOptions:
    """How answers are extracted and when two answers count as equal."""

    timeout_s: float = 2.0
    """Hard wall-clock limit per check, enforced by killing the worker process; over it the
    verdict is rejected with reason ``timeout``."""

    fallback_last_expression: bool = True
    """With no ``\\boxed{}``, "final answer is" or "Answer:" anchor, take the last math item of
    the text. Off: such texts are rejected with ``no_answer`` (stricter about format)."""

    plain_text_math: bool = True
    """Count numbers and arithmetic written outside LaTeX (``2/3``, ``1,000.99``) as math items.
    Off: only LaTeX environments and boxes are answers (Math-Verify's ``latex``-only mode)."""

    rel_tol: float = 1e-6
    """Relative tolerance, applied only when one side is a decimal approximation (a float).
    Exact values (integers, fractions, radicals) are compared exactly, so 1/2^99 != 1/2^98."""

    abs_tol: float = 1e-12
    """Absolute tolerance for a float compared with exact zero, where relative tolerance is
    meaningless."""

    percent: PercentPolicy = "lenient"
    """``28\\%`` against a bare number: ``lenient`` accepts both 28 and 0.28, ``value`` only
    0.28, ``exact`` requires the pred to carry the percent sign too (or to be 28%'s value
    written as a percent)."""

    strict_variables: bool = True
    """``x=1`` and ``y=1`` differ, and ``f(x)`` differs from ``f(y)``. Off: variables are
    renamed by position before comparing."""

    pred_relation_as_set: bool = False
    """When the gold is a set or interval, also accept a relation (``-2 \\le x \\le 7`` for
    ``[-2, 7]``). The reverse (gold relation, pred interval) is always accepted."""

    max_text_chars: int = 30_000
    """Only the last this many characters of a solution are searched for an answer: the final
    answer is at the end, and a bounded scan keeps hostile 100 kB inputs cheap."""

    max_answer_chars: int = 2_000
    """An extracted answer longer than this is refused (``answer_too_long``), never parsed."""

    max_nesting: int = 40
    """Bracket depth over which an answer is refused (``too_deep``) instead of parsed."""

    numeric_probes: int = 6
    """Random points at which two symbolic expressions with free variables are evaluated
    before falling back to ``simplify``."""

    def __post_init__(self) -> None:
        if not 0 < self.timeout_s <= 600:
            raise ValueError(f"timeout_s must be in (0, 600], got {self.timeout_s}")
        if self.rel_tol < 0 or self.abs_tol < 0:
            raise ValueError("tolerances must be non-negative")
        if self.percent not in ("lenient", "value", "exact"):
            raise ValueError(f"percent must be lenient|value|exact, got {self.percent!r}")
        if min(self.max_text_chars, self.max_answer_chars, self.max_nesting) <= 0:
            raise ValueError("size limits must be positive")
