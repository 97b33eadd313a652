"""Untrusted LaTeX to sympy, inside a worker process only, behind size and shape guards.

The parser is ``latex2sympy2_extended``: an ANTLR grammar whose tree visitor builds sympy
objects directly, so model output is never handed to ``eval`` (``sympify``/``parse_expr`` on a
string would be). Guards run first, on the string, and refuse what would make the parser or
later evaluation blow up: macro definitions, deep nesting, over-long answers; then a walk of
the parsed tree refuses numbers too large to evaluate (exponent towers, huge factorials).
Importing this module is expensive (sympy, ANTLR), which is why only workers do it.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import sympy
from antlr4.atn.PredictionMode import PredictionMode
from antlr4.error.ErrorListener import ErrorListener
from latex2sympy2_extended.latex2sympy2 import (
    NormalizationConfig,
    _Latex2Sympy,
    normalize_latex,
)
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanAtom

from verigen.verify.math.guard import Refused, guard_text

__all__ = ["Refused", "convert", "guard_text", "is_evaluable", "parse_latex"]

_NORMALIZATION = NormalizationConfig(
    basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="none"
)
_MAX_NODES = 4_000
_MAX_LOG10 = 10_000.0
"""Values beyond 1e10000 are never evaluated (exact integers that size get slow): they are
equal only as equal strings or equal trees."""


class _NeedsFullContext(Exception):
    """The fast (SLL) stage hit a syntax error: the input is wrong, or needs full LL context."""


class _Bail(ErrorListener):  # type: ignore[misc]  # antlr4 ships no type information
    def syntaxError(self, *_args: object) -> None:
        raise _NeedsFullContext


_INTEGER = re.compile(r"\d{1,300}")
_DECIMAL = re.compile(r"\d{0,300}\.\d{0,300}")


class _Products(_Latex2Sympy):  # type: ignore[misc]
    """latex2sympy without its mixed-number rule, which adds an integer to any positive
    rational factor after it (``2(1) = 3``, ``2\\left(\\frac{1}{2}\\right) = 5/2``; its
    ``interpret_as_mixed_fractions`` switch is never read). ``normalize`` rewrites a written
    mixed number (``2\\frac{1}{2}``); every other juxtaposition is a product."""

    def convert_postfix_list(self, arr: list[object], i: int = 0) -> object:
        if i >= len(arr):
            raise ValueError("Index out of bounds")
        res = self.convert_postfix(arr[i])
        if isinstance(res, (sympy.Expr, sympy.Matrix)):
            if i == len(arr) - 1:
                return res
            rh = self.convert_postfix_list(arr, i + 1)
            if getattr(res, "is_Matrix", False) or getattr(rh, "is_Matrix", False):
                return self.mat_mul_flat(res, rh)
            return self.mul_flat(res, rh)
        if isinstance(res, list) and len(res) == 1:  # a derivative's d/dx
            if i == len(arr) - 1:
                raise ValueError("Expected expression for derivative")
            return sympy.Derivative(self.convert_postfix_list(arr, i + 1), res[0])
        return res


class _Converter(_Products):
    """latex2sympy, reading plain number tokens without ``sympy.Number(str)``.

    ``sympy.Number("12")`` goes through ``sympify``, i.e. sympy's expression parser, for every
    number token (about a millisecond each). ``Integer(int(...))`` and ``Float(str)`` build the
    same objects (same class, value and precision) directly; anything else takes the original.
    """

    def parse_number(self, text: str) -> sympy.Number:
        digits = text.replace(",", "")
        if _INTEGER.fullmatch(digits):
            return sympy.Integer(int(digits))
        if _DECIMAL.fullmatch(digits) and digits != ".":
            return sympy.Float(digits)
        return super().parse_number(text)


class _SllConverter(_Converter):
    """latex2sympy with ANTLR's SLL prediction: the first stage of two-stage parsing."""

    def create_parser(self, latex_str: str) -> object:
        parser = super().create_parser(latex_str)
        parser._interp.predictionMode = PredictionMode.SLL
        parser.removeErrorListeners()
        parser.addErrorListener(_Bail())
        return parser


def convert(latex: str, reference: bool = False) -> object:
    """latex2sympy's result for ``latex`` (its own normalisation applied), by two-stage parsing.

    ANTLR's SLL prediction ignores the parser's call stack and is several times faster than
    the default LL prediction (most of which is full-context prediction on this ambiguous
    grammar). ANTLR documents that an SLL parse either yields the same tree as LL or reports
    a syntax error, so a syntax error retries with full LL: the result is LL's either way.
    ``reference=True`` is the unmodified library (LL, its own number reading), which
    ``tests/verify/test_math_fast_paths.py`` checks this function against on every case table.
    Raises whatever the parser raises.
    """
    text = normalize_latex(latex, _NORMALIZATION)
    if reference:
        return _Products().parse(text)
    try:
        return _SllConverter().parse(text)
    except _NeedsFullContext:
        return _Converter().parse(text)


@lru_cache(maxsize=512)
def parse_latex(latex: str, reference: bool = False) -> sympy.Basic:
    """Parse normalised LaTeX; raises ``Refused('unparsable')`` when the grammar rejects it.
    ``reference``: see ``convert``."""
    try:
        expr = convert(latex, reference)
    except RecursionError as exc:
        raise Refused("too_deep") from exc
    except Exception as exc:  # the parser raises many types; each means "not math we read"
        raise Refused("unparsable") from exc
    if not isinstance(expr, (sympy.Basic, sympy.MatrixBase)):
        raise Refused("unparsable")
    expr = _imaginary_unit(expr)
    if isinstance(expr, BooleanAtom):  # a relation sympy decided: no longer the answer written
        raise Refused("unparsable")
    return expr


