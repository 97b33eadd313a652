"""Numbers written in words (``five``, ``twenty-one``, ``three quarters``), read exactly.

A model sometimes answers in words (``\\boxed{\\text{five}}``); read as text, that answer could
never equal ``5``. Only a whole answer that is one well-formed number phrase is read, by a
grammar rather than by summing whatever number words appear: ``five five`` and ``twenty five
hundred`` are not numbers here (they stay text, and are rejected against any number), so a
loose phrase is never read as a value it does not name.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

_SMALL = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_VALUES = {w: n for n, w in enumerate(_SMALL)} | {w: 10 * n for n, w in enumerate(_TENS, 2)}
_PARTS = {"half": 2, "halve": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6}
_PARTS |= {"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "hundredth": 100}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}

_UNIT = "|".join(_SMALL[1:10])
_BELOW_100 = rf"(?:(?:{'|'.join(_TENS)})(?: (?:{_UNIT}))?|{'|'.join(_SMALL[10:])}|{_UNIT})"
_BELOW_1000 = rf"(?:(?:{_UNIT}) hundred(?: (?:and )?{_BELOW_100})?|{_BELOW_100})"
_GROUPS = rf"{_BELOW_1000}(?: (?:billion|million|thousand)(?: (?:and )?{_BELOW_1000})?)*"
_PHRASE = re.compile(
    rf"(?:(?P<sign>negative|minus) )?"
    rf"(?:(?P<count>{_BELOW_100}|a|an) (?P<part>{'|'.join(_PARTS)})s?|(?P<whole>zero|{_GROUPS}))"
)


def worded_number(text: str) -> Fraction | None:
    """The value ``text`` names when all of it is one number phrase (case, hyphens, commas and
    surrounding spaces aside), else None."""
    if len(text) > 200:
        return None
    words = re.sub(r"[\s,-]+", " ", text.lower()).strip(" .")
    m = _PHRASE.fullmatch(words)
    if m is None or not _descending(m["whole"] or ""):
        return None
    sign = -1 if m["sign"] else 1
    if m["part"]:
        count = 1 if m["count"] in ("a", "an") else _integer(m["count"])
        return sign * Fraction(count, _PARTS[m["part"]])
    return sign * Fraction(_integer(m["whole"]))


def _integer(phrase: str) -> int:
    total = current = 0
    for word in phrase.split():
        if word in _VALUES:
            current += _VALUES[word]
        elif word == "hundred":
            current *= 100
        elif word in _SCALES:
            total, current = total + current * _SCALES[word], 0
    return total + current


def _descending(phrase: str) -> bool:
    """``two million three thousand``, never ``two thousand three million``."""
    scales = [_SCALES[w] for w in phrase.split() if w in _SCALES and w != "hundred"]
    return all(a > b for a, b in itertools.pairwise(scales))
