"""One check, start to finish, as run inside a worker process: extract → normalise → compare.

Returns a plain, picklable ``Judgement`` (the verdict is built in the caller's process, so a
worker that dies cannot write one). Every refusal and failure is a reason, never an exception.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from verigen.verify.math.extract import Extraction, extract_answer
from verigen.verify.math.guard import Refused, guard_text, macro_definition
from verigen.verify.math.normalize import Normalized, normalize
from verigen.verify.math.numbers import numbers_equal, percent_readings, simple_number
from verigen.verify.math.options import MathOptions
from verigen.verify.math.plain import plain_equal, read_plain


@dataclass(frozen=True)
class Judgement:
    equivalent: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


_WARM_UP = (
    ("\\frac{1}{2}+x", "0.5+x"),
    ("[0,1)", "(0,1]"),
    ("\\{1,2\\}", "1, 2"),
    ("(1,2,3)", "(3,2,1)"),
    ("x \\geq 5", "-2 \\le x \\le 7"),
    ("x=1, y=2", "x \\in [1,2]"),
    ("(-\\infty,1)\\cup(2,3]", "2"),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\sqrt{2}\\pi"),
    ("\\text{Evelyn}", "f(x)=x^2"),
    ("1\\pm\\sqrt{19}", "a_3 = 2, a_{37} = 19"),
    ("\\sin^2(y)+\\cos(y)", "\\frac{x}{7}-2i"),
    ("p=5,q=2;p=7,q=2", "(5,2),(7,2)"),
    ("x^2+2x+1", "(x+1)^2"),
    ("y = 2x + 3", "2x - y + 3 = 0"),
    ("0 < x < 1", "(0, 1)"),
    ("\\frac{\\sqrt{3}}{2}", "\\dfrac{3\\pi}{4}"),
    ("(2, -\\frac{1}{2})", "x_1 = 2, x_2 = 5"),
)
"""Representative answers: parsing them trains the grammar's prediction cache (per process),
which otherwise makes each worker's first few hundred checks several times slower."""


def warm_up() -> None:
    """Worker initializer: import sympy and train the parser before the first timed check, so
    a fresh worker does not spend its first tasks' time limits on one-off costs."""
    from verigen.verify.math.parse import parse_latex

    importlib.import_module("sympy.physics.units")  # simplify's first call imports it (0.3 s)
    opts = MathOptions()
    for gold, pred in _WARM_UP:
        judge_answers(Extraction(gold, "warm_up"), Extraction(pred, "warm_up"), opts)
        for answer in (gold, pred):  # the parser too, where a fast path answered
            with contextlib.suppress(Refused):
                parse_latex(normalize(answer).latex)


def judge_texts(gold: str, pred: str, opts: MathOptions) -> Judgement:
    """Extract both answers (each may be a bare answer or a whole solution), then compare.

    A macro definition anywhere in a text makes it unparsable: past ``\\renewcommand`` the
    text no longer means what it renders to, whatever its box says."""
    for text, reason in ((gold, "no_gold_answer"), (pred, "unparsable")):
        macro = macro_definition(text)
        if macro is not None:
            return Judgement(False, reason, {"rule": "macro_definition", "macro": macro})
    g_ex, p_ex = extract_answer(gold, opts), extract_answer(pred, opts)
    if g_ex is None:
        return Judgement(False, "no_gold_answer", {"pred_rule": p_ex.rule if p_ex else None})
    if p_ex is None:
        return Judgement(False, "no_answer", {"gold_rule": g_ex.rule, "gold": g_ex.answer})
    return judge_answers(g_ex, p_ex, opts)


def judge_answers(
    gold: Extraction, pred: Extraction, opts: MathOptions, reference: bool = False
) -> Judgement:
    """Compare two already-extracted answers.

    ``reference=True`` takes the slow path only: no plain-number fast paths, and the parser
    exactly as the library ships it. Verdicts must not depend on it (tests check that).
    """
    too_long = _too_long(gold, pred, opts)
    if too_long is not None:
        return too_long
    g_n, p_n = normalize(gold.answer, gold.plain), normalize(pred.answer, pred.plain)
    details = _details(gold, pred, g_n, p_n)
    try:
        equal, rule = _decide(g_n, p_n, opts, details, reference)
    except MemoryError:
        return Judgement(False, "out_of_memory", details)
    return _judgement(equal, rule, details)


