"""The fast paths give the slow path's verdicts.

The fast paths are: plain numbers and plain-number tuples, sets, intervals and ``x = 5``
compared without the parser (``numbers.py``, ``plain.py``); the parser's SLL first stage
(``parse.convert``); and its direct reading of number tokens. The slow path is
``judge_answers(..., reference=True)``: no fast path, the library's own LL parse. Every
conformance case (scored or not), every row of ``cases/`` and a seeded grid of plain-number
shapes go through both, in worker processes like real checks.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verigen.verify.math import MathOptions
from verigen.verify.math.extract import extract_answer
from verigen.verify.math.guard import Refused, guard_text
from verigen.verify.math.judge import judge_answers, quick_judgement
from verigen.verify.math.normalize import normalize
from verigen.verify.math.numbers import simple_number
from verigen.verify.math.worker import WorkerPool

HERE = Path(__file__).parent
CONFORMANCE = HERE.parents[1] / ".." / "shared" / "conformance" / "math_verify_cases.jsonl"
TABLES = sorted((HERE / "cases").glob("*.jsonl"))
OPTIONS = [
    MathOptions(),
    MathOptions(plain_text_math=False),
    MathOptions(strict_variables=False, pred_relation_as_set=True, rel_tol=1e-3),
]

_VALUES = [  # groups of equal values; "0.3333" and "1.0001" are near misses
    ["1", "1.0", r"\frac{2}{2}", "1.0000001"],
    ["-2", "-2.0", r"-\frac{4}{2}", "-2/1"],
    ["0.5", r"\frac{1}{2}", "2/4", r"\frac12", ".5"],
    [r"\frac13", "1/3", "0.3333333333", "0.3333"],
    ["3", "3.00", r"\frac{6}{2}", "1.0001"],
    ["0", "0.0", "-0", "0.000001"],
]
_SHAPES = [
    "{a}",
    "{a}, {b}",
    r"\{{{a}, {b}\}}",
    "{{{a},{b},{c}}}",
    "({a}, {b})",
    "({a},{b},{c})",
    "[{a}, {b}]",
    "[{a}, {b})",
    "({a}, {b}]",
    "({a}, {b}), ({b}, {a})",
    "[{a}, {b}], ({a}, {b})",
    "{a}, ({a}, {b})",
    "{a}, {a}",
    "{a}, {b}, {a}",
    "({a}, {b}), ({a}, {b}), ({b}, {c})",
    "x = {a}",
    "y = {a}",
    "X = {a}",
    "e = {a}",
    "i = {a}",
    "{a}, {b}, {c}",
]


def _rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _grid(n: int = 400) -> list[tuple[str, str]]:
    rng = random.Random(4)

    def one(shape: str, groups: list[list[str]]) -> str:
        a, b, c = (rng.choice(g) for g in groups)
        return shape.format(a=a, b=b, c=c)

    pairs = []
    for _ in range(n):
        shape = rng.choice(_SHAPES)  # mostly the same shape on both sides, some mixed
        groups = [rng.choice(_VALUES) for _ in range(3)]
        other = groups[::-1] if rng.random() < 0.3 else groups  # reordered
        if rng.random() < 0.2:
            other = [rng.choice(_VALUES) for _ in range(3)]
        pred_shape = shape if rng.random() < 0.8 else rng.choice(_SHAPES)
        pairs.append((one(shape, groups), one(pred_shape, other)))
    return pairs


PAIRS = [
    (row["gold"] or "", row["pred"] or "") for path in [CONFORMANCE, *TABLES] for row in _rows(path)
] + _grid()


def both_ways(pairs: list[tuple[str, str]], opts: MathOptions) -> list[str]:
    """Worker task: the pairs whose fast and reference verdicts differ, described."""
    differ = []
    for gold, pred in pairs:
        g_ex, p_ex = extract_answer(gold, opts), extract_answer(pred, opts)
        if g_ex is None or p_ex is None:
            continue
        fast = judge_answers(g_ex, p_ex, opts)
        slow = judge_answers(g_ex, p_ex, opts, reference=True)
        quick = quick_judgement(g_ex, p_ex, opts)
        if fast.equivalent != slow.equivalent or (quick and quick.equivalent != slow.equivalent):
            differ.append(f"{g_ex.answer!r} vs {p_ex.answer!r}: {fast.details.get('rule')}")
    return differ


def parse_both_ways(answers: list[str]) -> list[str]:
    """Worker task: the answers whose two-stage parse differs from the library's own."""
    from sympy import srepr

    from verigen.verify.math.parse import Refused, parse_latex

    def show(latex: str, reference: bool) -> str:
        try:
            return str(srepr(parse_latex(latex, reference), order="none"))  # in args order:
            # the sorting printer evaluates terms, exponentially in a nested fraction's depth
        except Refused as refused:
            return f"Refused({refused.reason})"

    return [a for a in answers if show(a, False) != show(a, True)]


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool(2)
    yield workers
    workers.close()


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@pytest.mark.parametrize("opts", OPTIONS, ids=["default", "latex_only", "lenient"])
def test_fast_paths_agree_with_the_reference_path(opts: MathOptions, pool: WorkerPool) -> None:
    futures = [pool.submit(both_ways, (chunk, opts), 300.0) for chunk in _chunks(PAIRS, 60)]
    differ = [line for f in futures for line in f.result()]
    assert not differ, "\n".join(differ)


