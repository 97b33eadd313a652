"""Rewrite an extracted answer into the LaTeX subset the parser reads, as plain string work.

Everything here is a regex or a split, so it is safe on untrusted text; it fixes the notations
the parser misreads (``1 000`` is not 1×000, ``6.02e23`` is not 6.02·e·23, ``12:00`` is not a
ratio) and pulls out what the parser should not see (percent signs, units, answer labels).
Every pattern is linear in the answer's length: none may rescan a run of spaces or dots from
each of its positions (a pattern opening with ``\\s*`` or ending in ``(...)+$`` does), since
hostile answers carry runs of tens of thousands.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from verigen.verify.math.words import worded_number

_DOUBLE_SLASH = re.compile(r"(?<!\\)\\\\(?=[A-Za-z]{2})")
_DELIMS = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\displaystyle|\\[tdc]?(?:big|Big)[lr]?\b|\*\*")
_SEP = r"(?:\s?\{\s?,\s?\}\s?|,\\!\s?|\\[,;:]|\\ |~|,|\s)"
_THOUSANDS = re.compile(
    r"(?<![\d.])([(\[]\s*)?(\d{1,3})((?:" + _SEP + r"\d{3})+)(?![\d])(\s*[)\]])?"
)
_THOUSAND_SEP = re.compile(_SEP)
_SPACED_DIGITS = re.compile(r"(?<![_^])\d(?:\s|\\[ ,;:!>]|~)+\d")
"""Digits apart after thousands are joined (``2 3``, ``1\\ 2``): a product, a sum or one
number to different readers, so the answer is refused."""
_DECIMAL_COMMA = re.compile(r"(?<![\d,])(\d+),(\d{1,2}|\d{4,})(?![\d,])|(?<![\d,])0,(\d+)(?![\d,])")
_SCI = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?[eE]\s?([+-]?\d+)(?![\w.])")
_PERCENT_WORD = r"(?:per\s?cent|percentage|pct)"
_PCT = re.compile(r"(?:\\%|%|\\text\{\s*(?:percent|\\%)\s*\}|\b" + _PERCENT_WORD + r"\b)$")
"""A trailing percent sign or word, matched once trailing spaces are stripped."""
_TEXT_PCT = re.compile(r"(\\text\{[^{}]*?\S)\s+" + _PERCENT_WORD + r"\s*\}$")
"""``\\text{five percent}``: the percent word ends the text group, so it leaves it (``_PCT``)."""
_WORD_OVER = re.compile(
    r"\s*([-+]?\s*\d+(?:\.\d+)?)\s*"
    r"(?:over|divided\s+by|\\text\{\s*(?:over|divided\s+by)\s*\})\s*(\d+(?:\.\d+)?)\s*"
)
"""A whole answer ``3 over 4``: a fraction read aloud."""
_DEGREE_SIGN = r"(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b)"
_DEGREE = re.compile(_DEGREE_SIGN + r"|\\circ\b")
_TEMPERATURE = re.compile(
    r"(?<=[\d}])\s*" + _DEGREE_SIGN + r"\s*(?:\\(?:mathrm|text|textrm)\s*\{\s*([CF])\s*\}|([CF]))"
    r"(?![A-Za-z])"
)
"""``25^\\circ C``: a temperature, not an angle; the scale is its unit."""
_TEMPERATURE_UNITS = {"C": "celsius", "F": "fahrenheit"}
_TRIG_DEGREES = re.compile(
    r"(\\(?:sin|cos|tan|sec|csc|cot))(\^\{?-?\d\}?)?\s*"
    r"(?:\(\s*(-?\d{1,9}(?:\.\d{1,9})?)\s*" + _DEGREE_SIGN + r"\s*\)"
    r"|\{\s*(-?\d{1,9}(?:\.\d{1,9})?)\s*" + _DEGREE_SIGN + r"\s*\}"
    r"|(-?\d{1,9}(?:\.\d{1,9})?)\s*" + _DEGREE_SIGN + ")"
)
"""``\\sin 30^\\circ``: the degrees are the trig function's argument, not the answer's unit."""
_EMPTY = re.compile(r"\\varnothing|\\emptyset|∅|\\\{\s*\\\}")
_TEXT_CMD = re.compile(r"\\(?:text(?:bf|it|rm|normal)?|mathrm|mathbf|mbox|textup)\s*\{([^{}]*)\}")
_TEXT_NUMBER = re.compile(
    r"\\(?:text(?:bf|it|rm|normal|up)?|mbox|mathrm)\s*\{(\s*[-+]?\s*\.?\d[^{}]*)\}"
)
"""``\\text{5}``, ``\\textbf{5}``, ``\\text{5 cm}``: a number in text is still the number."""
_UPRIGHT_CONSTANT = re.compile(r"\\(?:mathrm|text|textrm|operatorname|rm)\s*\{\s*([ie])\s*\}")
"""``2\\mathrm{i}``, ``3\\mathrm{e}``: the imaginary unit and Euler's number set upright."""
_RUN_START = r"(?:(?<!\s)\s*|(?<=\s))"
"""Leading spaces, taken whole only where their run starts: a bare ``\\s*`` would rescan a
long run from each of its positions (quadratic); inside a run only a zero-width start is
tried."""
_CONNECT = re.compile(
    _RUN_START + r"(?:\\text\{\s*(?:and|or|,)\s*\}|\\q?quad|(?<![A-Za-z])(?:and|or)(?![a-z]))\s*"
)
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_SCALES |= {"trillion": 10**12, "dozen": 12}
_SCALE = re.compile(
    r"(?<![\d.])(\d{1,30}(?:\.\d{1,30})?)[\s~]*(?:\\(?:text|mbox|mathrm|textnormal|textrm)\s?"
    r"\{[\s~]*(" + "|".join(_SCALES) + r")s?\s*\}|(" + "|".join(_SCALES) + r")s?(?![A-Za-z]))"
)
"""``5\\text{ thousand}``, ``1.2 million``: a multiplier, not a unit (read exactly)."""
_UNIT_TAIL = re.compile(
    r"(?:(?<=[\d}).])\s*|(?<=\s)(?<!\s\s)\s*)"
    r"\\(?:text|mbox|mathrm|textnormal|textrm|textbf|textit|mathbf|mathit|textsf|mathsf)"
    r"\s?\{[\s~]*([A-Za-z][A-Za-z ./~]*)\}"
    r"(?:\^\{?(\d)\}?)?(?=\s*(?:$|[,;=)\]]|\\[}\\]|\\q?quad))"
)
"""A ``\\text`` word after a number that ends an item (``5\\text{ cm}``): its unit. Not one
inside an expression, where dropping it would join what surrounds it (``5\\text{ times }3``)."""
_NOT_UNITS = frozenset(
    {"pi", "i", "e", "squared", "cubed", "factorial", "sqrt", "root", "half", "halve", "third"}
    | {"quarter", "fourth", "fifth", "sixth", "eighth", "ninth", "tenth", "hundredth"}
    | {"thousandth", "millionth"}
)
"""Words that change a number's value: never dropped as its unit."""
_UNIT_WORDS = (
    r"(?:square |sq\.? |cubic )?(?:dollars?|cents?|euros?|pounds?|yen|rupees?|units?"
    r"|(?:centi|milli|kilo)?(?:meters?|metres?|grams?|liters?|litres?)"
    r"|[ck]m|mm|kg|mg|ml|mL|ft|feet|foot|inch(?:es)?|yards?|yd|miles?|mph|kph"
    r"|(?:k?m|cm|ft|mi)/(?:h|hr|s|sec|min)|seconds?|secs?|minutes?|mins?|hours?|hrs?"
    r"|days?|weeks?|months?|years?|degrees?|deg)"
)
_BARE_UNIT = re.compile(r"(?<=[\d})])[\s~]*(" + _UNIT_WORDS + r")(?![A-Za-z])(?:\^\{?(\d)\}?)?$")
"""A trailing unit word outside ``\\text`` (``5 dollars``, ``9.8 m/s^2``). Only known words:
``2 ab`` is a product of two letters, not two units."""
_CURRENCY = {"\\$": "dollar", "€": "euro", "£": "pound", "¥": "yen", "\\euro": "euro"}
_CURRENCY |= {"\\pounds": "pound", "\\textdollar": "dollar", "\\texteuro": "euro"}
_CURRENCY_SIGN = re.compile(
    r"(?:\\\$|€|£|¥|\\(?:euro|pounds|textdollar|texteuro)(?![A-Za-z]))(?=\s*-?\s*\.?\d)"
)
_FRAC = re.compile(r"\\[dtc]frac|\\[dt]binom")
_ONE_TOKEN_ARGS = re.compile(
    r"\\(frac|binom)(?![A-Za-z])\s*([0-9A-Za-z]|\{[^{}]*\})\s*([0-9A-Za-z]|\{[^{}]*\})"
)
"""``\\frac13``, ``\\binom52``: as in TeX, an argument without braces is one token."""
_OVER_PARTS = r"(?>([^{}]*?)\\(over|choose)(?![A-Za-z]))([^{}]*+)"
"""``1 \\over 2``; atomic, so a failed match is not retried at every later ``\\over``."""
_OVER = re.compile(r"\{" + _OVER_PARTS + r"\}")
_BARE_OVER = re.compile(_OVER_PARTS)
_REPEATING = re.compile(
    r"(?<![\d.])(\d{0,30})\.(\d{0,30})\\(?:overline|bar)\s*\{(\d{1,30})\}(?![\d.])"
)
"""``0.1\\overline{6}``: a repeating decimal, read as the exact fraction it is."""
_SPACE_CMD = re.compile(r"\\[hv]space\*?\s*\{[^{}]*\}|\\[hv]skip\s*-?\d*(?:\.\d+)?[a-z]{2}")
_STYLE = re.compile(
    r"\\(?:(?:mathbf|boldsymbol|bm|pmb|mathit|mathsf|mathtt|mathnormal)\s*\{"
    r"|textcolor\s*\{[^{}]*\}\s*\{|color\s*\{[^{}]*\}(?P<group>\s*\{)?)|\\[{}]|[{}]"
)
"""Fonts and colours: how a symbol looks, not what it is (``\\mathbf{5}`` is 5; the parser
reads it as a symbol named ``5``). ``\\mathrm`` is not among them: its words are units and
text (``5\\mathrm{cm}``), its letters constants (``\\mathrm{e}``)."""
_OPEN, _CLOSE = "\x00", "\x01"
_ATOM_GROUP = re.compile(_OPEN + r"([\w.]*)" + _CLOSE)
_NOT_EQUAL = re.compile(r"\\not\s*=")
_QUOTED = re.compile(r"\s*'([^']*)'\s*")
"""``'B'``: a quoted answer, whose closing quote is no prime."""
_PRIMES = re.compile(r"(?<=[A-Za-z)}])'+(?![A-Za-z])|(?<=(?<![A-Za-z\\])[A-Za-z])'+")
"""``f'(x)``, ``x''``, ``a'b``: primes (the parser drops a bare ``'``, reading ``x'`` as
``x``); an apostrophe inside a word (``don't``) is text."""
_NUM = r"(\d{1,6}(?:\.\d{1,12})?)"
_DMS = re.compile(
    r"(?<![\d.])"
    + _NUM
    + r"\s*"
    + _DEGREE_SIGN
    + r"\s*"
    + _NUM
    + r"\s*(?:'(?!')|\^\s*\{?\s*\\prime\s*\}?|\\prime(?![A-Za-z]))"
    + r"(?:\s*"
    + _NUM
    + r"\s*(?:''|\"|\^\s*\{?\s*\\prime\s*\\prime\s*\}?))?"
)
"""``30^\\circ 30' 36''``: degrees, minutes and seconds, read as the one angle they are."""
_BASE_N = re.compile(
    r"(?<![\w.^_\\])([0-9A-Z]+)\s*_\s*(?:\{\s*\(?\s*(\d{1,2})\s*\)?\s*\}|(\d))(?![\w.])"
)
"""``1010_2``, ``12_{(3)}``, ``1A_{16}``: a numeral in base b, read as its value."""
_MIXED = re.compile(
    r"(?<![\w.}^_)\]!\\])(\d{1,30})\s*(?:(?:\\[,;: ]|~)\s*)*"
    r"\\frac\s*\{\s*(\d{1,30})\s*\}\s*\{\s*(\d{1,30})\s*\}"
)
"""``2\\frac{1}{2}``: a whole number then a proper fraction of digits is a mixed number (5/2);
anything else written next to a number (``2(1/2)``, ``2\\frac{3}{2}``) is a product."""
_CHOICE = re.compile(r"(?i)(?:option|choice)\s*\(?\s*([A-E])\s*\)?")
_BARE_NAMES = re.compile(r"(?<![\\A-Za-z])(pi|sqrt|sin|cos|tan|ln|log|infty)(?![A-Za-z])")
_SPACING = re.compile(r"\\[!;:>]|\\ (?!\d)")
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
_SYMBOLS = {
    "\u2212": "-",
    "\u2044": "/",
    "\u2215": "/",
    "∞": "\\infty ",
    "·": "\\cdot ",
    "⋅": "\\cdot ",
    "∙": "\\cdot ",
    "×": "\\times ",
    "÷": "\\div ",
    "≤": "\\le ",
    "≥": "\\ge ",
    "≠": "\\neq ",
    "±": "\\pm ",
    "∓": "\\mp ",
    "⟨": "\\langle ",
    "⟩": "\\rangle ",
}
"""Unicode symbols a reader takes for these commands (the Unicode minus is a minus)."""
_NAME = re.compile(r"^\s*(?:[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+|[A-Za-z]\([A-Za-z,\s]*\))\s*$")


