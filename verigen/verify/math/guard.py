"""String guards run before any parsing: cheap, linear, safe in any process (no sympy).

They refuse what would make the parser or a later evaluation blow up, or make the text mean
something other than what it renders to: macro definitions, deep nesting, over-long answers.
A refusal is a verdict reason, never an exception to the caller.
"""

from __future__ import annotations

import re

_MACROS = re.compile(
    r"\\(?:"
    r"[A-Za-z]*def"  # \def \edef \gdef \csdef \chardef \mathchardef \countdef...
    r"|[A-Za-z]*(?:[cC]ommand|cmd|[eE]nvironment)[A-Za-z]*"  # LaTeX, xparse, etoolbox
    r"|(?:cs|future|global)?let(?:cs)?|[A-Za-z]*Let[A-Za-z]*"  # \let \csletcs \LetLtxMacro
    r"|Declare[A-Za-z]*|[a-z]*(?:patch|preto|appto)[a-z]*"  # \patchcmd \pretocmd \gappto
    r"|[a-z]*code|every[a-z]+|after(?:group|assignment)"  # \catcode \mathcode \everymath
    r"|AtBegin[A-Za-z]*|AtEnd[A-Za-z]*|AddToHook[A-Za-z]*"  # hooks: code run elsewhere
    r"|if(?!f(?![A-Za-z]))[a-z]*|newif"  # \iffalse hides text (\iff is a relation)
    r"|csname|expandafter|noexpand|scantokens|uppercase|lowercase|makeatletter|ExplSyntaxOn"
    r"|input|include|write|read|immediate|openin|openout|directlua|luaexec|loop|repeat"
    r")(?![A-Za-z])"
)
"""Commands that change what later text means, by family rather than by name: definers
(anything ending in ``def``; any ``command``/``cmd``/``environment``/``Declare...``/``let``
command, which covers LaTeX, xparse and etoolbox), patchers and hooks (``\\patchcmd``,
``\\appto``, ``\\AtBeginDocument``, ``\\everymath``), catcode-like tables (``\\catcode``,
``\\mathcode``, ``\\lccode``...), conditionals that hide text (``\\iffalse``), expansion
tricks, and file or shell access. After one, the text no longer means what it renders to
(``\\renewcommand{\\frac}[2]{#1}`` makes ``\\frac{4}{5}`` render as 4); listing names one by
one always misses the next package's variant."""


_MARKED_NUMBER = re.compile(r"(?<![A-Za-z\\^_{])\d[\d.]*\s*(?:_|'|\^\s*\{?\s*\\prime)")
"""``19_2``, ``5'``, ``1^\\prime``: a number with a subscript (a base its digits do not
fit, or an index) or a prime (feet, minutes), which the parser would read as the bare number.
A valid base-n numeral and degrees-minutes-seconds are rewritten before this guard runs."""


class Refused(Exception):
    """The answer was not parsed on purpose; ``reason`` becomes the verdict's reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def macro_definition(text: str) -> str | None:
    """The first macro-defining command anywhere in ``text`` (its name cut to 60 characters:
    a family rule matches names of any length), or None."""
    found = _MACROS.search(text)
    return found[0][:60] if found else None


def guard_text(latex: str, max_chars: int, max_nesting: int) -> None:
    """Refuse, before any parsing, text that is too long, too deep or defines macros."""
    if len(latex) > max_chars:
        raise Refused("answer_too_long")
    if _MACROS.search(latex):
        raise Refused("macro_definition")
    if _MARKED_NUMBER.search(latex):
        raise Refused("unparsable")
    depth = deepest = 0
    for ch in latex:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > max_nesting:
        raise Refused("too_deep")