def _parsed_in_real_checks(latex: str, opts: MathOptions) -> bool:
    """Whether a real check would parse ``latex``: the guards refuse the rest first (the
    hostile rows of the case tables are that long or deep on purpose)."""
    try:
        guard_text(latex, opts.max_answer_chars, opts.max_nesting)
    except Refused:
        return False
    return True


def test_two_stage_parse_builds_the_same_trees(pool: WorkerPool) -> None:
    opts = MathOptions()
    answers = sorted(
        {
            latex
            for pair in PAIRS
            for text in pair
            if (ex := extract_answer(text, opts)) is not None
            and _parsed_in_real_checks(latex := normalize(ex.answer, ex.plain).latex, opts)
        }
    )
    futures = [pool.submit(parse_both_ways, (chunk,), 300.0) for chunk in _chunks(answers, 60)]
    differ = [a for f in futures for a in f.result()]
    assert len(answers) > 500
    assert not differ, differ


def test_the_grid_exercises_the_plain_path(pool: WorkerPool) -> None:
    """Guard against a vacuous agreement test: most grid pairs must take a fast path."""
    future = pool.submit(_grid_rules, (_grid(200), MathOptions()), 300.0)
    counts = future.result()
    assert counts.get("plain", 0) > 50 and counts.get("number", 0) > 0, counts


def _grid_rules(pairs: list[tuple[str, str]], opts: MathOptions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gold, pred in pairs:
        g_ex, p_ex = extract_answer(gold, opts), extract_answer(pred, opts)
        if g_ex is None or p_ex is None:
            continue
        rule = str(judge_answers(g_ex, p_ex, opts).details.get("rule"))
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def test_relation_intervals_match_sympy_as_set() -> None:
    """``compare.interval_of`` (the fast reading of ``-2 <= x < 7``) against sympy's solver, on
    relations built here from sympy objects (no text is parsed in this process)."""
    import sympy

    from verigen.verify.math.compare import interval_of

    x, y = sympy.symbols("x y")
    real = sympy.Dummy("x", real=True)
    consts = [
        sympy.Integer(3),
        sympy.Integer(-2),
        sympy.Rational(-7, 2),
        sympy.sqrt(2),
        -sympy.sqrt(3) / 2,
        sympy.pi,
        sympy.E,
        sympy.Float("0.5"),
        sympy.Integer(0),
    ]
    kinds = [sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge]
    singles = [k(x, c) for k in kinds for c in consts] + [k(c, x) for k in kinds for c in consts]
    rng = random.Random(7)
    pairs = [sympy.And(rng.choice(singles), rng.choice(singles)) for _ in range(150)]
    read = 0
    for rel in singles + pairs:
        if not isinstance(rel, sympy.And | sympy.core.relational.Relational):
            continue  # And folded to a constant
        fast = interval_of(rel)
        if fast is not None:
            read += 1
            assert fast == rel.xreplace({x: real}).as_set(), rel
    assert read > 150
    imaginary = sympy.Lt(x, sympy.I, evaluate=False)
    declined = [sympy.Lt(x, y), sympy.Eq(x, 1), sympy.Lt(sympy.Abs(x), 1), imaginary]
    assert all(interval_of(rel) is None for rel in declined)


def test_quick_judgements_need_no_sympy() -> None:
    """``MathVerifier.vote`` settles plain-number pairs in the caller's process: that path must
    not import sympy or the parser there."""
    code = (
        "import sys\n"
        "from verigen.verify.math import MathOptions\n"
        "from verigen.verify.math.extract import Extraction\n"
        "from verigen.verify.math.judge import quick_judgement\n"
        "q = quick_judgement(Extraction('(0.5, 2)', 'bare'), Extraction(r'(\\frac12, 2)', 'bare'),"
        " MathOptions())\n"
        "s = quick_judgement(Extraction('x^2', 'bare'), Extraction('x*x', 'bare'), MathOptions())\n"
        "print(q.equivalent, q.details['rule'], s, 'sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "plain", "None", "False"]


@pytest.mark.parametrize(
    "hostile",
    [
        r"\boxed{1" + " " * 29_000 + "2}",
        "1" + "." * 29_000 + "x",
        "1" + "." * 10_000 + " " * 10_000 + "2",
        " " * 29_000 + "}",
        "5" + " or" * 9_000 + " x",
        r"{1\over" * 5_000 + "2",
    ],
)
def test_normalization_finishes_on_long_runs(hostile: str) -> None:
    """Checks normalise before the length guard, and a vote does so in the caller's process:
    each pattern must be linear (these took minutes when one opened with ``\\s*`` or ended in
    ``(...)+$``). No timing assertion: a regression hangs the test."""
    for plain in (False, True):
        latex = normalize(hostile, plain).latex
        assert simple_number(latex) is None and simple_number(hostile) is None


@pytest.mark.parametrize(
    ("written", "ascii"),
    [
        ("２", "2"),
        ("１２", "12"),
        ("١٢", "12"),
        ("x²", "x^{2}"),
        ("x₁", "x_{1}"),
        ("½", r"\frac{1}{2}"),
    ],
)
def test_other_digits_read_as_ascii_on_both_paths(written: str, ascii: str) -> None:
    """The fast path and the parser read the same string: any script's digits, scripts and
    vulgar fractions become ASCII LaTeX first, and the fast path reads ASCII digits only."""
    assert normalize(written).latex == ascii
    assert simple_number(written) is None


def test_a_mixed_vulgar_fraction_is_left_unread() -> None:
    """``1½`` is one and a half, never ``11⁄2`` (NFKC's reading) nor a product."""
    assert normalize("1½").latex == "1½"