@dataclass(frozen=True)
class Normalized:
    """An answer ready for the parser, plus what normalisation pulled out of it.

    An empty ``latex`` is a refusal: the answer is ambiguous as written (``2 3``)."""

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
    s = _DOUBLE_SLASH.sub(r"\\", _ascii_math(answer))
    currency = [_CURRENCY[m[0]] for m in _CURRENCY_SIGN.finditer(s)]
    s = _DELIMS.sub(" ", _CURRENCY_SIGN.sub(" ", s))
    s = _FRAC.sub(lambda m: "\\binom" if "binom" in m[0] else "\\frac", s)
    s = _BARE_NAMES.sub(r"\\\1", s.replace("√", "\\sqrt").replace("π", "\\pi"))
    s = re.sub(r"\\sqrt\s*\(([^()]*)\)", r"\\sqrt{\1}", s)
    s = re.sub(r"\\left\b|\\right\b|\\middle\b", "", s).replace("\\left.", "")
    s = _notations(s)
    if plain and not re.search(r"[()\[\]{}]", s):  # in brackets a comma separates items
        s = _DECIMAL_COMMA.sub(_decimal_comma, s)
    if _THOUSANDS.search(s):
        depths = _depths(s)
        s = _THOUSANDS.sub(lambda m: _thousands(m, depths[m.start()] > 0), s)
    s = _SPACING.sub(" ", s).replace("\\,", " ").replace("\n", " ")
    s = _SCI.sub(r"\1\\times10^{\2}", s)
    s = _EMPTY.sub(r"\\emptyset", s)
    units = [_TEMPERATURE_UNITS[m[1] or m[2]] for m in _TEMPERATURE.finditer(s)]
    s = _TEMPERATURE.sub("", s)
    degrees = bool(_DEGREE.search(s))
    s = _DEGREE.sub("", s)
    s = _TEXT_PCT.sub(r"\1}\\%", _strip_trailing(s.strip()))
    pct = _PCT.search(s)
    if pct is not None:
        s = s[: pct.start()].rstrip()
    choice = _CHOICE.fullmatch(_TEXT_CMD.sub(lambda m: m[1], s).strip())
    s = choice[1] if choice else s
    text = _text_form(s)
    if text in _NO_SOLUTION:
        return Normalized("\\emptyset")
    worded = worded_number(_TEXT_CMD.sub(lambda m: m[1], s))
    if worded is not None:
        unit = " ".join(units + currency)
        return Normalized(_fraction_latex(worded), pct is not None, "", degrees, unit)
    s = _SCALE.sub(_scaled, _CONNECT.sub(",", s))
    s = _UNIT_TAIL.sub(lambda m: _unit(m, units), s)
    s = _BARE_UNIT.sub(lambda m: _unit(m, units), s)
    if "degre" in units or "deg" in units:
        degrees, units = True, [u for u in units if u not in ("degre", "deg")]
    s = re.sub(r"(?<=[\d)}])or(?=[A-Za-z(\\])", ",", s)
    s = re.sub(r"(?<!\s)\s*,(\s*,)+", ",", s).strip(" ,")
    s = _TEXT_CMD.sub(lambda m: m[1], s) if _has_math(s) else s
    if _SPACED_DIGITS.search(s):
        return Normalized("")
    unit = " ".join(units + currency)
    return Normalized(_collapse_chain(s.strip()), pct is not None, text, degrees, unit)


