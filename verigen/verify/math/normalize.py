"""Rewrite an extracted answer into the LaTeX subset the parser reads, as plain string work.

Everything here is a regex or a split, so it is safe on untrusted text; it fixes the notations
the parser misreads (``1 000`` is not 1×000, ``6.02e23`` is not 6.02·e·23, ``12:00`` is not a
ratio) and pulls out what the parser should not see (percent signs, units, answer labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOUBLE_SLASH = re.compile(r"(?<!\\)\\\\(?=[A-Za-z]{2})")
_DELIMS = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\displaystyle|\\[tdc]?(?:big|Big)[lr]?\b|\*\*")
_SEP = r"(?:\s?\{\s?,\s?\}\s?|,\\!\s?|\\,|\\ |~|,|\s)"
_THOUSANDS = re.compile(
    r"(?<![\d.])([(\[]\s*)?(\d{1,3})((?:" + _SEP + r"\d{3})+)(?![\d])(\s*[)\]])?"
)
_THOUSAND_SEP = re.compile(_SEP)
_DECIMAL_COMMA = re.compile(r"(?<![\d,])(\d+),(\d{1,2}|\d{4,})(?![\d,])|(?<![\d,])0,(\d+)(?![\d,])")
_SCI = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?[eE]\s?([+-]?\d+)(?![\w.])")
_PCT = re.compile(r"\s*(?:\\%|%|\\text\{\s*(?:percent|\\%)\s*\}|\bpercent(?:age)?\b|\bpct\b)\s*$")
_DEGREE = re.compile(r"\^\s*\{?\\circ\}?|°|\\degree\b|\\circ\b")
_EMPTY = re.compile(r"\\varnothing|\\emptyset|∅|\\\{\s*\\\}")
_TEXT_CMD = re.compile(r"\\(?:text(?:bf|it|rm|normal)?|mathrm|mathbf|mbox|textup)\s*\{([^{}]*)\}")
_CONNECT = re.compile(
    r"\s*(?:\\text\{\s*(?:and|or|,)\s*\}|\\q?quad|(?<![A-Za-z])(?:and|or)(?![a-z]))\s*"
)
_UNIT_TAIL = re.compile(
    r"(?<=[\d}).\s])\s*\\(?:text|mbox|mathrm|textnormal|textrm)\s?\{\s*([A-Za-z][A-Za-z .]*)\}"
    r"(?:\^\{?(\d)\}?)?"
)
_FRAC = re.compile(r"\\[dtc]frac")
_BARE_NAMES = re.compile(r"(?<![\\A-Za-z])(pi|sqrt|sin|cos|tan|ln|log|infty)(?![A-Za-z])")
_SPACING = re.compile(r"\\[!;:>]|\\ (?!\d)")
_TRAIL = re.compile(r"(?:[\s.,;:?]|(?<![\w)}!])!)+$")
"""Trailing punctuation; ``!`` after a number, bracket or ``!`` is a factorial and stays."""
_APPROX = re.compile(r"\\approx|≈")
_NO_SOLUTION = frozenset(
    {
        "none",
        "nosolution",
        "nosolutions",
        "norealsolution",
        "norealsolutions",
        "noroot",
        "noroots",
        "norealroot",
        "norealroots",
        "thereisnosolution",
        "therearenosolutions",
        "therearenorealsolutions",
        "therearenorealroots",
        "emptyset",
        "theemptyset",
    }
)
"""Text answers (letters only, lower case) that mean the empty solution set."""
_LOOKALIKES = str.maketrans({"\u2212": "-"})
"""The Unicode minus sign is the same sign to a reader."""
_NAME = re.compile(r"^\s*(?:[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+|[A-Za-z]\([A-Za-z,\s]*\))\s*$")


@dataclass(frozen=True)
class Normalized:
    """An answer ready for the parser, plus what normalisation pulled out of it."""

    latex: str
    percent: bool = False
    text: str = ""
    """Lower-cased letters-only form, for text and multiple-choice answers."""
    degrees: bool = False
    """The answer carried a degree sign (it is an angle, and ``latex`` is its number)."""
    unit: str = ""
    """Trailing unit text that was dropped (``cm``), singular, lower case; "" when none."""


def normalize(answer: str, plain: bool = False) -> Normalized:
    """Canonical LaTeX for one extracted answer; ``plain`` allows decimal commas (``2,74``)."""
    s = _DOUBLE_SLASH.sub(r"\\", answer.translate(_LOOKALIKES))
    s = _DELIMS.sub(" ", s)
    s = _FRAC.sub(r"\\frac", s)
    s = _BARE_NAMES.sub(r"\\\1", s.replace("√", "\\sqrt").replace("π", "\\pi"))
    s = re.sub(r"\\sqrt\s*\(([^()]*)\)", r"\\sqrt{\1}", s)
    s = re.sub(r"\\left\b|\\right\b|\\middle\b", "", s).replace("\\left.", "")
    if plain and not re.search(r"[()\[\]{}]", s):  # in brackets a comma separates items
        s = _DECIMAL_COMMA.sub(_decimal_comma, s)
    depths = _depths(s)
    s = _THOUSANDS.sub(lambda m: _thousands(m, depths[m.start()] > 0), s)
    s = _SPACING.sub(" ", s).replace("\\,", " ").replace("\n", " ")
    s = _SCI.sub(r"\1\\times10^{\2}", s)
    s = _EMPTY.sub(r"\\emptyset", s)
    degrees = bool(_DEGREE.search(s))
    s = _DEGREE.sub("", s)
    s = _TRAIL.sub("", s.strip())
    percent = bool(_PCT.search(s))
    if percent:
        s = _PCT.sub("", s)
    text = _text_form(s)
    if text in _NO_SOLUTION:
        return Normalized("\\emptyset")
    s = _CONNECT.sub(",", s)
    unit = " ".join(_singular(m[1]) + (m[2] or "") for m in _UNIT_TAIL.finditer(s))
    s = _UNIT_TAIL.sub("", s)
    s = re.sub(r"(?<=[\d)}])or(?=[A-Za-z(\\])", ",", s)
    s = re.sub(r"\s*,(\s*,)+", ",", s).strip(" ,")
    s = _TEXT_CMD.sub(lambda m: m[1], s) if _has_math(s) else s
    return Normalized(_collapse_chain(s.strip()), percent, text, degrees, unit)


def _singular(unit: str) -> str:
    """``Meters`` and ``meter`` alike (a trailing s, then e, dropped: degrees, degree)."""
    word = re.sub(r"[^a-z]", "", unit.lower())
    return word.removesuffix("s").removesuffix("e")


def _depths(s: str) -> list[int]:
    """Round and square bracket depth before each position of ``s`` (and at its end)."""
    depths, depth = [], 0
    for ch in s:
        depths.append(depth)
        depth += 1 if ch in "([" else -1 if ch in ")]" else 0
    return [*depths, depth]


def _thousands(m: re.Match[str], inside: bool) -> str:
    """Join digit groups, except a bare comma inside brackets: ``(12,102)`` and
    ``(-1,100/3)`` are pairs."""
    bracketed = inside or m[1] is not None or m[4] is not None
    if bracketed and re.fullmatch(r"(?:,\d{3})+", m[3]):
        return m[0]
    return (m[1] or "") + m[2] + _THOUSAND_SEP.sub("", m[3]) + (m[4] or "")


def _decimal_comma(m: re.Match[str]) -> str:
    if m[3] is not None:
        return "0." + m[3]
    return f"{m[1]}.{m[2]}"


def _has_math(s: str) -> bool:
    outside = _TEXT_CMD.sub("", s)
    return bool(re.search(r"[\d=<>+\-*/^\\]", outside))


def _text_form(s: str) -> str:
    """Letters only, lower case, for answers that are words or choice letters; empty for
    anything with math in it (a sign, an operator, a one-letter hyphen like ``x-y``), so that
    ``-x`` never reads as the text ``x``."""
    inner = _TEXT_CMD.sub(lambda m: m[1], s)
    if re.search(r"[\d_]|[^\w\s(),.'\"{}:;!?-]", inner) or _MATH_HYPHEN.search(inner):
        return ""
    return re.sub(r"[^a-z]", "", inner.lower())


_MATH_HYPHEN = re.compile(r"(?<![A-Za-z])-|-(?![A-Za-z])|\b[A-Za-z]-|-[A-Za-z]\b")
"""A hyphen that is a minus: not between two words of two or more letters."""


def _top_level_split(s: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0 and s[i - 1 : i] not in ("<", ">", "!", "\\"):
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


def _collapse_chain(s: str) -> str:
    """``x = 5+5+1 = 11`` becomes ``x = 11``; ``x = 1/3 \\approx 0.33`` becomes ``x = 1/3``.

    A chain of equalities is a derivation; its answer is the last value, labelled with the
    nearest plain name (``x``, ``f(x)``) to its left, if any.
    """
    if _top_level_split(s, ",")[1:] or _top_level_split(s, ";")[1:]:
        return s
    approx = _APPROX.split(s)
    if len(approx) > 1:
        head = approx[0]
        s = head.strip() if "=" in head else head + "=" + approx[-1]
    parts = _top_level_split(s, "=")
    if len(parts) < 3:
        return s
    names = [p for p in parts[:-1] if _NAME.match(p)]
    return f"{names[-1].strip()} = {parts[-1].strip()}" if names else parts[-1].strip()
