"""String guards run before any parsing: cheap, linear, safe in any process (no sympy).

They refuse what would make the parser or a later evaluation blow up: macro definitions, deep
nesting, over-long answers. A refusal is a verdict reason, never an exception to the caller.
"""

from __future__ import annotations

import re

_MACROS = re.compile(
    r"\\(?:def|edef|gdef|xdef|let|newcommand|renewcommand|providecommand|"
    r"catcode|csname|expandafter|input|include|write|read|loop|repeat)\b"
)


class Refused(Exception):
    """The answer was not parsed on purpose; ``reason`` becomes the verdict's reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def guard_text(latex: str, max_chars: int, max_nesting: int) -> None:
    """Refuse, before any parsing, text that is too long, too deep or defines macros."""
    if len(latex) > max_chars:
        raise Refused("answer_too_long")
    if _MACROS.search(latex):
        raise Refused("unsafe_latex")
    depth = deepest = 0
    for ch in latex:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > max_nesting:
        raise Refused("too_deep")
