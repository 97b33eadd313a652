"""String guards run before any parsing: cheap, linear, safe in any process (no sympy).

They refuse what would make the parser or a later evaluation blow up, or make the text mean
something other than what it renders to: macro definitions, deep nesting, over-long answers.
A refusal is a verdict reason, never an exception to the caller.
"""

from __future__ import annotations

import re

_MACROS = re.compile(
    r"\\(?:[egx]?def|let|futurelet|(?:re)?newcommand[x*]?|providecommand|"
    r"(?:re)?newenvironment|(?:New|Renew|Provide|Declare)DocumentCommand|"
    r"Declare(?:MathOperator|RobustCommand|PairedDelimiter|TextFontCommand|MathSymbol)|"
    r"(?:math)?chardef|countdef|newif|csdef|catcode|csname|expandafter|input|include|"
    r"write|read|loop|repeat)(?![A-Za-z])"
)
"""Commands that define or redefine macros (or read files): after one, the text no longer
means what it says (``\\renewcommand{\\frac}[2]{#1}`` makes ``\\frac{4}{5}`` render as 4)."""


class Refused(Exception):
    """The answer was not parsed on purpose; ``reason`` becomes the verdict's reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def macro_definition(text: str) -> str | None:
    """The first macro-defining command anywhere in ``text``, or None."""
    found = _MACROS.search(text)
    return found[0] if found else None


def guard_text(latex: str, max_chars: int, max_nesting: int) -> None:
    """Refuse, before any parsing, text that is too long, too deep or defines macros."""
    if len(latex) > max_chars:
        raise Refused("answer_too_long")
    if _MACROS.search(latex):
        raise Refused("macro_definition")
    depth = deepest = 0
    for ch in latex:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > max_nesting:
        raise Refused("too_deep")