def _imaginary_unit(expr: sympy.Basic) -> sympy.Basic:
    """A free ``i`` is the imaginary unit (both sides get the same reading)."""
    i_symbols = [s for s in getattr(expr, "free_symbols", ()) if str(s) == "i"]
    if not i_symbols:
        return expr
    return _replace(expr, {s: sympy.I for s in i_symbols})


def _replace(expr: sympy.Basic, mapping: dict[sympy.Basic, sympy.Basic]) -> sympy.Basic:
    """``expr.xreplace(mapping)``, but relations are rebuilt unevaluated: rebuilding
    ``Eq(x, {-1 + 2i, -1 - 2i})`` evaluates it to ``False`` (an expression is never a set),
    and two such answers would then be equal whatever their roots."""
    if isinstance(expr, sympy.MatrixBase) or not expr.has(Relational):
        return expr.xreplace(mapping)
    args = [_replace(a, mapping) for a in expr.args]
    if isinstance(expr, Relational):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def is_evaluable(expr: sympy.Basic) -> bool:
    """False when evaluating ``expr`` could take unbounded time or memory."""
    if isinstance(expr, sympy.MatrixBase):
        return expr.rows * expr.cols <= _MAX_NODES and all(is_evaluable(e) for e in expr)
    for nodes, _ in enumerate(sympy.preorder_traversal(expr)):
        if nodes > _MAX_NODES:
            return False
    return _log10_bound(expr) <= _MAX_LOG10


_MAX_TERMS = 10_000


def _many_terms(expr: sympy.Sum | sympy.Product) -> bool:
    """A finite sum or product over more than ``_MAX_TERMS`` terms (``\\sum_{k=1}^{10^9}``):
    summing it term by term is unbounded work (infinite series are left to sympy's closed
    forms)."""
    for _var, low, high in expr.limits:
        span = high - low
        if span.is_number and span.is_finite and abs(float(span)) > _MAX_TERMS:
            return True
    return False


def _log10_bound(
    expr: sympy.Basic, depth: int = 0, bounds: dict[sympy.Basic, float] | None = None
) -> float:
    """An upper bound of log10|expr| read from the tree, without evaluating any power.

    ``bounds`` gives the bound of each sum or product index in scope (``k^k`` under
    ``\\prod_{k=1}^{5000}`` is up to 5000^5000); a free symbol counts as at most 1."""
    if depth > 40:
        return math.inf
    bounds = bounds or {}
    if isinstance(expr, sympy.Number):
        return _number_log10(expr)
    if isinstance(expr, sympy.Symbol):
        return bounds.get(expr, 0.0)
    if isinstance(expr, (sympy.Sum, sympy.Product)):
        if _many_terms(expr):
            return math.inf
        ranged = _ranged_bound(expr, depth, bounds)
        if ranged is not None:
            return ranged
    args = [_log10_bound(a, depth + 1, bounds) for a in getattr(expr, "args", ())]
    if isinstance(expr, sympy.exp):
        return math.inf if args[0] > 6 else 10 ** args[0]
    if isinstance(expr, sympy.Pow):
        return _power_bound(expr, args[0], args[1])
    if isinstance(expr, sympy.Mul):
        return sum(max(a, -300.0) for a in args)
    if isinstance(expr, (sympy.factorial, sympy.factorial2, sympy.gamma, sympy.binomial)):
        top = max(args)
        return math.inf if top > 6 else 10**top * max(top, 1.0)
    if not args:
        return 0.0
    return max(args) + math.log10(len(args))


def _number_log10(number: sympy.Number) -> float:
    """log10|number|, exactly for integers and fractions of any size (no float overflow)."""
    if number.is_Rational:
        if number == 0:
            return -300.0
        return max(math.log10(abs(int(number.p))) - math.log10(int(number.q)), -300.0)
    try:
        value = abs(float(number)) if number.is_finite else math.inf
    except (OverflowError, TypeError):
        return math.inf
    return math.log10(value) if value > 1e-300 else -300.0


def _power_bound(power: sympy.Pow, base: float, exponent: float) -> float:
    """log10|b^e| <= |e| * |log10 b|, with the exact logarithm of a numeric base (a tower
    ``2^{2^{2^2}}`` is 65536, not a bound compounded at each level); a base that is not a
    number may be below one, so its bound counts as at least 1."""
    if exponent > 6:
        return math.inf
    if isinstance(power.base, sympy.Number) and power.base != 0:
        scale = abs(_number_log10(power.base))
    else:
        scale = max(abs(base), 1.0)
    if isinstance(power.exp, sympy.Number):
        return abs(float(power.exp)) * scale
    return 10**exponent * scale


def _ranged_bound(
    expr: sympy.Sum | sympy.Product, depth: int, bounds: dict[sympy.Basic, float]
) -> float | None:
    """A finite sum or product over numeric ranges: its terms bounded with each index at
    the largest end of its range, times the number of terms. None for other limits."""
    inner = dict(bounds)
    count = 1.0
    for var, low, high in expr.limits:
        span = high - low
        if not (span.is_number and span.is_finite):
            return None
        inner[var] = max(_log10_bound(end, depth + 1, bounds) for end in (low, high))
        count *= abs(float(span)) + 1
    term = _log10_bound(expr.function, depth + 1, inner)
    if isinstance(expr, sympy.Sum):
        return term + math.log10(count)
    return count * max(term, 0.0)
