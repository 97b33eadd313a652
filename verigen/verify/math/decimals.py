"""Numbers with decimals, on the symbolic path (runs in a worker process).

The rule is ``numbers.py``'s: a decimal equals an exact value only if it is that value
rounded at its own written places (with at least ``MIN_SIGNIFICANT`` significant digits);
two decimals are equal when the one with fewer places is the other rounded. Here the values
are sympy trees: a decimal is read back as the exact rational it writes (``1.5`` is 3/2,
so ``10\\sqrt{10.5}`` is exactly ``5\\sqrt{42}``), complex numbers are compared part by part,
and a decimal inside an expression (``0.333\\pi``) allows the relative error of its own
rounding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from decimal import Decimal
from fractions import Fraction

import mpmath
import sympy
from mpmath.libmp import prec_to_dps, to_str

from verigen.verify.math.numbers import (
    MIN_SIGNIFICANT,
    rounds_to,
    shortest_places,
    significant,
    within_knob,
)
from verigen.verify.math.options import MathOptions

WRITTEN_PLACES: ContextVar[Mapping[Fraction, int] | None] = ContextVar(
    "written_places", default=None
)
"""|value| -> decimal places as written, for the decimals of the answers being compared: a
parsed ``Float`` forgets trailing zeros, and ``0.1430`` claims one more digit than ``0.143``."""
_DECIMAL_LITERAL = re.compile(r"(?<![\d.])\d*\.\d+")


def written_places(*latex: str) -> dict[Fraction, int]:
    """The most places each decimal value is written with in these answers."""
    places: dict[Fraction, int] = {}
    for text in latex:
        for literal in _DECIMAL_LITERAL.findall(text):
            value = Fraction(literal)
            places[value] = max(places.get(value, 0), len(literal.partition(".")[2]))
    return places


def _places(decimal: Fraction) -> int:
    written = WRITTEN_PLACES.get() or {}
    return max(shortest_places(decimal), written.get(abs(decimal), 0))


def has_float(expr: sympy.Basic) -> bool:
    return bool(expr.atoms(sympy.Float))


def close(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions) -> bool:
    """Numbers: exactly equal (a decimal read as the exact value it writes), else, part by
    part (real, imaginary), a decimal that is the other side rounded at its own digits."""
    if gold.is_Rational and pred.is_Rational:
        return bool(gold == pred)
    g_exact, p_exact = exact_decimals(gold), exact_decimals(pred)
    if _exactly_equal(g_exact, p_exact):
        return True
    if not (has_float(gold) or has_float(pred)):
        return False
    try:
        parts = list(zip(_re_im(gold), _re_im(pred), strict=True))
        return all(_part_close(g, p, opts) for g, p in parts)
    except (TypeError, ValueError, OverflowError):
        return False


def _exactly_equal(gold: sympy.Expr, pred: sympy.Expr) -> bool:
    return exact_difference(gold, pred) is False


_MAX_DIGITS = 2_000
"""Most digits an exact comparison evaluates at; pairs that would need more are not equal."""


def exact_difference(gold: sympy.Expr, pred: sympy.Expr) -> bool | None:
    """Whether two exact numbers differ: True, False, or None when they cannot be evaluated.

    No tolerance: ``\\sqrt{10^{100}+1}`` and ``10^{50}`` differ by 5e-51. sympy's ``evalf``
    of the difference returns correct digits when it is not zero, and a bare error bound
    (a zero-mantissa Float) when it finds none; it is evaluated at a precision that grows
    with the digits of the numbers written and the size of the values, so that a tiny
    relative difference of large numbers still shows."""
    if gold.is_Rational and pred.is_Rational:
        return bool(gold != pred)
    diff = gold - pred
    if diff == 0:
        return False
    try:
        scale = max(_log10_abs(gold.evalf(30)), _log10_abs(pred.evalf(30)))
        digits = 50 + 2 * math.ceil(_written_digits(diff) + abs(scale))
        if digits > _MAX_DIGITS:
            return None
        return not _vanishes(diff.evalf(digits), scale - digits)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def _written_digits(expr: sympy.Basic) -> float:
    """Decimal digits of all the integers written in ``expr`` (numerators and denominators)."""
    rationals = expr.atoms(sympy.Rational)
    return sum(0.302 * (abs(int(r.p)).bit_length() + int(r.q).bit_length()) for r in rationals)


def _log10_abs(value: sympy.Basic) -> float:
    """log10 of the larger part of an evaluated number; raises ValueError when it is not one."""
    parts = [abs(part) for part in value.as_real_imag()]
    if not all(isinstance(part, sympy.Number) and part.is_finite for part in parts):
        raise ValueError("not a finite number")
    largest = max(parts)
    return -_MAX_DIGITS if largest == 0 else float(mpmath.log10(largest))


def _vanishes(value: sympy.Basic, log10_bound: float) -> bool:
    """An evaluated difference is zero: each part exactly zero, or an error bound with no
    digits (precision of a bit or so) below ``10**log10_bound``."""
    for part in value.as_real_imag():
        if part == 0:
            continue
        if not isinstance(part, sympy.Float) or part._prec > 8:
            return False
        if float(mpmath.log10(abs(part))) > log10_bound:
            return False
    return True


def _re_im(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    real, imag = sympy.re(expr), sympy.im(expr)
    if real.has(sympy.re, sympy.im) or imag.has(sympy.re, sympy.im):
        raise ValueError("not split into real and imaginary parts")
    return real, imag


def _part_close(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions) -> bool:
    g_exact, p_exact = exact_decimals(gold), exact_decimals(pred)
    if _exactly_equal(g_exact, p_exact):
        return True
    if opts.rel_tol or opts.abs_tol:
        g, p = complex(g_exact.evalf(50)), complex(p_exact.evalf(50))
        if abs(g - p) <= max(opts.rel_tol * max(abs(g), abs(p)), opts.abs_tol):
            return True
    g_dec, p_dec = _bare_decimal(gold), _bare_decimal(pred)
    if g_dec is not None and p_dec is not None:
        short, long = sorted((g_dec, p_dec), key=_places)
        return rounds_to(short, _places(short), long) or within_knob(short, long, opts)
    if g_dec is not None and not has_float(pred):
        return _is_rounding(g_dec, pred)
    if p_dec is not None and not has_float(gold):
        return _is_rounding(p_dec, gold)
    tol = _float_tolerance(gold, pred)  # decimals inside expressions (0.333\pi)
    if tol is None:
        return False
    g, p = complex(g_exact.evalf(50)), complex(p_exact.evalf(50))
    return abs(g - p) <= tol * max(abs(g), abs(p))


def _decimal(number: sympy.Float) -> Fraction:
    """The exact value of the shortest decimal that writes ``number`` at its precision."""
    return Fraction(Decimal(to_str(number._mpf_, prec_to_dps(number._prec))))


def _bare_decimal(expr: sympy.Expr) -> Fraction | None:
    return _decimal(expr) if isinstance(expr, sympy.Float) else None


def exact_decimals(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each decimal replaced by the exact rational it writes (1.5 -> 3/2)."""
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    exact = [(f, _decimal(f)) for f in floats]
    return expr.xreplace({f: sympy.Rational(d.numerator, d.denominator) for f, d in exact})