def _ascii_math(s: str) -> str:
    """Unicode as the ASCII LaTeX it renders like: format characters (``\\u200f``, BOM)
    dropped, any script's digits as ASCII digits, superscript and subscript runs as ``^{..}``
    and ``_{..}`` (``x²`` is not ``x2``), ``½`` as ``\\frac{1}{2}`` (after a digit, ``1½`` is
    left alone: NFKC would make it ``11⁄2``), symbols as their commands, the rest by NFKC
    (full-width forms, math italic letters, no-break spaces)."""
    if s.isascii():
        return s
    parts: list[str] = []
    script, last = "", ""
    for ch in s:
        kind, text = _char_reading(ch)
        if kind == "fraction" and last.isdigit():
            kind, text = "", ch
        elif kind == "fraction":
            kind, text = "", "\\frac{" + "}{".join(text.split("\u2044", 1)) + "}"
        if kind != script:
            parts.append(("}" if script else "") + (kind + "{" if kind else ""))
            script = kind
        parts.append(text)
        last = text[-1:] if text.strip() else last
    return "".join(parts) + ("}" if script else "")


def _char_reading(ch: str) -> tuple[str, str]:
    """``(kind, text)`` for one character: kind ``^``/``_`` for a script character,
    ``fraction`` for a vulgar fraction (text ``1⁄2``), else ``""``."""
    if ch.isascii():
        return "", ch
    if ch in _SYMBOLS:
        return "", _SYMBOLS[ch]
    category = unicodedata.category(ch)
    if category == "Cf":
        return "", ""
    if category == "Nd":
        return "", str(unicodedata.decimal(ch))
    text = unicodedata.normalize("NFKC", ch).replace("\u2212", "-")
    decomposition = unicodedata.decomposition(ch)
    if decomposition.startswith("<super>"):
        return "^", text
    if decomposition.startswith("<sub>"):
        return "_", text
    if decomposition.startswith("<fraction>") and "\u2044" in text:
        return "fraction", text
    return "", text


