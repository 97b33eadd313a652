"""Equivalence of two parsed answers, family by family (runs in a worker process).

Each family has one rule, documented in ``docs/math.md``: numbers compare exactly unless one
side is a decimal approximation; expressions by expansion, then numeric probing at seeded
random points, then ``simplify``; equations by proportional difference; inequalities by
positive proportional difference; sets by one-to-one matching; tuples, intervals and matrices
element by element in order. Returns the rule that decided, for the verdict's details.
"""

from __future__ import annotations

import random
from itertools import permutations

import sympy
from sympy.core.relational import Relational

from verigen.verify.math.options import MathOptions
from verigen.verify.math.parse import is_evaluable

Result = tuple[bool, str]
_EXACT_REL = sympy.Float("1e-30", 50)
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
        return _relations(gold, pred, opts), "relation"
    if _is_relation(gold) and isinstance(pred, sympy.Set):
        return _tag(equivalent(_as_set(gold), pred, opts), "relation_as_set")
    if opts.pred_relation_as_set and _is_relation(pred) and isinstance(gold, sympy.Set):
        return _tag(equivalent(gold, _as_set(pred), opts), "relation_as_set")
    if _is_relation(gold) or _is_relation(pred):
        return False, "relation_vs_value"
    return _containers(gold, pred, opts)


def _tag(result: Result, rule: str) -> Result:
    return result[0], f"{rule}:{result[1]}"


def _containers(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> Result:
    if isinstance(gold, sympy.MatrixBase) or isinstance(pred, sympy.MatrixBase):
        return _matrices(gold, pred, opts), "matrix"
    g_seq, p_seq = _sequence(gold), _sequence(pred)
    if g_seq is not None and p_seq is not None:
        return _ordered(g_seq, p_seq, opts), "ordered"
    g_items, p_items = _elements(gold), _elements(pred)
    if g_items is not None and p_items is not None:
        if isinstance(gold, sympy.Interval) or isinstance(pred, sympy.Interval):
            return _ordered(g_items, p_items, opts), "pair_as_set"
        return _unordered(g_items, p_items, opts), "set"
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
        return _is_name(expr.base) and expr.exp in (1, -1)
    if isinstance(expr, sympy.Mul):
        return all(_is_name(a) for a in expr.args)
    if isinstance(expr, sympy.Tuple):
        return all(_is_name(a) for a in expr.args) and len(expr.args) > 0
    return False


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
    ratio = sympy.cancel(sympy.together(a / b))
    return ratio if not ratio.free_symbols and ratio.is_finite else None


def _sequence(expr: sympy.Basic) -> list[sympy.Basic] | None:
    if isinstance(expr, sympy.Tuple):
        return list(expr.args)
    if isinstance(expr, sympy.Interval) and expr.left_open and expr.right_open:
        return [expr.start, expr.end]
    return None


def _elements(expr: sympy.Basic) -> list[sympy.Basic] | None:
    if isinstance(expr, sympy.FiniteSet):
        return list(getattr(expr, "_unsorted_args", expr.args))
    if isinstance(expr, sympy.Interval) and expr.left_open and expr.right_open:
        return [expr.start, expr.end]
    return None


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


def _has_float(expr: sympy.Basic) -> bool:
    return any(isinstance(a, sympy.Float) for a in expr.atoms(sympy.Number))


def _scalars(gold: sympy.Basic, pred: sympy.Basic, opts: MathOptions) -> Result:
    if not isinstance(gold, sympy.Expr) or not isinstance(pred, sympy.Expr):
        return False, "incomparable"
    if not (is_evaluable(gold) and is_evaluable(pred)):
        return False, "too_large_to_evaluate"
    loose = _has_float(gold) or _has_float(pred)
    if not (gold.free_symbols | pred.free_symbols):
        return _close(gold, pred, opts, loose), "numeric"
    if sympy.expand(gold - pred) == 0:
        return True, "expand"
    probed = _probe(gold, pred, opts, loose)
    if probed is not None:
        return probed, "probe"
    try:
        return bool(sympy.simplify(gold - pred) == 0), "simplify"
    except Exception:  # simplify raises on exotic trees; undecided means not shown equal
        return False, "simplify_failed"


def _close(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions, loose: bool) -> bool:
    """Numbers: exact unless a side is a decimal approximation (then ``rel_tol``)."""
    if gold.is_Rational and pred.is_Rational:
        return bool(gold == pred)
    try:
        g, p = complex(gold.evalf(50)), complex(pred.evalf(50))
        d = complex((gold - pred).evalf(50))
    except (TypeError, ValueError, OverflowError):
        return False
    scale = max(abs(g), abs(p))
    if loose:
        return abs(d) <= max(opts.rel_tol * scale, opts.abs_tol)
    return abs(d) <= float(_EXACT_REL) * scale


def _probe(gold: sympy.Expr, pred: sympy.Expr, opts: MathOptions, loose: bool) -> bool | None:
    """Evaluate both at seeded random points: any clear mismatch decides "different"."""
    symbols = sorted(gold.free_symbols | pred.free_symbols, key=str)
    rng = random.Random(f"{gold}|{pred}")
    tol = opts.rel_tol if loose else 1e-9
    agreed = 0
    for _ in range(opts.numeric_probes * 2):
        point = {s: sympy.Float(rng.uniform(0.3, 2.7), 30) for s in symbols}
        try:
            g = complex(gold.xreplace(point).evalf(30))
            p = complex(pred.xreplace(point).evalf(30))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            continue
        if g != g or p != p or abs(g) == float("inf") or abs(p) == float("inf"):
            continue
        if abs(g - p) > max(tol * max(abs(g), abs(p)), 1e-12):
            return False
        agreed += 1
        if agreed >= opts.numeric_probes:
            return True
    return None