def _is_rounding(decimal: Fraction, value: sympy.Expr) -> bool:
    """Whether ``decimal`` is the exact ``value`` rounded at the decimal's own places."""
    places = _places(decimal)
    if value.is_Rational:
        return rounds_to(decimal, places, Fraction(int(value.p), int(value.q)))
    if places == 0 or significant(decimal, places) < MIN_SIGNIFICANT:
        return False
    exact = sympy.Rational(decimal.numerator, decimal.denominator)
    distance = sympy.Abs(exact - value).evalf(places + 30)
    return bool(distance <= sympy.Rational(1, 2 * 10**places))


def _float_tolerance(*exprs: sympy.Basic) -> float | None:
    """Relative tolerance the decimals inside expressions allow: half a unit in the last
    significant digit of the least precise one; None when one is too short to be a rounding
    (fewer than ``MIN_SIGNIFICANT`` digits) or no decimal has a fractional part."""
    decimals = [_decimal(f) for e in exprs for f in e.atoms(sympy.Float)]
    inexact = [significant(d, _places(d)) for d in decimals if _places(d) > 0]
    if not inexact or min(inexact) < MIN_SIGNIFICANT:
        return None
    return 0.5 * 10.0 ** (1 - min(inexact))


def probe_tolerance(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions) -> float | None:
    """The relative tolerance for probing expressions; None (exact) when no decimal in them
    is a rounding and no ``rel_tol`` is set."""
    tol = max(_float_tolerance(gold, pred) or 0.0, opts.rel_tol)
    return tol or None