def _notations(s: str) -> str:
    """Notations the parser misreads or rejects, rewritten before numbers are read."""
    quoted = _QUOTED.fullmatch(s)
    s = _unstyled(_SPACE_CMD.sub(" ", quoted[1] if quoted else s))
    s = _BASE_N.sub(_base_n, _DMS.sub(_dms, s))
    s = _NOT_EQUAL.sub(r"\\neq ", s).replace("\\langle", "(").replace("\\rangle", ")")
    s = _UPRIGHT_CONSTANT.sub(r" \1", s)
    s = _PRIMES.sub(lambda m: "^{" + "\\prime" * len(m[0]) + "}", s)
    s = _TEXT_NUMBER.sub(lambda m: m[1], s)
    s = _REPEATING.sub(_repeating, s)
    s = _ONE_TOKEN_ARGS.sub(lambda m: f"\\{m[1]}{_braced(m[2])}{_braced(m[3])}", s)
    spoken = _WORD_OVER.fullmatch(s)
    if spoken:
        s = f"\\frac{{{spoken[1]}}}{{{spoken[2]}}}"
    whole = _OVER.fullmatch(s.strip()) or _BARE_OVER.fullmatch(s)
    s = _fraction_of(whole) if whole else _OVER.sub(lambda m: "{" + _fraction_of(m) + "}", s)
    s = _MIXED.sub(_mixed, s)
    return _TRIG_DEGREES.sub(_trig_degrees, s)


