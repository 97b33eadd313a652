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
    """Hard wall-clock limit per check, enforced by killing the worker process. A check past
    it is run once more with ``retry_factor`` times the limit (a loaded machine is not a wrong
    answer); past that too, the verdict is ``infra_error`` with reason ``unverifiable``."""

    retry_factor: float = 4.0
    """How much longer the second try of a check that ran out of time may run."""

    fallback_last_expression: bool = True
    """With no ``\\boxed{}``, "final answer is" or "Answer:" anchor, take the last math item of
    the text. Off: such texts are rejected with ``no_answer`` (stricter about format)."""

    plain_text_math: bool = True
    """Count numbers and arithmetic written outside LaTeX (``2/3``, ``1,000.99``) as math items.
    Off: only LaTeX environments and boxes are answers (Math-Verify's ``latex``-only mode)."""

    rel_tol: float = 0.0
    """Extra relative tolerance for a side written as a decimal, off by default (a false-accept
    risk). Without it a decimal equals an exact value only when it is that value rounded at
    its own digits (``0.333`` for 1/3, ``3.1416`` for pi; not ``0.33``, not a 20-digit decimal
    that differs at digit 20). Exact values always compare exactly: 1/2^99 != 1/2^98."""

    abs_tol: float = 0.0
    """Extra absolute tolerance, with ``rel_tol``, for a decimal compared with exact zero."""

    percent: PercentPolicy = "lenient"
    """``28\\%`` against a bare number: ``lenient`` accepts both 28 and 0.28, ``value`` only
    0.28, ``exact`` requires the pred to carry the percent sign too (or to be 28%'s value
    written as a percent)."""

    strict_variables: bool = True
    """``x=1`` and ``y=1`` differ, and ``f(x)`` differs from ``f(y)``. Off: variables are
    renamed by position before comparing."""

    pred_relation_as_set: bool = True
    """When the gold is a set or interval, also accept a relation in one unknown that
    describes the same real set (``-2 \\le x \\le 7`` for ``[-2, 7]``): the same answer in
    another notation. Off, as upstream's ``allow_set_relation_comp`` default, a gold in
    interval notation demands interval notation. The reverse (gold relation, pred interval)
    is always accepted."""

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
        if not 1 <= self.retry_factor <= 100:
            raise ValueError(f"retry_factor must be in [1, 100], got {self.retry_factor}")
        if self.rel_tol < 0 or self.abs_tol < 0:
            raise ValueError("tolerances must be non-negative")
        if self.percent not in ("lenient", "value", "exact"):
            raise ValueError(f"percent must be lenient|value|exact, got {self.percent!r}")
        if min(self.max_text_chars, self.max_answer_chars, self.max_nesting) <= 0:
            raise ValueError("size limits must be positive")