def quick_judgement(gold: Extraction, pred: Extraction, opts: MathOptions) -> Judgement | None:
    """``judge_answers``'s verdict when string work alone decides it (identical or text
    answers, plain numbers and their tuples, sets and intervals, guard refusals); None when
    the parser is needed. Regexes and ``Fraction`` on bounded input, no sympy: safe to run in
    the caller's process, which ``MathVerifier.vote`` does to skip a worker round trip."""
    too_long = _too_long(gold, pred, opts)
    if too_long is not None:
        return too_long
    g_n, p_n = normalize(gold.answer, gold.plain), normalize(pred.answer, pred.plain)
    decided = _quick(g_n, p_n, opts, reference=False)
    if decided is None:
        return None
    details = _details(gold, pred, g_n, p_n)
    return _judgement(decided[0], decided[1], details)


def _too_long(gold: Extraction, pred: Extraction, opts: MathOptions) -> Judgement | None:
    """Refuse an answer over ``max_answer_chars`` before anything reads it: normalizing can
    grow a text (``½`` becomes a ``\\frac``), so the guard after it comes too late to bound
    the work."""
    if max(len(gold.answer), len(pred.answer)) <= opts.max_answer_chars:
        return None
    details = {"gold_rule": gold.rule, "pred_rule": pred.rule}
    details |= {"gold": gold.answer[:500], "pred": pred.answer[:500]}
    return _judgement(False, "answer_too_long", details)


def _details(
    gold: Extraction, pred: Extraction, g_n: Normalized, p_n: Normalized
) -> dict[str, Any]:
    return {
        "gold_rule": gold.rule,
        "pred_rule": pred.rule,
        "gold": gold.answer[:500],
        "pred": pred.answer[:500],
        "gold_normalized": g_n.latex[:500],
        "pred_normalized": p_n.latex[:500],
    }


def _judgement(equal: bool, rule: str, details: dict[str, Any]) -> Judgement:
    details["rule"] = rule
    if equal:
        return Judgement(True, "equivalent", details)
    return Judgement(False, _REASONS.get(rule, "not_equivalent"), details)


_REASONS = {
    "answer_too_long": "answer_too_long",
    "macro_definition": "unparsable",
    "too_deep": "too_deep",
    "unparsable": "unparsable",
    "too_large_to_evaluate": "too_large_to_evaluate",
    "undefined": "undefined",
}
"""Rules whose rejection has its own reason (the rest are ``not_equivalent``)."""


def _decide(
    g_n: Normalized, p_n: Normalized, opts: MathOptions, details: dict[str, Any], reference: bool
) -> tuple[bool, str]:
    decided = _quick(g_n, p_n, opts, reference)
    if decided is not None:
        return decided

    try:
        gold, pred = _parse(g_n.latex, reference), _parse(p_n.latex, reference)
    except Refused as refused:
        return _refused(g_n, p_n, refused)
    details["gold_parsed"], details["pred_parsed"] = _show(gold), _show(pred)
    from verigen.verify.math.compare import listed_as_sequence
    from verigen.verify.math.decimals import WRITTEN_PLACES, written_places

    token = WRITTEN_PLACES.set(written_places(g_n.latex, p_n.latex))
    try:
        listed = listed_as_sequence(gold, pred, p_n.latex, opts)
        if listed is not None:
            return listed
        decided = _with_percent(gold, g_n.percent, pred, p_n.percent, opts)
        if decided[0] or g_n.degrees == p_n.degrees:
            return decided
        return _as_degrees(gold, g_n.degrees, pred, opts) or decided
    finally:
        WRITTEN_PLACES.reset(token)