def _unstyled(s: str) -> str:
    """``s`` without its font and colour commands, in one pass (nesting costs no rescan): a
    styled group becomes its content, in parentheses unless it is one token (``\\bm{x}(t)`` is
    still ``x(t)``, ``\\mathbf{x+1}^2`` still a square) or the whole answer."""
    if "\\" not in s:
        return s
    s = s.replace(_OPEN, "").replace(_CLOSE, "")
    out: list[str] = []
    styled: list[bool] = []
    last = 0
    for m in _STYLE.finditer(s):
        out.append(s[last : m.start()])
        last = m.end()
        if m[0].startswith("\\color") and not m["group"]:
            continue
        if m[0] == "{":
            styled.append(False)
        elif m[0] == "}":
            out.append(_CLOSE if styled and styled.pop() else "}")
            continue
        elif m[0][0] == "\\" and len(m[0]) > 2:
            styled.append(True)
            out.append(_OPEN)
            continue
        out.append(m[0])
    out.append(s[last:])
    text = "".join(out)
    whole = text.strip()
    if whole.startswith(_OPEN) and whole.endswith(_CLOSE) and whole.count(_OPEN) == 1:
        return whole[1:-1]
    text = _ATOM_GROUP.sub(r"\1", text)
    return text.replace(_OPEN, "(").replace(_CLOSE, ")")


