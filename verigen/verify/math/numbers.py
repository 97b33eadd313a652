"""The fast path: plain numbers compared exactly with ``fractions.Fraction``, no sympy.

Most final answers are integers, decimals or simple fractions; reading them with one regex
skips the LaTeX grammar entirely, which is where almost all of a check's time goes. The rules
are the same as the symbolic path's (``docs/math.md``): exact, except that a decimal equals a
value it is the rounding of at its own number of digits (``0.333`` is ⅓ to three places, and
``1.0000000000000000001`` is not 1 to nineteen). A decimal with fewer than
``MIN_SIGNIFICANT`` significant digits gets no such tolerance (``0.33`` is not ⅓): a short
decimal is as likely a different exact answer as a rounding.
"""

from __future__ import annotations

import re
from fractions import Fraction

from verigen.verify.math.options import MathOptions

_NUMBER = re.compile(
    r"(?P<sign>-)?\s*(?:"
    r"\\frac(?:\{(?P<fn>\d{1,30})\}|(?P<fn1>\d))(?:\{(?P<fd>\d{1,30})\}|(?P<fd1>\d))"
    r"|(?P<sn>\d{1,30})\s*/\s*(?P<sd>\d{1,30})|(?P<dec>\d{0,30}\.\d{1,30})|(?P<int>\d{1,30}))",
    re.ASCII,
)
"""An integer, a decimal, ``a/b``, or ``\\frac`` with braced or one-digit parts (``\\frac13``),
optionally negative; matched whole on the stripped answer (``\\s*`` on both sides of an
optional sign backtracks quadratically on a run of spaces). ASCII digits only: the parser
reads no other (``normalize`` rewrites full-width and other scripts' digits first)."""


Reading = tuple[Fraction, int]
"""A plain number and how many decimal places it was written with (0: exact, an integer or
a fraction; ``0.1430`` has 4 places, trailing zero included: the writer claims that digit)."""


def simple_number(latex: str) -> Reading | None:
    """``(value, places)`` for a plain integer, decimal or fraction; else None."""
    m = _NUMBER.fullmatch(latex.strip())
    if m is None:
        return None
    sign = -1 if m["sign"] else 1
    if m["int"] is not None:
        return sign * Fraction(int(m["int"])), 0
    if m["dec"] is not None:
        return sign * Fraction(m["dec"]), len(m["dec"].partition(".")[2])
    if m["sn"] is not None:
        num, den = m["sn"], m["sd"]
    else:
        num, den = m["fn"] or m["fn1"], m["fd"] or m["fd1"]
    if int(den) == 0:
        return None
    return sign * Fraction(int(num), int(den)), 0


MIN_SIGNIFICANT = 3
"""Fewest significant digits a decimal needs to count as a rounding of an exact value."""


def numbers_equal(gold: Reading, pred: Reading, opts: MathOptions) -> bool:
    """Exact equality; or, when a side was written as a decimal, that decimal is the other
    value rounded at its own places (of two decimals, the one with fewer places is the other
    rounded); or, only when the ``rel_tol`` knob is set, within it."""
    (g, g_places), (p, p_places) = gold, pred
    if g == p:
        return True
    if not (g_places or p_places):
        return False
    if within_knob(g, p, opts):
        return True
    if g_places and p_places:
        (short, short_places), (long, _) = sorted((gold, pred), key=lambda r: r[1])
        return rounds_to(short, short_places, long)
    return rounds_to(g, g_places, p) if g_places else rounds_to(p, p_places, g)


def within_knob(a: Fraction, b: Fraction, opts: MathOptions) -> bool:
    """The optional extra tolerance (``rel_tol``/``abs_tol``, off by default)."""
    if not (opts.rel_tol or opts.abs_tol):
        return False
    scale = max(abs(a), abs(b))
    return abs(a - b) <= max(Fraction(opts.rel_tol) * scale, Fraction(opts.abs_tol))


def shortest_places(value: Fraction) -> int:
    """Places of the shortest decimal writing a decimal's value (its denominator is
    ``2^a 5^b``: the places are ``max(a, b)``): 0.250 has 2."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    return max(twos, fives)


def significant(decimal: Fraction, places: int) -> int:
    """Significant digits of ``decimal`` written with ``places`` places (0.1430: 4)."""
    scaled = abs(decimal.numerator) * 10**places // decimal.denominator
    return len(str(scaled)) if scaled else 0


def rounds_to(decimal: Fraction, places: int, value: Fraction) -> bool:
    """Whether ``decimal``, written with ``places`` places, is ``value`` rounded there (with
    at least ``MIN_SIGNIFICANT`` significant digits; an integer is exact)."""
    if places == 0 or significant(decimal, places) < MIN_SIGNIFICANT:
        return False
    return abs(decimal - value) <= Fraction(1, 2 * 10**places)


def percent_readings(value: Reading, opts: MathOptions) -> list[Reading]:
    """The values a percentage ``X\\%`` may be matched against under the percent policy."""
    number, places = value
    as_value = (number / 100, places + 2 if places else 0)
    return [as_value] if opts.percent == "value" else [value, as_value]
