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
read. An unclosed box or math environment runs to the end of the text, a plain number
that is an operand of a larger expression (``1 + \\frac{1}{...}``, ``2\\pi``, ``x + 3``, ``3n``)
stands for its whole line, and a box that is one (``-\\boxed{5}``, ``\\boxed{5}^2``) for its
whole math environment or line; the guards or the parser then refuse what is too long, too
deep or not math, instead of a piece of it being compared. An anchored answer taken back
later ("Actually it is 6") gives way to the one answer restated after the retraction, or to
no answer at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verigen.verify.math.options import MathOptions
from verigen.verify.math.words import worded_number


@dataclass(frozen=True)
class Extraction:
    """An answer found in a text: ``answer`` is LaTeX-ish text, ``rule`` names the rule."""

    answer: str
    rule: str
    plain: bool = False
    """True when the answer came from text outside LaTeX (decimal commas are allowed there)."""


_PCT = r"(?:\\?%|\s?percent(?:age)?\b|\s?pct\b)"
_NUM = (
    r"(?:\d{1,3}(?:(?:\{,\}|\\,|,\\!\s?)\d{3})+(?!\d)"  # 1{,}000  1\,000  11,\! 111
    r"|\d{1,3}(?: \d{3})+(?![\d,.])|\d+(?:[.,]\d+)*|\.\d+)"
)
_PLAIN = re.compile(
    r"(?<![\w.\\^_{])(?:\*\*)?(?:(?P<sign>[-−])\s?(?=\\?[$€£¥₹]))?(?:\\?[$€£¥₹])?\s?"
    r"(?P<plain>[-−]?\(?\s?"
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
"""Between an anchor (or a box) and its answer: the answer is negated or being corrected."""
_HYPOTHETICAL = re.compile(r"\b(?:would|could|might|if|suppose|assuming)\b", re.I)
"""Between an anchor and its answer: no answer is given ("the answer would be 6 if...")."""
_RETRACTION = re.compile(
    r"\b(?:actually|wait|hmm+|oops|mistaken|mistake|wrong|incorrect|correction|scratch that"
    r"|on second thought|let me re(?:do|check|consider|calculate|compute))\b",
    re.I,
)
"""After an anchored answer: it is being taken back. Narrower than ``_RETRACT``: "5, not 6"
or "but" after an answer does not retract it."""
_RESTATED = re.compile(
    r"(?:\b(?:is|are|it's|be|was|get|gives?)\s*:?|:)\s*(?:\*\*)?[$€£¥₹]?\s*\Z", re.I
)
"""Right before the answer that replaces a retracted one: it is stated ("it is 6"), not
mentioned ("let me check n = 2")."""
_CHOICE = re.compile(r"\s*(?:\*\*)?(?:option\s+)?\(?(?P<letter>[A-J])\)?(?:\*\*)?(?=[\s.,;:]|$)")
_WORDED = re.compile(
    r"\s*:?\s*(?:\*\*)?(?P<words>[A-Za-z][A-Za-z ,-]{0,120}?)(?:\*\*)?\s*[.!]?\s*?(?=\n|$)",
    re.MULTILINE,
)
"""Right after an anchor: a phrase that ends its line (``The answer is twenty-one.``); it is
the answer only when all of it is a number in words (``words.worded_number``)."""
_LITERAL_NEWLINE = re.compile(r"\\n(?![a-z])")
_OPENER = re.compile(r"\$\$|\\\[|\\\(")
_MATH_CMD = (
    r"\\(?:[dtc]?frac|sqrt|pi|cdot|times|div|pm|mp|sin|cos|tan|cot|sec|csc|log|ln|exp|"
    r"binom|infty|sum|prod|int|left|mathrm|operatorname)(?![A-Za-z])"
)
_MATH_WORD = (
    r"(?:pi|sqrt|cbrt|root|squared|cubed|factorial|times|plus|minus|over|divided|mod"
    r"|hundred|thousand|million|billion|trillion|dozen)\b"
)
_GLUED_SUFFIX = (
    r"(?:st|nd|rd|th|[kcm]?m|[km]?g|m?s|min|hrs?|h|[km]?L|ml|ft|yd|mi|lbs?|oz|mph|km/h)"
    r"[²³]?(?![^\W\d_])"
)
"""Letters glued to a number that are a unit symbol or an ordinal suffix, not a factor."""
_OPERAND_AFTER = re.compile(
    r"\s*[-+*/^×÷]\s*[A-Za-z(\\{]|\s*" + _MATH_CMD + r"|[{^_!(√∛∜]|\s*[π√∛∜∞]"
    r"|(?!" + _GLUED_SUFFIX + r")[^\W\d_]|\s+" + _MATH_WORD
)
"""Right after a plain number: the number is an operand of a larger expression (``3n+1``,
``2x``, ``4π``, ``3i``, ``6!``, ``5 sqrt(2)``, ``2 pi``, ``5 thousand``); an ordinal or a
unit symbol glued to it (``3rd``, ``12cm``, ``1,000.99m²``) or any word after a space
(``12 meters``) is not."""
_OPERAND_BEFORE = re.compile(
    r"(?:[\w)}\]]\s*[-+*/^×÷]|" + _MATH_CMD + r"|[\^_{±∓√∛∜]|\b(?:negative|minus|plus|times"
    r"|over|sqrt|root of|divided by|multiplied by))\s*$"
)
"""Right before a plain number: the same (``x + 3``, ``\\sqrt 3``, ``√3``, ``negative 5``)."""
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
        try:
            found = tier(text, items)
        except _Refused:
            return None
        if found is not None:
            return found
    if opts.fallback_last_expression and items:
        return Extraction(
            _join_back(text, items, len(items) - 1), "last_expression", plain=items[-1][3]
        )
    return None


_Item = tuple[int, int, str, bool]  # start, end, answer text, plain
_Found = tuple[str, bool, int]  # answer text, plain, end of the answer in the text


class _Refused(Exception):
    """The best-ranked answer was retracted and nothing unambiguous replaced it: refuse the
    whole text rather than fall back to a weaker rule's pick."""


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
        start = m.start("sign") if m["sign"] else m.start("plain")  # -$5: the sign is its own
        if _is_operand(flat, start, m.start("plain") + len(m["plain"].rstrip())):
            line_start = flat.rfind("\n", 0, m.start()) + 1
            line_end = flat.find("\n", m.end()) % (len(flat) + 1)
            items.append((m.start("plain"), m.end(), flat[line_start:line_end].strip(), True))
        else:
            sign = "-" if m["sign"] else ""
            items.append(
                (m.start("plain"), m.end(), sign + body + ("\\%" if m["pct"] else ""), True)
            )
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
    box = _last_box_group(text, items)
    if box is not None:
        best = box
    for m in _FINAL_IS.finditer(text):
        found = _after_anchor(text, m.end(), items, 300)
        if found is not None and (best is None or m.end() > best[0]):
            best = (m.end(), Extraction(found[0], "final_answer_is", plain=found[1]))
    return best[1] if best else None


def _tier_anchor(text: str, items: list[_Item]) -> Extraction | None:
    best: tuple[int, str, _Found] | None = None
    for pattern, rule in ((_FINAL_GAP, "final_answer"), (_ANSWER, "answer_anchor")):
        for m in pattern.finditer(text):
            found = _after_anchor(text, m.end(), items, 60)
            if found is not None and (best is None or m.end() > best[0]):
                best = (m.end(), rule, found)
    if best is None:
        return None
    answer, plain = _standing(text, best[2], items)
    return Extraction(answer, best[1], plain=plain)


def _after_anchor(text: str, pos: int, items: list[_Item], reach: int) -> _Found | None:
    """A choice letter or a number in words ending the line right after the anchor, else the
    first math item within ``reach``; None when the words between negate it or make it
    hypothetical ("would be 6 if...")."""
    choice = _CHOICE.match(text, pos)
    if choice is not None:
        return choice["letter"], True, choice.end()
    worded = _WORDED.match(text, pos)
    if worded is not None and worded_number(worded["words"]) is not None:
        return worded["words"], True, worded.end()
    for index, (start, _end, _body, plain) in enumerate(items):
        if start >= pos and start - pos <= reach:
            gap = text[pos:start]
            if _RETRACT.search(gap) or _HYPOTHETICAL.search(gap) or "\n\n" in gap:
                return None
            answer, last = _join_forward(text, items, index)
            return answer, plain, items[last][1]
        if start > pos + reach:
            break
    return None


def _standing(text: str, found: _Found, items: list[_Item]) -> tuple[str, bool]:
    """The anchored answer if nothing after it retracts it ("Actually it is 6", "Hmm, no,
    that is wrong"); after a retraction, the one answer restated after the last one; else
    refuse: a retracted answer is never accepted, and a guess between several is no answer.
    Boxes and "The final answer is" are formatted verdicts and are not second-guessed."""
    answer, plain, end = found
    retractions = [m.end() for m in _RETRACTION.finditer(text, end)]
    if not retractions:
        return answer, plain
    later = [it for it in items if it[0] >= retractions[-1]]
    if len({it[2].strip() for it in later}) != 1:
        raise _Refused
    if not _RESTATED.search(text, max(retractions[-1], later[0][0] - 40), later[0][0]):
        raise _Refused
    return later[-1][2], later[-1][3]


def _joinable(gap: str) -> bool:
    return len(gap) <= 3 or (len(gap) <= 40 and bool(_CONNECTOR.match(gap)))


def _join_forward(text: str, items: list[_Item], index: int) -> tuple[str, int]:
    """The items joined from ``index`` on, and the index of the last one joined."""
    parts = [items[index][2]]
    while index + 1 < len(items) and len(parts) < 8:
        gap = text[items[index][1] : items[index + 1][0]]
        if not (_JOIN_WORDS.search(gap) and _joinable(gap)):
            break
        index += 1
        parts.append(items[index][2])
    return ", ".join(parts), index


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


def _last_box_group(text: str, items: list[_Item]) -> tuple[int, Extraction] | None:
    """The last box with the boxes joined to it; when one of them is an operand
    (``-\\boxed{5}``, ``\\boxed{5}^2``), the whole expression it is part of instead."""
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
    start, end = group[0][0], group[-1][1]
    if _box_is_operand(text, start, end):
        return end, Extraction(_surrounding(text, start, end, items), "boxed")
    answer = ", ".join(content for _, _, content in group)
    if re.match(r"\s*\$?\s*" + _PCT, text[group[-1][1] : group[-1][1] + 16]):
        answer += "\\%"
    return group[-1][1], Extraction(answer, "boxed")


_BOX_BEFORE = re.compile(
    r"(?:[\w)\]]|(?:[-+*/^_×÷·±∓√]|" + _MATH_CMD + r"|(?:[}^_]|" + _MATH_CMD + r")\s*\{)\s*)$"
)
"""Right before a box: it is a factor, a term or an argument (``2\\boxed``, ``-\\boxed``,
``\\times\\boxed``, ``\\frac{1}{\\boxed``)."""
_BOX_AFTER = re.compile(
    r"\s*(?:[-+*/×÷·]\s*(?![A-Za-z]{2})[\w(\\{]|\^(?!\s*\{?\s*\\circ)|" + _MATH_CMD + r"|[π√∛∜])"
    r"|[_!(\d]|(?!" + _GLUED_SUFFIX + r")[^\W\d_]"
)
"""Right after a box: the same (``\\boxed{5}^2``, ``\\boxed{5}\\times10^3``, ``\\boxed{5}x``);
degrees, units, punctuation and a dash before a word (``\\boxed{5} - done``) are not."""


def _box_is_operand(text: str, start: int, end: int) -> bool:
    """Whether the box group ``text[start:end]`` is part of a larger expression (the gaps
    inside a group were already vetted as connectors)."""
    before = _BOLD_END.sub(" ", text[max(0, start - 40) : start])
    if _BULLET.fullmatch(before[before.rfind("\n") + 1 :]):
        return False
    return bool(_BOX_BEFORE.search(before) or _BOX_AFTER.match(text, end))


_BOLD_END = re.compile(r"\*\*\s*$")
"""Markdown bold right before a box is no multiplication."""
_BULLET = re.compile(r"\s*[-*+]\s+")
"""A list bullet alone before a box on its line is no operator."""


def _surrounding(text: str, start: int, end: int, items: list[_Item]) -> str:
    """The math environment around ``text[start:end]``, else its whole line."""
    around = [it for it in items if not it[3] and it[0] <= start and end <= it[1]]
    if around:
        return min(around, key=lambda it: it[1] - it[0])[2]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)
    return text[line_start:line_end].strip()