def _fraction_latex(value: Fraction) -> str:
    sign = "-" if value < 0 else ""
    if value.denominator == 1:
        return f"{sign}{abs(value.numerator)}"
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def _mixed(m: re.Match[str]) -> str:
    whole, num, den = int(m[1]), int(m[2]), int(m[3])
    if not 0 < num < den:
        return m[0]
    return f"\\frac{{{whole * den + num}}}{{{den}}}"


def _dms(m: re.Match[str]) -> str:
    value = Fraction(m[1]) + Fraction(m[2]) / 60 + Fraction(m[3] or 0) / 3600
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}^\\circ "


def _base_n(m: re.Match[str]) -> str:
    """A numeral whose digits all fit its base (2 to 36) as its decimal value; anything else
    is left for the guard to refuse (a subscripted number is never read as itself)."""
    base = int(m[2] or m[3])
    if not 2 <= base <= 36 or any(int(d, 36) >= base for d in m[1]):
        return m[0]
    return str(int(m[1], base))


def _braced(token: str) -> str:
    return token if token.startswith("{") else "{" + token + "}"


def _fraction_of(m: re.Match[str]) -> str:
    """``a \\over b`` as ``\\frac{a}{b}`` (``\\choose``: ``\\binom``)."""
    command = "\\frac" if m[2] == "over" else "\\binom"
    return f"{command}{{{m[1].strip()}}}{{{m[3].strip()}}}"


def _repeating(m: re.Match[str]) -> str:
    """``1.2\\overline{34}``: 1.2 plus 0.0343434..., as an exact ``\\frac``."""
    whole, fixed, period = m[1] or "0", m[2], m[3]
    head = Fraction(int(whole + fixed), 10 ** len(fixed))
    tail = Fraction(int(period), 10 ** len(fixed) * (10 ** len(period) - 1))
    value = head + tail
    return (
        str(value)
        if value.denominator == 1
        else f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
    )


def _trig_degrees(m: re.Match[str]) -> str:
    """``\\sin 30^\\circ`` as ``\\sin(\\frac{\\pi}{6})``, exactly."""
    turn = Fraction(m[3] or m[4] or m[5]) / 180
    angle = f"\\frac{{{turn.numerator}\\pi}}{{{turn.denominator}}}" if turn else "0"
    return f"{m[1]}{m[2] or ''}({angle})"


def _scaled(m: re.Match[str]) -> str:
    """``1.2 million`` as 1200000: the number times its scale word, exactly."""
    value = Fraction(m[1]) * _SCALES[m[2] or m[3]]
    if value.denominator == 1:
        return str(value.numerator)
    return m[1] + f"\\times{_SCALES[m[2] or m[3]]}"


