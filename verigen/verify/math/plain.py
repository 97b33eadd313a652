"""Fast paths for answers made of plain numbers: tuples, sets, intervals and ``x = 5``.

Pure string and ``fractions.Fraction`` work with bounded input, so it cannot hang; it skips
the LaTeX grammar (most of a check's time) for shapes whose parsed form is fully known. Each
reading mirrors what the parser builds, and each comparison mirrors ``compare.py`` on those
forms; any shape where the two could differ (duplicates a set would merge, a reversed or
empty interval, a percent sign, two different labels) is declined with ``None`` and takes
the symbolic path. ``tests/verify/test_math_fast_paths.py`` checks every case table both ways.

What the parser builds, and so what is read here:

- ``(a, b, ...)``: an ordered tuple (``(a, b)`` with ``a < b`` is an open interval, which
  ``compare.py`` also compares as an ordered pair);
- ``[a, b]``, ``[a, b)``, ``(a, b]`` with ``a < b``: an interval;
- ``a, b, ...``, ``{a, b}``, ``\\{a, b\\}`` of numbers, tuples or intervals: a set;
- ``x = a`` with a one-letter label: an assignment, compared by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from verigen.verify.math.numbers import Reading, numbers_equal, simple_number
from verigen.verify.math.options import MathOptions

_MAX_CHARS = 1_000
_MAX_ITEMS = 64
_COMMA_NUMBER = re.compile(r"\s*-?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*", re.ASCII)
"""The parser reads ``1,000`` (a whole answer) as one thousand, not as a set."""
_ASSIGN = re.compile(r"\s*(?P<label>[A-DF-HJ-Za-df-hj-z])\s*=(?P<value>[^=<>]*)")
"""A one-letter label; not ``e``/``E`` (Euler's number) nor ``i``/``I`` (the imaginary unit)."""
_SEP = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Seq:
    """``(a, b, ...)``: compared in order."""

    items: tuple[Reading, ...]


@dataclass(frozen=True)
class Interval:
    """``[a, b)`` and friends, with ``a < b``."""

    lo: Reading
    hi: Reading
    left_open: bool
    right_open: bool


Element = Reading | Seq | Interval


@dataclass(frozen=True)
class Collection:
    """A set written as a list or in braces: one-to-one matching in any order."""

    items: tuple[Element, ...]


@dataclass(frozen=True)
class Assignment:
    """``x = 5``: the label must match another label; against a bare value, only the value."""

    label: str
    value: Reading


Plain = Element | Collection | Assignment


def read_plain(latex: str) -> Plain | None:
    """The plain-number structure of a normalised answer, or None for anything else."""
    if len(latex) > _MAX_CHARS or _COMMA_NUMBER.fullmatch(latex):
        return None
    text = latex.strip()
    assign = _ASSIGN.fullmatch(text)
    if assign is not None:
        value = simple_number(assign["value"])
        return Assignment(assign["label"], value) if value is not None else None
    braced = _unbrace(text)
    parts = _split(braced if braced is not None else text)
    if parts is None or (braced is not None and len(parts) < 2):
        return None
    if len(parts) == 1:
        return _element(parts[0])
    items = [_element(p) for p in parts]
    if any(item is None for item in items):
        return None
    return Collection(tuple(item for item in items if item is not None))


def plain_equal(gold: Plain, pred: Plain, opts: MathOptions) -> bool | None:
    """Whether ``pred`` equals ``gold`` by the rules of ``compare.py``; None: not decided here."""
    if isinstance(gold, Assignment) and isinstance(pred, Assignment):
        return numbers_equal(gold.value, pred.value, opts) if gold.label == pred.label else None
    if isinstance(gold, Assignment) and isinstance(pred, tuple):
        return numbers_equal(gold.value, pred, opts)
    if isinstance(pred, Assignment) and isinstance(gold, tuple):
        return numbers_equal(gold, pred.value, opts)
    if isinstance(gold, Collection) and isinstance(pred, Collection):
        return _unordered(gold.items, pred.items, opts)
    if isinstance(gold, Seq | Interval) and isinstance(pred, Seq | Interval):
        return _element_equal(gold, pred, opts)
    return None


def _unbrace(text: str) -> str | None:
    for left, right in (("\\{", "\\}"), ("{", "}")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left + right):
            return text[len(left) : -len(right)]
    return None


def _split(text: str) -> list[str] | None:
    """Top-level comma-separated parts; None when brackets do not balance or parts abound."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts if depth == 0 and len(parts) <= _MAX_ITEMS else None


def _element(text: str) -> Element | None:
    text = text.strip()
    number = simple_number(text)
    if number is not None:
        return number
    if len(text) < 2 or text[0] not in "([" or text[-1] not in ")]":
        return None
    inner = _SEP.split(text[1:-1])
    values = [simple_number(v) for v in inner]
    if len(values) < 2 or any(v is None for v in values):
        return None
    readings = tuple(v for v in values if v is not None)
    if text[0] == "(" and text[-1] == ")":
        return Seq(readings)
    if len(readings) != 2 or not _clearly_below(readings[0], readings[1]):
        return None  # [b, a] is a tuple and [a, a] a one-element set to the parser
    return Interval(readings[0], readings[1], text[0] == "(", text[-1] == ")")


def _clearly_below(lo: Reading, hi: Reading) -> bool:
    """``lo < hi`` with a margin, so a decimal's rounding in sympy cannot flip the order."""
    margin = Fraction(1, 10**9) * max(abs(lo[0]), abs(hi[0]), Fraction(1))
    return hi[0] - lo[0] > margin


def _element_equal(gold: Element, pred: Element, opts: MathOptions) -> bool:
    if isinstance(gold, tuple) and isinstance(pred, tuple):
        return numbers_equal(gold, pred, opts)
    if isinstance(gold, Seq) and isinstance(pred, Seq):
        return len(gold.items) == len(pred.items) and all(
            numbers_equal(g, p, opts) for g, p in zip(gold.items, pred.items, strict=True)
        )
    if isinstance(gold, Interval) and isinstance(pred, Interval):
        return (
            (gold.left_open, gold.right_open) == (pred.left_open, pred.right_open)
            and numbers_equal(gold.lo, pred.lo, opts)
            and numbers_equal(gold.hi, pred.hi, opts)
        )
    return False  # a number, a tuple and a closed or half-open interval never match


def _unordered(
    gold: tuple[Element, ...], pred: tuple[Element, ...], opts: MathOptions
) -> bool | None:
    """``compare.equivalent`` on two parsed sets: equal as sets (the parser's set merges
    duplicates), else ``compare._unordered``'s greedy matching over the items as written.

    With exact values only, "equal as sets" is plain set equality. With decimals it is
    sympy's structural equality, which is not modelled here: a side holding two items that
    compare equal is declined (None)."""
    if all(_exact(item) for item in gold + pred):
        if set(gold) == set(pred):
            return True
    else:
        for side in (gold, pred):
            for i, a in enumerate(side):
                if any(_element_equal(a, b, opts) for b in side[i + 1 :]):
                    return None
    if len(gold) != len(pred):
        return False
    free = list(pred)
    for g in gold:
        match = next((i for i, p in enumerate(free) if _element_equal(g, p, opts)), None)
        if match is None:
            return False
        del free[match]
    return True


def _exact(item: Element) -> bool:
    if isinstance(item, Seq):
        return not any(approx for _, approx in item.items)
    if isinstance(item, Interval):
        return not (item.lo[1] or item.hi[1])
    return not item[1]
