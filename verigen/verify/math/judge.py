"""One check, start to finish, as run inside a worker process: extract → normalise → compare.

Returns a plain, picklable ``Judgement`` (the verdict is built in the caller's process, so a
worker that dies cannot write one). Every refusal and failure is a reason, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verigen.verify.math.extract import Extraction, extract_answer
from verigen.verify.math.normalize import Normalized, normalize
from verigen.verify.math.options import MathOptions


@dataclass(frozen=True)
class Judgement:
    equivalent: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def warm_up() -> None:
    """Worker initializer: import sympy and build the parser's tables before the first timed
    check, so a fresh worker does not spend its first task's time limit on imports."""
    judge_answers(Extraction("\\frac{1}{2}+x", "warm_up"), Extraction("0.5+x", "warm_up"),
                  MathOptions())


def judge_texts(gold: str, pred: str, opts: MathOptions) -> Judgement:
    """Extract both answers (each may be a bare answer or a whole solution), then compare."""
    g_ex, p_ex = extract_answer(gold, opts), extract_answer(pred, opts)
    if g_ex is None:
        return Judgement(False, "no_gold_answer", {"pred_rule": p_ex.rule if p_ex else None})
    if p_ex is None:
        return Judgement(False, "no_answer", {"gold_rule": g_ex.rule, "gold": g_ex.answer})
    return judge_answers(g_ex, p_ex, opts)


def judge_answers(gold: Extraction, pred: Extraction, opts: MathOptions) -> Judgement:
    """Compare two already-extracted answers."""
    g_n, p_n = normalize(gold.answer, gold.plain), normalize(pred.answer, pred.plain)
    details: dict[str, Any] = {
        "gold_rule": gold.rule, "pred_rule": pred.rule,
        "gold": gold.answer[:500], "pred": pred.answer[:500],
        "gold_normalized": g_n.latex[:500], "pred_normalized": p_n.latex[:500],
    }
    try:
        equal, rule = _decide(g_n, p_n, opts, details)
    except MemoryError:
        return Judgement(False, "out_of_memory", details)
    details["rule"] = rule
    if equal:
        return Judgement(True, "equivalent", details)
    return Judgement(False, rule if rule in _REASONS else "not_equivalent", details)


_REASONS = frozenset({"answer_too_long", "unsafe_latex", "too_deep", "unparsable",
                      "too_large_to_evaluate", "undefined"})


def _decide(g_n: Normalized, p_n: Normalized, opts: MathOptions,
            details: dict[str, Any]) -> tuple[bool, str]:
    if g_n.latex == p_n.latex and g_n.percent == p_n.percent and g_n.latex:
        return True, "identical"
    if g_n.text and g_n.text == p_n.text:
        return True, "text"
    from verigen.verify.math.parse import Refused, guard_text, parse_latex

    try:
        for n in (g_n, p_n):
            guard_text(n.latex, opts.max_answer_chars, opts.max_nesting)
        gold, pred = parse_latex(g_n.latex), parse_latex(p_n.latex)
    except Refused as refused:
        if g_n.text and p_n.text:
            return False, "text_differs"
        return False, refused.reason
    details["gold_parsed"], details["pred_parsed"] = _show(gold), _show(pred)
    return _with_percent(gold, g_n.percent, pred, p_n.percent, opts)


def _with_percent(gold: Any, g_pct: bool, pred: Any, p_pct: bool,
                  opts: MathOptions) -> tuple[bool, str]:
    """Apply the percent policy: which readings of ``28\\%`` a bare number may match."""
    import sympy

    from verigen.verify.math.compare import equivalent

    if g_pct == p_pct or not (isinstance(gold, sympy.Expr) and isinstance(pred, sympy.Expr)):
        return equivalent(gold, pred, opts)
    if opts.percent == "exact":
        return False, "percent_sign"
    if g_pct:
        readings = [gold / 100] if opts.percent == "value" else [gold, gold / 100]
        candidates = [(g, pred) for g in readings]
    else:
        readings = [pred / 100] if opts.percent == "value" else [pred, pred / 100]
        candidates = [(gold, p) for p in readings]
    last: tuple[bool, str] = (False, "percent")
    for g, p in candidates:
        last = equivalent(g, p, opts)
        if last[0]:
            return True, "percent:" + last[1]
    return last


def _show(expr: Any) -> str:
    text = str(expr)
    return text if len(text) <= 500 else text[:500] + "…"