def _unit(m: re.Match[str], units: list[str]) -> str:
    """Drop a trailing unit, recording it in ``units``; a word that changes the value
    (``\\text{ squared}``) stays for the parser, which never reads it as the bare number, and
    a scale word is a factor."""
    word = _singular(m[1])
    if word in _NOT_UNITS or m[1].strip().lower() in _NOT_UNITS:
        return m[0]
    if word in _SCALES:  # after a non-number (``\frac12\text{ million}``): still a factor
        return f"\\times{_SCALES[word]}"
    units.append(word + (m[2] or ""))
    return ""


def _strip_trailing(s: str) -> str:
    """Without trailing spaces and punctuation; ``!`` after a letter, digit, bracket or
    ``!`` is a factorial and stays. A loop, not a ``(...)+$`` regex: that one is quadratic on
    a long run of spaces or dots that does not reach the end."""
    end = len(s)
    while end:
        ch = s[end - 1]
        factorial = ch == "!" and end > 1 and (s[end - 2].isalnum() or s[end - 2] in "_)}!")
        if not (ch.isspace() or ch in ".,;:?" or (ch == "!" and not factorial)):
            break
        end -= 1
    return s[:end]


def _singular(unit: str) -> str:
    """``Meters`` and ``meter`` alike (a trailing s, then e, dropped: degrees, degree)."""
    word = re.sub(r"[^a-z/]", "", unit.lower())
    return word.removesuffix("s").removesuffix("e")


def _depths(s: str) -> list[int]:
    """Bracket depth before each position of ``s`` (and at its end): round, square and set
    braces ``\\{ \\}`` (``\\{1,200\\}`` is a set of two numbers)."""
    depths, depth = [], 0
    for i, ch in enumerate(s):
        depths.append(depth)
        escaped = s[i - 1 : i] == "\\"
        if ch in "([" or (ch == "{" and escaped):
            depth += 1
        elif ch in ")]" or (ch == "}" and escaped):
            depth -= 1
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
    anything with math in it (a sign, an operator, a one-letter hyphen like ``x-y``, a
    factorial ``n!``, a prime ``f'(x)``, a script ``x^{2}``), so that ``-x`` never reads as
    the text ``x``."""
    inner = _EXCLAIMED.sub("", _TEXT_CMD.sub(lambda m: m[1], s))
    if _NOT_TEXT.search(inner) or _MATH_HYPHEN.search(inner):
        return ""
    return "".join(ch for ch in inner.lower() if ch.isalpha())


_EXCLAIMED = re.compile(r"(?<=[^\W\d_]{2})!$")
"""``Yes!``: after a word, not after one letter (``n!``), an exclamation mark is not math."""
_NOT_TEXT = re.compile(r"[^\w\s(),.'\"{}:;?-]|[\d_]|(?<![^\W\d_])'|'(?![^\W\d_])")
"""What a text answer may not hold: digits, operators, ``!``, or an apostrophe that is not
between two letters (``don't`` is text, ``x'`` a derivative)."""
_MATH_HYPHEN = re.compile(r"(?<![A-Za-z])-|-(?![A-Za-z])|\b[A-Za-z]-|-[A-Za-z]\b")
"""A hyphen that is a minus: not between two words of two or more letters."""


def _top_level_split(s: str, sep: str) -> list[str]:
    if sep not in s:
        return [s]
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
    """``x = 5+5+1 = 11`` becomes ``x = 11``; ``x = 1/3 \\approx 0.33`` becomes ``x = 1/3``,
    and ``\\frac{1}{3} \\approx 0.33`` becomes ``\\frac{1}{3}``.

    A chain of equalities is a derivation; its answer is the last value, labelled with the
    nearest plain name (``x``, ``f(x)``) to its left, if any. Before ``\\approx`` stands the
    exact value, unless it is only a name (``x \\approx 0.33`` is ``x = 0.33``).
    """
    if _top_level_split(s, ",")[1:] or _top_level_split(s, ";")[1:]:
        return s
    approx = _APPROX.split(s)
    if len(approx) > 1:
        head = approx[0]
        if not head.strip():
            s = approx[-1].strip()
        else:
            s = head + "=" + approx[-1] if _NAME.match(head) else head.strip()
    parts = _top_level_split(s, "=")
    if len(parts) < 3:
        return s
    names = [p for p in parts[:-1] if _NAME.match(p)]
    return f"{names[-1].strip()} = {parts[-1].strip()}" if names else parts[-1].strip()
