"""Reading a well-posedness judge's reply: ``{"given": ..., "missing": ..., "well_posed": ...}``.

Small judges contradict themselves in two measured ways, and each has its own reading:

- **A named gap under a yes.** ``"missing": "his sister's age", "well_posed": true``: the gap
  is believed over the yes (issue 13's "Tom is twice as old as his sister").
- **The asked quantity written as "missing".** The 1.5B model fills the slot with what the
  question asks ("missing": "the number of muffins left" for "How many muffins are left?"),
  then says yes: that names no gap, since every solver is asked to find exactly that. Reading
  it as a gap removed 31 of 60 well-posed bench statements; reading it as the asked quantity,
  10, while the ill-posed ones it caught went from 22 to 17 of 28 (docs/precision.md). A
  ``missing`` is the asked quantity only when every content word of it occurs in a clause
  that asks — "the number of apples Ben has" for "How many apples does Ann have?" still names
  a gap (Ben's apples), and so does "y" for "Solve for x: x + y = 3" (the equation is not
  the clause that asks).

A ``missing`` that repeats the reply format's own description (the 0.5B model copies the
placeholder) judged nothing: it is re-asked, never guessed either way.
"""

from __future__ import annotations

import re

from verigen.generate.structured import Unusable, extract_json
from verigen.llm import ChatResponse

READING_VERSION = "2"
"""Bumped whenever the reading of a reply changes: it is part of the key a run's verdicts are
stored under (``pipeline.verifying.verifier_key``), so a journal judged under an older reading
is judged again, from its cached replies. 2: the asked quantity is no gap; a copied placeholder
is re-asked."""
MISSING_PLACEHOLDER = "a number or fact the answer needs that is not given, or none"
"""The ``missing`` slot's description in the judge's prompt (``math_well_posed.txt``)."""

_YES_NO = {"true": True, "yes": True, "false": False, "no": False}
_NOTHING_WORDS = frozenset({"", "none", "nothing", "no", "n/a", "na", "null", "nil", "-", "--"})
"""A ``missing`` that names nothing (also anything starting "none", "nothing", "no missing")."""
_HINT = (
    'Reply with one JSON object: {"given": "...", "missing": "...", "well_posed": true or false}.'
)
_ECHO_HINT = (
    'Fill in "missing" with the number or fact the problem lacks, or "none"; do not repeat '
    "the instructions."
)

# fmt: off
_FILLER = frozenset({
    "a", "an", "the", "of", "or", "and", "to", "in", "on", "for", "by", "at", "as", "is", "are",
    "was", "were", "be", "been", "it", "its", "their", "his", "her", "them", "they", "he", "she",
    "that", "this", "these", "those", "with", "from", "into", "than", "then", "each", "per",
    "some", "any", "all", "both", "either", "not", "what", "how", "many", "much", "which", "who",
    "whom", "when", "where", "there", "one",
})
_GENERIC = frozenset({"number", "numbers", "value", "values", "amount", "quantity", "answer",
                      "result"})
# fmt: on
"""Words that say "a quantity" without saying which: they neither name a gap nor the asked."""
_SENTENCE = re.compile(r".+?(?:[?!]|\.(?=\s|$)|$)", re.S)
_ASKS = re.compile(
    r"\b(?:what|how|which|who|when|where|find|compute|solve|determine|calculate|evaluate|"
    r"simplify|express)\b",
    re.I,
)


def parse_well_posed(response: ChatResponse, statement: str) -> bool:
    """Well-posed only when ``well_posed`` says so (a boolean, or yes/no/true/false as a
    string) and ``missing`` names no gap: nothing, or only the quantity the question asks
    for. A reply that is only "yes" or "no" is read as such."""
    bare = response.text.strip().strip(".!`*\"' ").lower()
    if bare in _YES_NO:
        return _YES_NO[bare]
    try:
        data = extract_json(response.text)
    except Unusable:
        raise Unusable("no_judgement", _HINT) from None
    value = data.get("well_posed") if isinstance(data, dict) else None
    if isinstance(value, str):
        value = _YES_NO.get(value.strip().lower())
    if not isinstance(value, bool):
        raise Unusable("no_judgement", _HINT)
    missing = data.get("missing")
    if not isinstance(missing, str) or _names_nothing(missing):
        return value
    if _echoes_placeholder(missing):
        raise Unusable("echoed_format", _ECHO_HINT)
    return value and restates_the_question(missing, statement)


def restates_the_question(missing: str, statement: str) -> bool:
    """Every content word of ``missing`` occurs in a clause of ``statement`` that asks (a
    question, or an instruction such as "Solve for x"), comparing words by their first four
    letters after a plural ``s`` ("weekly earnings" ~ "earn per week")."""
    asked = {_stem(w) for w in _words(_asking_clauses(statement))}
    content = [w for w in _words(missing) if w not in _FILLER and w not in _GENERIC]
    return all(_stem(w) in asked for w in content)


def _names_nothing(missing: str) -> bool:
    text = missing.strip(" .!\"'").lower()
    return text in _NOTHING_WORDS or re.match(r"(?:none|nothing|no missing)\b", text) is not None


def _echoes_placeholder(missing: str) -> bool:
    return " ".join(_words(missing)) == " ".join(_words(MISSING_PLACEHOLDER))


def _asking_clauses(statement: str) -> str:
    """The clauses that ask ("what is x" of "If 5x + 8y = 50, what is x?"); the last sentence
    when none has an asking word."""
    sentences = [s.strip() for s in _SENTENCE.findall(" ".join(statement.split())) if s.strip()]
    clauses = [c for s in sentences for c in re.split(r"[,:;]\s", s) if _ASKS.search(c)]
    return " ".join(clauses or sentences[-1:])


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.lower().replace("'s", ""))


def _stem(word: str) -> str:
    if word[0].isdigit():
        return word
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return word[:4]
