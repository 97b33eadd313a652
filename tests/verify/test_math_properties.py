"""Property tests: a random exact value equals itself in other notations, and no perturbation
of it (sign, a one-unit change in the last written digit, swapped components, the conjugate,
a 20-digit decimal wrong at its last digit) is ever accepted.

Values are integers, fractions, surds, rational multiples of pi, Gaussian integers and pairs.
Decimals are written here from exact arithmetic (``fractions``, ``mpmath`` at 60 digits), so a
"correct rounding" row is correct by construction, never by the checker's own reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verigen.records import Outcome
from verigen.verify.math import MathVerifier

mpmath.mp.dps = 60
PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Case:
    """A value written one way (``gold``), equal writings, and writings that must differ."""

    gold: str
    equal: list[str]
    wrong: list[str]


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(workers=2) as mv:
        yield mv


def _judge(case: Case, verifier: MathVerifier) -> None:
    preds = case.equal + case.wrong
    verdicts = verifier.check_many([(case.gold, p) for p in preds])
    for pred, verdict in zip(preds, verdicts, strict=True):
        assert verdict.outcome is not Outcome.INFRA_ERROR, (case.gold, pred, verdict)
        assert verdict.accepted is (pred in case.equal), (case.gold, pred, verdict.details)


def _decimal(units: int, places: int) -> str:
    """``units`` × 10^-places written out with exactly ``places`` decimals."""
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _is_rounding_shape(text: str) -> bool:
    """At least three significant digits and a fractional part once trailing zeros go: the
    decimals the policy treats as roundings (``docs/math.md``)."""
    stripped = text.lstrip("-").rstrip("0")
    significant = stripped.replace(".", "").lstrip("0")
    return not stripped.endswith(".") and len(significant) >= 3


def _roundings(value: Callable[[int], mpmath.mpf | Fraction], places: int) -> tuple[str, list[str]]:
    """The correct rounding of a value at ``places`` decimals, and its two one-unit misses and
    a 20-place decimal one unit off. ``value(k)`` is the value times 10^k."""
    scaled = value(places)
    units = int(mpmath.nint(scaled)) if isinstance(scaled, mpmath.mpf) else round(scaled)
    assume(abs(abs(float(scaled - units)) - 0.5) > 1e-6)  # a tie has two roundings
    near = value(20)
    near_units = int(mpmath.nint(near)) if isinstance(near, mpmath.mpf) else round(near)
    misses = [_decimal(units + 1, places), _decimal(units - 1, places)]
    misses.append(_decimal(near_units + 1, 20))
    return _decimal(units, places), misses


nonzero = st.integers(-999, 999).filter(lambda n: n != 0)
places = st.integers(3, 12)


@PROPERTY
@given(n=st.integers(-(10**6), 10**6).filter(lambda n: n != 0), k=st.integers(2, 5))
def test_integers(n: int, k: int, verifier: MathVerifier) -> None:
    equal = [rf"\frac{{{k * n}}}{{{k}}}", f"{n}.0", rf"\boxed{{{n}}}"]
    wrong = [str(n + 1), str(-n), f"{n}.{'0' * 19}1", f"{n}!" if 2 < abs(n) < 8 else str(n - 1)]
    _judge(Case(str(n), equal, wrong), verifier)


@PROPERTY
@given(p=nonzero, q=st.integers(2, 97), k=places)
def test_fractions(p: int, q: int, k: int, verifier: MathVerifier) -> None:
    value = Fraction(p, q)
    assume(value.denominator > 1)
    num, den = value.numerator, value.denominator
    rounded, misses = _roundings(lambda e: value * 10**e, k)
    assume(_is_rounding_shape(rounded))
    sign = "-" if num < 0 else ""
    equal = [rf"{sign}\frac{{{2 * abs(num)}}}{{{2 * den}}}", f"{num}/{den}", rounded]
    wrong = [rf"{'' if num < 0 else '-'}\frac{{{abs(num)}}}{{{den}}}", *misses]
    if abs(num) != den:
        wrong.append(rf"{sign}\frac{{{den}}}{{{abs(num)}}}")
    _judge(Case(rf"{sign}\frac{{{abs(num)}}}{{{den}}}", equal, wrong), verifier)


@PROPERTY
@given(a=st.integers(1, 30), b=st.sampled_from([2, 3, 5, 6, 7, 10, 11]), k=places)
def test_surds(a: int, b: int, k: int, verifier: MathVerifier) -> None:
    rounded, misses = _roundings(lambda e: a * mpmath.sqrt(b) * mpmath.mpf(10) ** e, k)
    assume(_is_rounding_shape(rounded))
    gold = rf"{a}\sqrt{{{b}}}"
    equal = [rf"\sqrt{{{a * a * b}}}", rf"\sqrt{{{b}}} \cdot {a}", rounded]
    wrong = [rf"-{a}\sqrt{{{b}}}", rf"{a}\sqrt{{{b + 1}}}", rf"{a + 1}\sqrt{{{b}}}", *misses]
    _judge(Case(gold, equal, wrong), verifier)


@PROPERTY
@given(p=nonzero, q=st.integers(1, 12), k=places)
def test_multiples_of_pi(p: int, q: int, k: int, verifier: MathVerifier) -> None:
    value = Fraction(p, q)
    num, den = value.numerator, value.denominator
    rounded, misses = _roundings(lambda e: num * mpmath.pi / den * mpmath.mpf(10) ** e, k)
    assume(_is_rounding_shape(rounded))
    gold = rf"\frac{{{num}\pi}}{{{den}}}"
    equal = [rf"\frac{{{num}}}{{{den}}}\pi", rf"\frac{{{2 * num}\pi}}{{{2 * den}}}", rounded]
    wrong = [rf"\frac{{{-num}\pi}}{{{den}}}", rf"\frac{{{num}\pi}}{{{den + 1}}}", *misses]
    _judge(Case(gold, equal, wrong), verifier)


def _complex(a: int, b: int) -> str:
    imag = "i" if b == 1 else "-i" if b == -1 else f"{b}i"
    return f"{a}{'+' if b > 0 else ''}{imag}"


@PROPERTY
@given(a=nonzero, b=nonzero)
def test_gaussian_integers(a: int, b: int, verifier: MathVerifier) -> None:
    imag = "i" if b == 1 else "-i" if b == -1 else f"{b}i"
    equal = [f"{imag}{'+' if a > 0 else ''}{a}", rf"\boxed{{{_complex(a, b)}}}"]
    wrong = [_complex(a, -b), _complex(-a, b), _complex(-a, -b)]
    if a != b:
        wrong.append(_complex(b, a))
    _judge(Case(_complex(a, b), equal, wrong), verifier)


@PROPERTY
@given(x=nonzero, y=nonzero, q=st.integers(2, 9))
def test_pairs(x: int, y: int, q: int, verifier: MathVerifier) -> None:
    half = Fraction(y, q)
    assume(half != x)
    y_text = (
        rf"\frac{{{half.numerator}}}{{{half.denominator}}}" if half.denominator > 1 else str(half)
    )
    gold = f"({x}, {y_text})"
    equal = [rf"\left({x}, {y_text}\right)", f"({x},{half.numerator}/{half.denominator})"]
    wrong = [
        f"({y_text}, {x})",
        f"({-x}, {y_text})",
        rf"\{{{x}, {y_text}\}}",
        f"({x}, {y_text}, 0)",
    ]
    _judge(Case(gold, equal, wrong), verifier)


@PROPERTY
@given(a=st.integers(1, 30), b=st.sampled_from([2, 3, 5, 6, 7, 10]), k=st.integers(20, 80))
def test_exact_constants_never_equal_a_tiny_perturbation(
    a: int, b: int, k: int, verifier: MathVerifier
) -> None:
    gold = rf"{a}\sqrt{{{b}}}\pi"
    equal = [rf"\sqrt{{{a * a * b}}}\pi", rf"\pi \cdot {a}\sqrt{{{b}}}"]
    wrong = [
        rf"{a}\sqrt{{{b}}}\pi + 10^{{-{k}}}",
        rf"(1+10^{{-{k}}}){a}\sqrt{{{b}}}\pi",
        rf"\sqrt{{{a * a * b}+10^{{-{k}}}}}\pi",
    ]
    _judge(Case(gold, equal, wrong), verifier)


@PROPERTY
@given(a=nonzero, c=nonzero, k=st.integers(20, 80))
def test_expressions_never_equal_a_tiny_perturbation(
    a: int, c: int, k: int, verifier: MathVerifier
) -> None:
    gold = f"{a}x^2 {'+' if c > 0 else '-'} {abs(c)}"
    equal = [f"{c} + x^2 \\cdot {a}", f"{a}(x^2 + 1) + {c - a}"]
    wrong = [
        f"{gold} + 10^{{-{k}}}x",
        f"(1 + 10^{{-{k}}})({gold})",
        f"{a}x|x| + {c}",
        f"{a}x^2 + {c + 1}",
    ]
    _judge(Case(gold, equal, wrong), verifier)


@PROPERTY
@given(a=nonzero, b=st.integers(1, 9))
def test_complex_roots_with_plus_minus(a: int, b: int, verifier: MathVerifier) -> None:
    imag = "i" if b == 1 else f"{b}i"
    gold = rf"x = {a} \pm {imag}"
    equal = [f"{a}+{imag}, {a}-{imag}", rf"x = {a} \mp {imag}"]
    wrong = [
        rf"x = {a + 1} \pm {imag}",
        rf"x = {-a} \pm {imag}",
        rf"x = {a} \pm {b + 1}i",
        f"{a}+{imag}",
    ]
    _judge(Case(gold, equal, wrong), verifier)