def _as_degrees(gold: Any, g_deg: bool, pred: Any, opts: MathOptions) -> tuple[bool, str] | None:
    """One side is an angle in degrees: read the other as radians (``\\frac{\\pi}{2}`` is
    90°). None when the radian side is not a number or a collection of numbers."""
    from verigen.verify.math.compare import equivalent, radians_to_degrees

    if g_deg:
        converted = radians_to_degrees(pred)
        result = equivalent(gold, converted, opts) if converted is not None else None
    else:
        converted = radians_to_degrees(gold)
        result = equivalent(converted, pred, opts) if converted is not None else None
    return (result[0], "radians:" + result[1]) if result is not None else None


_PLUS_MINUS = re.compile(r"\\pm(?![A-Za-z])|\\mp(?![A-Za-z])")


def _parse(latex: str, reference: bool) -> Any:
    """Parse an answer; one ``\\pm`` where the grammar does not read it (inside a fraction:
    ``\\frac{-1 \\pm \\sqrt{5}}{2}``) is the set of its two readings."""
    from verigen.verify.math.parse import parse_latex

    try:
        return parse_latex(latex, reference)
    except Refused as refused:
        signs = _PLUS_MINUS.findall(latex)
        if refused.reason != "unparsable" or len(signs) != 1:
            raise
    import sympy

    first, second = ("+", "-") if signs[0] == "\\pm" else ("-", "+")
    readings = [parse_latex(_PLUS_MINUS.sub(sign, latex), reference) for sign in (first, second)]
    return sympy.FiniteSet(*readings)


def _quick(
    g_n: Normalized, p_n: Normalized, opts: MathOptions, reference: bool
) -> tuple[bool, str] | None:
    """Everything decided before the parser; None when it is needed."""
    if g_n.unit and p_n.unit and g_n.unit != p_n.unit:
        return False, "unit_differs"
    if g_n.latex == p_n.latex and g_n.percent == p_n.percent and g_n.latex:
        return True, "identical"
    if g_n.text and g_n.text == p_n.text:
        return True, "text"
    reference = reference or g_n.degrees != p_n.degrees  # radians need the parser
    fast = None if reference else _fast_numbers(g_n, p_n, opts)
    if fast is not None:
        return fast, "number"
    try:
        for n in (g_n, p_n):
            guard_text(n.latex, opts.max_answer_chars, opts.max_nesting)
    except Refused as refused:
        return _refused(g_n, p_n, refused)
    fast = None if reference else _fast_plain(g_n, p_n, opts)
    return (fast, "plain") if fast is not None else None


def _refused(g_n: Normalized, p_n: Normalized, refused: Refused) -> tuple[bool, str]:
    if g_n.text and p_n.text:
        return False, "text_differs"
    return False, refused.reason


def _fast_plain(g_n: Normalized, p_n: Normalized, opts: MathOptions) -> bool | None:
    """Tuples, sets, intervals and ``x = 5`` of plain numbers, without the parser."""
    if g_n.percent or p_n.percent:
        return None
    gold, pred = read_plain(g_n.latex), read_plain(p_n.latex)
    if gold is None or pred is None:
        return None
    return plain_equal(gold, pred, opts)


def _fast_numbers(g_n: Normalized, p_n: Normalized, opts: MathOptions) -> bool | None:
    """Both sides plain numbers: decide without sympy (None: take the symbolic path)."""
    gold, pred = simple_number(g_n.latex), simple_number(p_n.latex)
    if gold is None or pred is None:
        return None
    if g_n.percent == p_n.percent:
        return numbers_equal(gold, pred, opts)
    if opts.percent == "exact":
        return False
    if g_n.percent:
        return any(numbers_equal(g, pred, opts) for g in percent_readings(gold, opts))
    return any(numbers_equal(gold, p, opts) for p in percent_readings(pred, opts))


def _with_percent(
    gold: Any, g_pct: bool, pred: Any, p_pct: bool, opts: MathOptions
) -> tuple[bool, str]:
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
    """The parsed form for the details, in written order: sympy's default printer sorts the
    terms of a sum, which evaluates them, exponentially in the depth of a nested fraction."""
    import sympy

    try:
        text = str(sympy.sstr(expr, order="none"))
    except ValueError:  # an integer past Python's 4300-digit str limit (\binom{20000}{10000})
        return f"<{type(expr).__name__} too long to show>"
    return text if len(text) <= 500 else text[:500] + "…"
