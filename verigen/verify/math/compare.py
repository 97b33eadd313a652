"""Equivalence of two parsed answers, family by family (runs in a worker process).

Each family has one rule, documented in ``docs/math.md``: numbers compare exactly, a decimal
being equal to what it is the rounding of at its own digits (``numbers.py``); expressions by
expansion, then numeric probing at seeded random points, then ``simplify``; equations by
proportional difference; inequalities by positive proportional difference; sets by one-to-one
matching; tuples, intervals and matrices element by element in order; a set never equals a
tuple or an interval. Returns the rule that decided, for the verdict's details.
"""

from __future__ import annotations

import math
import random
from itertools import permutations

import sympy
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanAtom

from verigen.verify.math.decimals import (
    close,
    exact_decimals,
    exact_difference,
    probe_tolerance,
)
from verigen.verify.math.options import MathOptions
from verigen.verify.math.parse import is_evaluable

Result = tuple[bool, str]
_REL_TYPES: dict[type, tuple[bool, int]] = {
    sympy.StrictGreaterThan: (True, 1),
    sympy.GreaterThan: (False, 1),
    sympy.StrictLessThan: (True, -1),
    sympy.LessThan: (False, -1),
}


def equivalent(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> Result:
    """Whether ``pred`` equals ``gold``; not symmetric only where the policy says so."""
    gold, pred = _derivation(_doit(gold)), _derivation(_doit(pred))
    if _undefined(gold) or _undefined(pred):
        return False, "undefined"
    if isinstance(gold, BooleanAtom) or isinstance(pred, BooleanAtom):
        return False, "decided_relation"  # what was written is gone: never equal as structure
    if not opts.strict_variables:
        pred = _rename_like(pred, gold)
    if gold == pred:
        return True, "structural"
    g_assign, p_assign = _assignment(gold), _assignment(pred)
    if p_assign is not None and _is_relation(gold) and isinstance(p_assign[1], sympy.Set):
        return equivalent(gold, p_assign[1], opts)
    if g_assign is not None and _is_relation(pred) and isinstance(g_assign[1], sympy.Set):
        return equivalent(g_assign[1], pred, opts)
    if g_assign is not None and p_assign is not None:
        if _same_label(g_assign[0], p_assign[0], opts):
            return _tag(equivalent(g_assign[1], p_assign[1], opts), "assignment")
        return False, "different_variable"
    if g_assign is not None and not _is_relation(pred):
        return equivalent(g_assign[1], pred, opts)
    if p_assign is not None and not _is_relation(gold):
        return equivalent(gold, p_assign[1], opts)
    if _is_relation(gold) and _is_relation(pred):
        if _relations(gold, pred, opts):
            return True, "relation"
        return _same_solutions(gold, pred, opts), "solution_set"
    if _is_relation(gold) and isinstance(pred, sympy.Set) and _settable(gold):
        return _tag(equivalent(_as_set(gold), pred, opts), "relation_as_set")
    relation_for_set = opts.pred_relation_as_set and isinstance(gold, sympy.Set)
    if relation_for_set and _is_relation(pred) and _settable(pred):
        return _tag(equivalent(gold, _as_set(pred), opts), "relation_as_set")
    if _is_relation(gold) or _is_relation(pred):
        return False, "relation_vs_value"
    g_union = _disjunction(gold) if _is_region(pred) else None
    if g_union is not None:
        return _tag(equivalent(g_union, pred, opts), "disjunction")
    p_union = _disjunction(pred) if _is_region(gold) and opts.pred_relation_as_set else None
    if p_union is not None:
        return _tag(equivalent(gold, p_union, opts), "disjunction")
    return _containers(gold, pred, opts)


def _tag(result: Result, rule: str) -> Result:
    return result[0], f"{rule}:{result[1]}"


def _containers(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> Result:
    if isinstance(gold, sympy.MatrixBase) or isinstance(pred, sympy.MatrixBase):
        return _matrices(gold, pred, opts), "matrix"
    g_seq, p_seq = _sequence(gold), _sequence(pred)
    if g_seq is not None and p_seq is not None:
        return _ordered(g_seq, p_seq, opts), "ordered"
    if isinstance(gold, sympy.FiniteSet) and isinstance(pred, sympy.FiniteSet):
        return _unordered(_elements(gold), _elements(pred), opts), "set"
    if _set_vs_sequence(gold, pred) or _set_vs_sequence(pred, gold):
        return False, "set_vs_tuple"
    if isinstance(gold, sympy.Set) or isinstance(pred, sympy.Set):
        return _sets(gold, pred, opts), "set_algebra"
    if isinstance(gold, sympy.Tuple) or isinstance(pred, sympy.Tuple):
        return False, "tuple_vs_value"
    return _scalars(gold, pred, opts)


def _doit(expr: sympy.Basic) -> sympy.Basic:
    """Evaluate unevaluated matrix arithmetic and sums; never relations (Eq(x, S) -> False)."""
    if not isinstance(expr, (sympy.Expr, sympy.MatrixBase)) or not is_evaluable(expr):
        return expr
    try:
        done = expr.doit()
    except Exception:  # doit on odd trees (unevaluated sums of matrices) may raise anything
        return expr
    return done if isinstance(done, (sympy.Expr, sympy.MatrixBase)) else expr


def _derivation(expr: sympy.Basic) -> sympy.Basic:
    """``\\frac{1}{2} = 0.5`` with no variables is a computation: its answer is the right side."""
    if isinstance(expr, sympy.Eq) and not expr.free_symbols:
        return expr.rhs
    return expr


def _undefined(expr: sympy.Basic) -> bool:
    return isinstance(expr, sympy.Expr) and bool(expr.has(sympy.nan, sympy.zoo, sympy.oo * 0))


def _rename_like(pred: sympy.Basic, gold: sympy.Basic) -> sympy.Basic:
    p_syms = sorted(getattr(pred, "free_symbols", ()), key=str)
    g_syms = sorted(getattr(gold, "free_symbols", ()), key=str)
    if len(p_syms) != len(g_syms) or not p_syms:
        return _rename_functions(pred, gold)
    return _rename_functions(pred.xreplace(dict(zip(p_syms, g_syms, strict=True))), gold)


def _rename_functions(pred: sympy.Basic, gold: sympy.Basic) -> sympy.Basic:
    p_fns = sorted(pred.atoms(sympy.core.function.AppliedUndef), key=str)
    g_fns = sorted(gold.atoms(sympy.core.function.AppliedUndef), key=str)
    if len(p_fns) == len(g_fns) and all(
        len(a.args) == len(b.args) for a, b in zip(p_fns, g_fns, strict=True)
    ):
        return pred.xreplace(dict(zip(p_fns, g_fns, strict=True)))
    return pred


def _is_name(expr: sympy.Basic) -> bool:
    """A label such as ``x``, ``a_3``, ``f(x)``, ``|AB|``, ``A:B``: symbols, no sums or numbers."""
    if isinstance(expr, (sympy.Symbol, sympy.core.function.AppliedUndef, sympy.Indexed)):
        return True
    if isinstance(expr, sympy.Abs):
        return _is_name(expr.args[0])
    if isinstance(expr, sympy.Pow):
        return _is_name(expr.base) and (expr.exp in (1, -1) or _primes(expr.exp))
    if isinstance(expr, sympy.Mul):
        return all(_is_name(a) for a in expr.args)
    if isinstance(expr, sympy.Tuple):
        return all(_is_name(a) for a in expr.args) and len(expr.args) > 0
    return False


def _primes(exp: sympy.Basic) -> bool:
    """``f'(x)``, ``y''``: the parser reads primes as a power of the symbol ``prime``."""
    marks = exp.args if isinstance(exp, sympy.Mul) else (exp,)
    return all(
        (isinstance(m, sympy.Symbol) and m.name == "prime")
        or (isinstance(m, sympy.Pow) and m.exp.is_Integer and _primes(m.base))
        for m in marks
    )


def _assignment(expr: sympy.Basic) -> tuple[sympy.Basic, sympy.Basic] | None:
    if isinstance(expr, sympy.Eq) and _is_name(expr.lhs):
        return expr.lhs, expr.rhs
    return None


def _same_label(a: sympy.Basic, b: sympy.Basic, opts: MathOptions) -> bool:
    if a == b or not opts.strict_variables:
        return True
    undef = sympy.core.function.AppliedUndef
    return isinstance(a, undef) and isinstance(b, undef) and a.func == b.func


def _is_relation(expr: sympy.Basic) -> bool:
    if isinstance(expr, Relational):
        return True
    return isinstance(expr, sympy.And) and all(isinstance(a, Relational) for a in expr.args)


def _settable(rel: sympy.Basic) -> bool:
    """Whether ``rel`` describes a real set (one unknown, solvable): else a relation stays a
    relation, and comparing it with a set again would never end."""
    return not _is_relation(_as_set(rel))


def _as_set(rel: sympy.Basic) -> sympy.Basic:
    """A relation in one unknown as the real set it describes (``f(x)`` counts as an unknown)."""
    bounds = interval_of(rel)
    if bounds is not None:
        return bounds
    real: dict[sympy.Basic, sympy.Basic] = {
        s: sympy.Dummy(str(s), real=True)
        for s in rel.atoms(sympy.Symbol, sympy.core.function.AppliedUndef)
    }
    try:
        return rel.xreplace(real).as_set()
    except Exception:  # as_set raises NotImplementedError and others for multivariate input
        return rel


def _is_region(expr: sympy.Basic) -> bool:
    """An interval, a union of them, a complement: a set that is not a list of elements."""
    return isinstance(expr, sympy.Set) and not isinstance(expr, sympy.FiniteSet)


def _disjunction(expr: sympy.Basic) -> sympy.Set | None:
    """``x < 1 \\text{ or } x > 2``, read as a list of relations, as the union of their
    solution sets; None unless it is a list of inequalities in one unknown, cheap to solve."""
    if not isinstance(expr, sympy.FiniteSet) or len(expr.args) < 2:
        return None
    parts = _elements(expr)
    if not all(_cheap_to_solve(p) for p in parts) or len(expr.free_symbols) != 1:
        return None
    sets = [_as_set(p) for p in parts]
    return sympy.Union(*sets) if all(isinstance(s, sympy.Set) for s in sets) else None


def _same_solutions(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> bool:
    """Inequalities in the same one unknown with the same non-empty real solution set
    (``-3 < x < 3`` and ``|x| < 3``). Only for inequalities: equations with no real root
    (``x^2 = -1``, ``x^4 = -2``) would all be equal as sets."""
    if not (_cheap_to_solve(gold) and _cheap_to_solve(pred)):
        return False
    if gold.free_symbols != pred.free_symbols or len(gold.free_symbols) != 1:
        return False
    g_set, p_set = _as_set(gold), _as_set(pred)
    if not (isinstance(g_set, sympy.Set) and isinstance(p_set, sympy.Set)):
        return False
    return g_set.is_empty is False and equivalent(g_set, p_set, opts)[0]


_CHEAP_RELATION_TERMS = 20
_MAX_SOLVE_DEGREE = 6


def _cheap_to_solve(rel: sympy.Basic) -> bool:
    """An inequality (or a conjunction with one) in one unknown whose solution sympy finds
    quickly: polynomial or rational in the unknown and its absolute value, few terms."""
    if not _is_relation(rel) or len(rel.free_symbols) != 1:
        return False
    parts = list(rel.args) if isinstance(rel, sympy.And) else [rel]
    if all(isinstance(p, sympy.Eq) for p in parts):
        return False
    if any(not isinstance(f, sympy.Abs) for f in rel.atoms(sympy.Function)):
        return False
    if any(not p.exp.is_Integer or abs(p.exp) > _MAX_SOLVE_DEGREE for p in rel.atoms(sympy.Pow)):
        return False
    return sum(_expansion_size(side) for p in parts for side in p.args) <= _CHEAP_RELATION_TERMS


_STRICT: dict[type, bool] = {
    sympy.StrictLessThan: True,
    sympy.LessThan: False,
    sympy.StrictGreaterThan: True,
    sympy.GreaterThan: False,
}
_BELOW = (sympy.StrictLessThan, sympy.LessThan)


def interval_of(rel: sympy.Basic) -> sympy.Set | None:
    """``x < 3``, ``-2 <= x <= 7``: one symbol against real constants, read as an interval
    directly; the same set as sympy's ``as_set``, which solves the inequality (slowly). None
    for anything else."""
    parts = list(rel.args) if isinstance(rel, sympy.And) else [rel]
    symbols = rel.free_symbols
    if len(symbols) != 1 or rel.atoms(sympy.core.function.AppliedUndef):
        return None
    (x,) = symbols
    sets = []
    for part in parts:
        if type(part) not in _STRICT or x not in (part.lhs, part.rhs):
            return None
        const = part.rhs if part.lhs == x else part.lhs
        if const.free_symbols or not is_evaluable(const) or const.is_real is not True:
            return None
        strict = _STRICT[type(part)]
        if (part.lhs == x) == isinstance(part, _BELOW):  # x < c, or c > x
            sets.append(sympy.Interval(-sympy.oo, const, right_open=strict))
        else:
            sets.append(sympy.Interval(const, sympy.oo, left_open=strict))
    return sympy.Intersection(*sets) if len(sets) > 1 else sets[0]


def _relation_form(rel: sympy.Basic) -> tuple[str, sympy.Expr]:
    """``a < b`` as ("strict", b - a) meaning b - a > 0; equalities as ("eq", a - b)."""
    if isinstance(rel, sympy.Eq):
        return "eq", rel.lhs - rel.rhs
    if isinstance(rel, sympy.Ne):
        return "ne", rel.lhs - rel.rhs
    strict, sign = _REL_TYPES[type(rel)]
    return ("strict" if strict else "weak"), sign * (rel.lhs - rel.rhs)


def _relations(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> bool:
    g_args = list(gold.args) if isinstance(gold, sympy.And) else [gold]
    p_args = list(pred.args) if isinstance(pred, sympy.And) else [pred]
    if len(g_args) != len(p_args):
        return False
    return (
        any(
            all(_one_relation(g, p, opts) for g, p in zip(g_args, perm, strict=True))
            for perm in permutations(p_args)
        )
        if len(p_args) <= 4
        else False
    )


def _one_relation(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> bool:
    try:
        g_kind, g_expr = _relation_form(gold)
        p_kind, p_expr = _relation_form(pred)
    except KeyError:
        return False
    if g_kind != p_kind:
        return False
    if _scalars(g_expr, p_expr, opts)[0]:
        return True
    ratio = _constant_ratio(g_expr, p_expr)
    if ratio is None or ratio == 0:
        return False
    return g_kind in ("eq", "ne") or bool(ratio > 0)


def _constant_ratio(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr | None:
    if b == 0 or not is_evaluable(a) or not is_evaluable(b):
        return None
    if _expansion_size(a) + _expansion_size(b) > _MAX_EXPANDED_TERMS:
        return None  # cancel expands both
    ratio = sympy.cancel(sympy.together(a / b))
    return ratio if not ratio.free_symbols and ratio.is_finite else None


def _sequence(expr: sympy.Basic) -> list[sympy.Basic] | None:
    if isinstance(expr, sympy.Tuple):
        return list(expr.args)
    if isinstance(expr, sympy.Interval) and expr.left_open and expr.right_open:
        return [expr.start, expr.end]
    return None


def _elements(expr: sympy.FiniteSet) -> list[sympy.Basic]:
    return list(getattr(expr, "_unsorted_args", expr.args))


def listed_as_sequence(
    gold: sympy.Basic, pred: sympy.Basic, pred_latex: str, opts: MathOptions
) -> Result | None:
    """A pred written as a bare list (``1, 3`` or ``{1,3}``, no ``\\{``), which the parser
    reads as a set, against a gold tuple, pair or open interval: the list has no notation of
    its own, so it is compared in its written order. None for anything else (an explicit set
    ``\\{1, 3\\}`` never equals a tuple)."""
    seq = _sequence(gold)
    if seq is None or not isinstance(pred, sympy.FiniteSet) or "\\{" in pred_latex:
        return None
    if "\\pm" in pred_latex or "\\mp" in pred_latex:
        return None  # ``\pm 2`` is a set of two roots, in no written order: never ``(-2, 2)``
    listed = _elements(pred)
    labels = [a[0] for a in map(_assignment, listed) if a is not None]
    if labels and [str(x) for x in labels] != sorted(str(x) for x in labels):
        # ``y = 2, x = 3`` names its values; written out of the tuple's order (x, y) it is
        # no tuple in written order, and guessing the order could accept (2, 3)
        return False, "assignments_out_of_order"
    return _ordered(seq, listed, opts), "list_as_tuple"


def _set_vs_sequence(a: sympy.Basic, b: sympy.Basic) -> bool:
    """A listed set against an ordered pair, tuple or interval: different kinds of answer,
    whatever their elements (``\\{1, 3\\}`` is not ``(1, 3)``)."""
    return isinstance(a, sympy.FiniteSet) and isinstance(b, (sympy.Tuple, sympy.Interval))


def _ordered(gold: list[sympy.Basic], pred: list[sympy.Basic], opts: MathOptions) -> bool:
    return len(gold) == len(pred) and all(
        equivalent(g, p, opts)[0] for g, p in zip(gold, pred, strict=True)
    )


def _unordered(gold: list[sympy.Basic], pred: list[sympy.Basic], opts: MathOptions) -> bool:
    """One-to-one matching: every gold element has its own equal pred element."""
    if len(gold) != len(pred):
        return False
    free = list(pred)
    for g in gold:
        match = next((p for p in free if equivalent(g, p, opts)[0]), None)
        if match is None:
            return False
        free.remove(match)
    return True


def _sets(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> bool:
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Interval):
        return (gold.left_open, gold.right_open) == (pred.left_open, pred.right_open) and _ordered(
            [gold.start, gold.end], [pred.start, pred.end], opts
        )
    if isinstance(gold, sympy.Union) and isinstance(pred, sympy.Union):
        g_args, p_args = list(gold.args), list(pred.args)
        if len(g_args) == len(p_args) and _unordered(g_args, p_args, opts):
            return True
    if isinstance(gold, sympy.Set) and isinstance(pred, sympy.Set):
        try:
            return bool(gold.symmetric_difference(pred).is_empty)
        except Exception:  # set algebra on symbolic endpoints may not decide
            return False
    return False


def _matrices(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> bool:
    if not (isinstance(gold, sympy.MatrixBase) and isinstance(pred, sympy.MatrixBase)):
        return False
    if gold.shape != pred.shape:
        return False
    return all(equivalent(g, p, opts)[0] for g, p in zip(gold, pred, strict=True))


def _scalars(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> Result:
    if not isinstance(gold, sympy.Expr) or not isinstance(pred, sympy.Expr):
        return False, "incomparable"
    if not (is_evaluable(gold) and is_evaluable(pred)):
        return False, "too_large_to_evaluate"
    if not (gold.free_symbols | pred.free_symbols):
        return close(gold, pred, opts), "numeric"
    g_exact, p_exact = exact_decimals(gold), exact_decimals(pred)
    tol = probe_tolerance(gold, pred, opts)
    small = _expansion_size(g_exact) + _expansion_size(p_exact) <= _MAX_EXPANDED_TERMS
    if small:
        diff = sympy.expand(g_exact - p_exact)
        if diff == 0:
            return True, "expand"
        decided = _constant_difference(diff) if tol is None else None
        if decided is not None:
            return decided, "constant_difference"
    probed = _probe(g_exact, p_exact, opts, tol)
    if probed is not None:
        return probed, "probe"
    if not small:
        return False, "too_large_to_simplify"
    try:
        return bool(sympy.simplify(g_exact - p_exact) == 0), "simplify"
    except Exception:  # simplify raises on exotic trees; undecided means not shown equal
        return False, "simplify_failed"


def _constant_difference(diff: sympy.Expr) -> bool | None:
    """An expanded difference with no variable left: equal when it is exactly zero
    (``\\ln 4 - 2\\ln 2``), different for any other number (``x`` and ``x + 10^{-40}``);
    None while a variable is left or the number cannot be evaluated."""
    if diff.free_symbols:
        return None
    differs = exact_difference(diff, sympy.Integer(0))
    return None if differs is None else not differs


_MAX_EXPANDED_TERMS = 200
"""``expand`` costs about a millisecond a term of its result (``(x+1)^{1000}`` takes 3 s):
past this many terms, expressions are compared by probing alone."""


def _expansion_size(expr: sympy.Basic) -> int:
    """An upper bound on the terms ``expand`` makes of ``expr`` and of any part of it
    (``(a+b+c)^n`` has C(n+2, 2) terms), capped just above ``_MAX_EXPANDED_TERMS``."""
    cap = _MAX_EXPANDED_TERMS + 1
    inner = [_expansion_size(a) for a in expr.args]
    if isinstance(expr, sympy.Add):
        size = sum(inner)
    elif isinstance(expr, sympy.Mul):
        size = math.prod(inner)
    elif isinstance(expr, sympy.Pow) and expr.exp.is_Rational and abs(expr.exp) >= 1:
        power = min(math.floor(abs(expr.exp)), cap)
        size = 1 if inner[0] == 1 else math.comb(min(inner[0], cap) + power - 1, power)
    else:
        size = 1 if not inner else max(inner)
    return min(max([size, *inner]), cap)


def radians_to_degrees(expr: sympy.Basic) -> sympy.Basic | None:
    """An angle in radians as degrees (pi/2 -> 90), element-wise in sets and tuples; None for
    anything else (relations, intervals, matrices)."""
    if isinstance(expr, sympy.Expr) and not isinstance(expr, sympy.Tuple):
        return expr * 180 / sympy.pi
    if isinstance(expr, (sympy.FiniteSet, sympy.Tuple)):
        items = [radians_to_degrees(a) for a in expr.args]
        if any(item is None for item in items):
            return None
        return type(expr)(*items)
    return None


def _probe(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions, tol: float | None) -> bool | None:
    """Evaluate both at seeded random points of either sign (``x`` and ``|x|`` differ only
    below zero): any mismatch decides "different". The points are exact rationals, so with no
    decimal written (``tol`` None) the values must be exactly equal (``x`` is not
    ``x + 10^{-30}``); else within ``tol``, at 40 digits. A point below zero counts only where
    both sides are real there: ``\\ln x^3`` and ``3\\ln x`` differ only outside the domain."""
    symbols = sorted(gold.free_symbols | pred.free_symbols, key=str)
    rng = random.Random(_seed(gold, pred))
    agreed = 0
    for attempt in range(opts.numeric_probes * 3):
        point = _point(symbols, rng, below_zero=attempt % 2 == 1)
        try:
            g_at, p_at = gold.xreplace(point), pred.xreplace(point)
            if attempt % 2 and not (_real_domain(g_at) and _real_domain(p_at)):
                continue
            same = _agree_at(g_at, p_at, tol)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            continue
        if same is None:
            continue
        if not same:
            return False
        agreed += 1
        if agreed >= opts.numeric_probes:
            return True
    return None


def _point(
    symbols: list[sympy.Symbol], rng: random.Random, below_zero: bool
) -> dict[sympy.Symbol, sympy.Rational]:
    """Random exact rationals, 0.3 <= |r| <= 2.7: all positive, or (``below_zero``) of
    random signs with at least one negative."""
    signs = [rng.choice((-1, 1)) if below_zero else 1 for _ in symbols]
    if below_zero and symbols and -1 not in signs:
        signs[rng.randrange(len(signs))] = -1
    return {
        s: sympy.Rational(sign * rng.randint(300, 2700), 1000)
        for s, sign in zip(symbols, signs, strict=True)
    }


def _seed(gold: sympy.Expr, pred: sympy.Expr) -> str:
    """The same points for the same pair in every process (``hash`` of a name is salted)."""
    try:
        return f"{gold}|{pred}"
    except ValueError:  # an integer past Python's 4300-digit str limit
        return f"{sympy.count_ops(gold)}|{sympy.count_ops(pred)}"


_MAX_DOMAIN_CHECKS = 40


def _real_domain(value: sympy.Expr) -> bool:
    """Every root, power and function in ``value`` is real: the point is inside the real
    domain (``\\sqrt{x}\\sqrt{y}`` and ``\\sqrt{xy}`` differ only where ``x, y < 0``)."""
    parts = [
        node
        for node in sympy.preorder_traversal(value)
        if isinstance(node, sympy.Function)
        or (isinstance(node, sympy.Pow) and not node.exp.is_Integer)
    ]
    return len(parts) <= _MAX_DOMAIN_CHECKS and all(_real(p) for p in [value, *parts])


def _real(value: sympy.Expr) -> bool:
    """A real number: no imaginary part, or one evaluated as an error bound without digits."""
    imag = value.evalf(15).as_real_imag()[1]
    return bool(imag == 0) or (isinstance(imag, sympy.Float) and imag._prec <= 8)


def _agree_at(gold: sympy.Expr, pred: sympy.Expr, tol: float | None) -> bool | None:
    """Whether two values at one probe point agree; None where either is undefined there."""
    if tol is None:
        differ = exact_difference(gold, pred)
        return None if differ is None else not differ
    g, p = complex(gold.evalf(40)), complex(pred.evalf(40))
    d = abs(complex((gold - pred).evalf(40)))
    if g != g or p != p or abs(g) == float("inf") or abs(p) == float("inf") or d != d:
        return None
    return d <= max(tol * max(abs(g), abs(p)), 1e-25)
