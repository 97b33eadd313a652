"""The fast path: plain numbers compared exactly with ``fractions.Fraction``, no sympy.

Most final answers are integers, decimals or simple fractions; reading them with one regex
skips the LaTeX grammar entirely, which is where almost all of a check's time goes. The rules
are the same as the symbolic path's (``docs/math.md``): exact unless a side is a decimal
approximation, then ``rel_tol``.
"""

from __future__ import annotations

import re
from fractions import Fraction

from verigen.verify.math.options import MathOptions

_NUMBER = re.compile(
    r"^\s*(?P<sign>-)?\s*(?:"
    r"\\frac(?:\{(?P<fn>\d{1,30})\}|(?P<fn1>\d))(?:\{(?P<fd>\d{1,30})\}|(?P<fd1>\d))"
    r"|(?P<sn>\d{1,30})\s*/\s*(?P<sd>\d{1,30})|(?P<dec>\d{0,30}\.\d{1,30})|(?P<int>\d{1,30}))\s*$"
)
"""An integer, a decimal, ``a/b``, or ``\\frac`` with braced or one-digit parts (``\\frac13``),
optionally negative."""


def simple_number(latex: str) -> tuple[Fraction, bool] | None:
    """``(value, approximate)`` for a plain integer, decimal or fraction; else None."""
    m = _NUMBER.match(latex)
    if m is None:
        return None
    sign = -1 if m["sign"] else 1
    if m["int"] is not None:
        return sign * Fraction(int(m["int"])), False
    if m["dec"] is not None:
        return sign * Fraction(m["dec"]), True
    if m["sn"] is not None:
        num, den = m["sn"], m["sd"]
    else:
        num, den = m["fn"] or m["fn1"], m["fd"] or m["fd1"]
    if int(den) == 0:
        return None
    return sign * Fraction(int(num), int(den)), False


def numbers_equal(
    gold: tuple[Fraction, bool], pred: tuple[Fraction, bool], opts: MathOptions
) -> bool:
    """Exact equality, or relative tolerance when either side was written as a decimal."""
    (g, g_approx), (p, p_approx) = gold, pred
    if not (g_approx or p_approx):
        return g == p
    scale = max(abs(g), abs(p))
    return abs(g - p) <= max(Fraction(opts.rel_tol) * scale, Fraction(opts.abs_tol))


Reading = tuple[Fraction, bool]
"""A plain number and whether it was written as a decimal (an approximation)."""


def percent_readings(value: Reading, opts: MathOptions) -> list[Reading]:
    """The values a percentage ``X\\%`` may be matched against under the percent policy."""
    number, approx = value
    as_value = (number / 100, approx)
    return [as_value] if opts.percent == "value" else [value, as_value]
