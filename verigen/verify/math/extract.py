"""Find the final answer in a model's solution text, and say which rule found it.

Pure string work with bounded, linear regexes: safe to run in any process, never parses math.
Rules, by priority (within a tier the rightmost match wins, so a self-corrected solution
counts its last answer):

1. ``boxed`` — the last ``\\boxed{}``/``\\fbox{}`` group (boxes joined only by "and", commas or
   spacing count as one multi-part answer) and ``final_answer_is`` ("The final answer is X").
2. ``final_answer`` ("Final Answer: ... is X") and ``answer_anchor`` ("Answer: X").
3. ``last_expression`` — the last LaTeX environment or plain number/expression (optional).

A text that is itself a short bare answer (``-5``, ``1 000``, ``x = 1/3``) is taken whole.

Never a fragment: an answer is a whole box, environment or expression, or nothing we can
read. An unclosed box or math environment runs to the end of the text, and a plain number
that is an operand of a larger expression (``1 + \\frac{1}{...}``, ``2\\pi``, ``x + 3``) stands
for its whole line; the guards or the parser then refuse what is too long, too deep or not
math, instead of a piece of it being compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verigen.verify.math.options import MathOptions


@dataclass(frozen=True)
class Extraction:
    """An answer found in a text: ``answer`` is LaTeX-ish text, ``rule`` names the rule."""

    answer: str
    rule: str
    plain: bool = False
    """True when the answer came from text outside LaTeX (decimal commas are allowed there)."""


_PCT = r"(?:\\?%|\s?percent(?:age)?\b|\s?pct\b)"
_NUM = r"(?:\d{1,3}(?: \d{3})+(?![\d,.])|\d+(?:[.,]\d+)*|\.\d+)"
_PLAIN = re.compile(
    r"(?<![\w.\\^_{])(?:\*\*)?[$€£¥₹]?\s?(?P<plain>-?\(?\s?"
    + _NUM
    + r"(?:\s?[-+*/×÷^]\s?\(?\s?-?"
    + _NUM
    + r"\s?\)?){0,12}\)?)(?P<pct>\s?"
    + _PCT
    + r")?"
)
_ENV = re.compile(
    r"\$\$(?P<dd>(?:[^$]|\$(?!\$)){1,8000}?)\$\$"
    r"|\\\[(?P<db>.{1,8000}?)\\\]"
    r"|\\\((?P<ip>[^\n]{1,3000}?)\\\)"
    r"|(?<![\\$])\$(?P<id>(?:\\\$|[^\n$]){1,30000}?)(?<!\\)\$(?P<pct>\s?" + _PCT + r")?",
    re.DOTALL,
)
_BOLD = re.compile(r"\*\*(?P<bold>[^*\n]{1,80})\*\*")
_BOX = re.compile(r"\\{1,2}(?:boxed|fbox)\s*\{")
_FINAL_IS = re.compile(r"final answer is\s*:?\s*", re.IGNORECASE)
_FINAL_GAP = re.compile(r"final answer\b[^\n]{0,100}?\s(?:is|=|:)\s*:?\s*", re.IGNORECASE)
_ANSWER = re.compile(r"\banswer\b\s*(?::|is\b|=)?\s*", re.IGNORECASE)
_CONNECTOR = re.compile(
    r"^(?:\s|,|;|\.(?=\s)|\$|\\[()\[\]]|\\q?quad|\\[,;: !]|~|\\text\{[^{}]{0,40}\}|\band\b|\bor\b"
    r"|\*\*)*$"
)
_JOIN_WORDS = re.compile(r"\b(?:and|or)\b|,|;", re.IGNORECASE)
_RETRACT = re.compile(r"\b(?:wait|actually|mistake|wrong|hmm|but|no|not|instead)\b", re.I)
_CHOICE = re.compile(r"\s*(?:\*\*)?(?:option\s+)?\(?(?P<letter>[A-J])\)?(?:\*\*)?(?=[\s.,;:]|$)")
_LITERAL_NEWLINE = re.compile(r"\\n(?![a-z])")
_OPENER = re.compile(r"\$\$|\\\[|\\\(")
_MATH_CMD = (
    r"\\(?:[dtc]?frac|sqrt|pi|cdot|times|div|pm|mp|sin|cos|tan|cot|sec|csc|log|ln|exp|"
    r"binom|infty|sum|prod|int|left|mathrm|operatorname)(?![A-Za-z])"
)
_OPERAND_AFTER = re.compile(r"\s*[-+*/^×÷]\s*[A-Za-z(\\{]|\s*" + _MATH_CMD + r"|[{^_]")
"""Right after a plain number: the number is an operand of a larger expression."""
_OPERAND_BEFORE = re.compile(r"(?:[\w)}\]]\s*[-+*/^×÷]|" + _MATH_CMD + r"|[\^_{])\s*$")
"""Right before a plain number: the same."""
_BARE = re.compile(r"^[^\n]{0,200}$")
_WORD = re.compile(r"[A-Za-z']{2,}[.,:;!?]*")


def extract_answer(text: str, options: MathOptions | None = None) -> Extraction | None:
    """The final answer of ``text`` by the rules above, or None when nothing qualifies."""
    opts = options or MathOptions()
    text = _LITERAL_NEWLINE.sub("\n", text[-opts.max_text_chars :])
    bare = _bare(text)
    if bare is not None:
        return bare
    envs = [_env_item(m) for m in _ENV.finditer(text)]
    unclosed = _unclosed_math(text, envs)
    if unclosed is not None:
        envs.append(unclosed)
    items = envs + (_plain_items(text, envs) if opts.plain_text_math else [])
    items.sort(key=lambda it: it[0])
    for tier in (_tier_boxed, _tier_anchor):
        found = tier(text, items)
        if found is not None:
            return found
    if opts.fallback_last_expression and items:
        return Extraction(
            _join_back(text, items, len(items) - 1), "last_expression", plain=items[-1][3]
        )
    return None


_Item = tuple[int, int, str, bool]  # start, end, answer text, plain


def _bare(text: str) -> Extraction | None:
    """A short text with no prose, boxes or anchors is itself the answer."""
    stripped = text.strip()
    if not stripped or not _BARE.match(stripped) or _BOX.search(stripped):
        return None
    if _ANSWER.search(stripped) or "$" in stripped[1:-1]:
        return None
    tokens = _drop_commands(stripped).split()
    prose = [t for t in tokens if _WORD.fullmatch(t) and t.lower() not in ("and", "or")]
    if prose and len(tokens) >= 3:
        return None
    inner = stripped
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if inner.startswith(left) and inner.endswith(right) and len(inner) > len(left + right):
            inner = inner[len(left) : -len(right)]
            break
    plain = "\\" not in inner and "$" not in stripped
    return Extraction(inner.strip(), "bare", plain=plain)


def _drop_commands(text: str) -> str:
    return re.sub(r"\\(?:text|mathrm)\{[^{}]*\}|\\[A-Za-z]+", " ", text)


def _env_item(m: re.Match[str]) -> _Item:
    body = next(g for g in (m["dd"], m["db"], m["ip"], m["id"]) if g is not None)
    if m["pct"]:
        body += "\\%"
    return (m.start(), m.end(), body, False)


def _unclosed_math(text: str, envs: list[_Item]) -> _Item | None:
    """The first ``$$`` or ``\\[`` that opens no environment (unclosed, or too long for
    ``_ENV``), or ``\\(`` never closed: its math runs to the end of the text. A lone ``$`` is
    a dollar sign, and an inline ``\\(`` closed on a later line is no math (as upstream)."""
    spans = iter(envs)
    span = next(spans, None)
    last_inline_close = text.rfind("\\)")
    for m in _OPENER.finditer(text):
        while span is not None and span[1] <= m.start():
            span = next(spans, None)
        if span is not None and m.start() >= span[0]:
            continue  # inside an environment
        if m[0] == "\\(" and last_inline_close > m.start():
            continue
        return (m.start(), len(text), text[m.end() :], False)
    return None


def _plain_items(text: str, envs: list[_Item]) -> list[_Item]:
    masked = list(text)
    for start, end, _, _ in envs:
        masked[start:end] = " " * (end - start)
    flat = "".join(masked)
    items: list[_Item] = []
    for m in _PLAIN.finditer(flat):
        body = _balance(m["plain"].strip())
        if not body or not any(c.isdigit() for c in body):
            continue
        if _is_operand(flat, m.start("plain"), m.end("plain")):
            line_start = flat.rfind("\n", 0, m.start()) + 1
            line_end = flat.find("\n", m.end()) % (len(flat) + 1)
            items.append((m.start("plain"), m.end(), flat[line_start:line_end].strip(), True))
        else:
            items.append((m.start("plain"), m.end(), body + ("\\%" if m["pct"] else ""), True))
    for m in _BOLD.finditer(flat):
        items.append((m.start(), m.end(), m["bold"].strip(), True))
    return items


def _is_operand(flat: str, start: int, end: int) -> bool:
    before = flat[max(0, start - 40) : start]
    return bool(_OPERAND_AFTER.match(flat, end) or _OPERAND_BEFORE.search(before))


def _balance(expr: str) -> str:
    """Drop parentheses left unmatched by a regex cut (``(1/2`` or ``3)``)."""
    while expr.count("(") > expr.count(")") and expr.startswith("("):
        expr = expr[1:].strip()
    while expr.count(")") > expr.count("(") and expr.endswith(")"):
        expr = expr[:-1].strip()
    return expr


def _tier_boxed(text: str, items: list[_Item]) -> Extraction | None:
    best: tuple[int, Extraction] | None = None
    box = _last_box_group(text)
    if box is not None:
        best = box
    for m in _FINAL_IS.finditer(text):
        found = _after_anchor(text, m.end(), items, 300)
        if found is not None and (best is None or m.end() > best[0]):
            best = (m.end(), Extraction(found[0], "final_answer_is", plain=found[1]))
    return best[1] if best else None


def _tier_anchor(text: str, items: list[_Item]) -> Extraction | None:
    best: tuple[int, Extraction] | None = None
    for pattern, rule in ((_FINAL_GAP, "final_answer"), (_ANSWER, "answer_anchor")):
        for m in pattern.finditer(text):
            found = _after_anchor(text, m.end(), items, 60)
            if found is not None and (best is None or m.end() > best[0]):
                best = (m.end(), Extraction(found[0], rule, plain=found[1]))
    return best[1] if best else None


def _after_anchor(text: str, pos: int, items: list[_Item], reach: int) -> tuple[str, bool] | None:
    """A choice letter right after the anchor, else the first math item within ``reach``."""
    choice = _CHOICE.match(text, pos)
    if choice is not None:
        return choice["letter"], True
    for index, (start, _end, _body, plain) in enumerate(items):
        if start >= pos and start - pos <= reach:
            if _RETRACT.search(text[pos:start]) or "\n\n" in text[pos:start]:
                return None
            return _join_forward(text, items, index), plain
        if start > pos + reach:
            break
    return None


def _joinable(gap: str) -> bool:
    return len(gap) <= 3 or (len(gap) <= 40 and bool(_CONNECTOR.match(gap)))


def _join_forward(text: str, items: list[_Item], index: int) -> str:
    parts = [items[index][2]]
    while index + 1 < len(items) and len(parts) < 8:
        gap = text[items[index][1] : items[index + 1][0]]
        if not (_JOIN_WORDS.search(gap) and _joinable(gap)):
            break
        index += 1
        parts.append(items[index][2])
    return ", ".join(parts)


def _join_back(text: str, items: list[_Item], index: int) -> str:
    parts = [items[index][2]]
    while index > 0 and len(parts) < 8:
        gap = text[items[index - 1][1] : items[index][0]]
        if not (_JOIN_WORDS.search(gap) and _joinable(gap)) or items[index - 1][3]:
            break
        index -= 1
        parts.insert(0, items[index][2])
    return ", ".join(parts)


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """Every box as (start, end, content); an unclosed box runs to the end of the text (never
    a cut of it: the guards refuse what is too long or deep)."""
    found: list[tuple[int, int, str]] = []
    pos = 0
    while (m := _BOX.search(text, pos)) is not None:
        depth, i = 1, m.end()
        while i < len(text) and depth:
            if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        content = text[m.end() : i - 1] if depth == 0 else text[m.end() :]
        found.append((m.start(), i, content))
        pos = i
    return found


def _last_box_group(text: str) -> tuple[int, Extraction] | None:
    boxes = _boxes(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        gap = text[prev[1] : group[0][0]]
        words = re.findall(r"[A-Za-z]+", re.sub(r"\\[A-Za-z]+", " ", gap))
        connected = not words or bool(_JOIN_WORDS.search(gap))
        if len(gap) > 80 or "\n\n" in gap or _RETRACT.search(gap) or not connected:
            break
        if len([w for w in words if w.lower() not in ("and", "or")]) > 4:
            break
        group.insert(0, prev)
    answer = ", ".join(content for _, _, content in group)
    if re.match(r"\s*\$?\s*" + _PCT, text[group[-1][1] : group[-1][1] + 16]):
        answer += "\\%"
    return group[-1][1], Extraction(answer, "boxed")
