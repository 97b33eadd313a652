"""Answer extraction rules: pure string work, tested without any worker process."""

from __future__ import annotations

import pytest

from verigen.verify.math import MathOptions, extract_answer
from verigen.verify.math.normalize import normalize


@pytest.mark.parametrize(
    ("text", "answer", "rule"),
    [
        ("-5", "-5", "bare"),
        ("$x = 1/3$", "x = 1/3", "bare"),
        (r"Thus $x = \boxed{\frac{1}{2}}$.", r"\frac{1}{2}", "boxed"),
        (r"so \fbox{7} is it", "7", "boxed"),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}", "boxed"),
        (r"\boxed{3} hmm wait, no: \boxed{4}", "4", "boxed"),
        (r"$\boxed{1}$ and $\boxed{2}$", "1, 2", "boxed"),
        (r"\boxed{1} no no no no no \boxed{2}", "2", "boxed"),
        (r"$\boxed{28}$ pct", r"28\%", "boxed"),
        (
            r"\boxed{200} then 255. Final Answer: The final answer is $10,455$. I hope",
            "10,455",
            "final_answer_is",
        ),
        ("Final Answer: The largest $n$ is 34.", "34", "final_answer"),
        ("We get it. Answer: $\\frac{3}{4}$ indeed", "\\frac{3}{4}", "answer_anchor"),
        ("The answer is **73**.", "73", "answer_anchor"),
        ("The answer is (C).", "C", "answer_anchor"),
        ("so the number is 10 which is 1,000.99€", "1,000.99", "last_expression"),
        ("the probability is (1/2) * (4/3) = 2/3. Done", "2/3", "last_expression"),
        ("We find $1$ and $2$ and $3$ work", "1, 2, 3", "last_expression"),
    ],
)
def test_rules(text: str, answer: str, rule: str) -> None:
    found = extract_answer(text)
    assert found is not None
    assert (found.answer, found.rule) == (answer, rule)


def test_no_answer_in_prose() -> None:
    assert extract_answer("I could not solve this problem at all.") is None


def test_fallback_can_be_disabled() -> None:
    text = "the result works out to 12 in the end"
    assert extract_answer(text) is not None
    assert extract_answer(text, MathOptions(fallback_last_expression=False)) is None


def test_plain_text_math_can_be_disabled() -> None:
    assert extract_answer("Answer: it is 9 apples", MathOptions(plain_text_math=False)) is None


def test_double_backslash_and_literal_newlines() -> None:
    found = extract_answer("so \\\\boxed{004}.\\n\\nBut check: the sum is 2,552,004.")
    assert found is not None and found.answer == "004"


def test_only_the_tail_of_a_huge_text_is_scanned() -> None:
    text = r"\boxed{1}" + "x" * 200_000 + " so 5"
    found = extract_answer(text, MathOptions(max_text_chars=1000))
    assert found is not None and found.answer == "5"


@pytest.mark.parametrize(
    ("answer", "latex", "percent"),
    [
        ("1 000", "1000", False),
        (r"1\,000", "1000", False),
        (r"11,\! 111,\! 100", "11111100", False),
        ("(12,102)", "(12,102)", False),
        ("6.02e23", r"6.02\times10^{23}", False),
        (r"28\%", "28", True),
        ("28 percent", "28", True),
        (r"x = 5+5+1 = 7 = 11", "x = 11", False),
        (r"x = \frac{1}{3} \approx 0.33", r"x = \frac{1}{3}", False),
        (r"6 \text{ and } 8", "6,8", False),
        (r"\dfrac{\pi}{2}", r"\frac{\pi}{2}", False),
        ("pi/2", r"\pi/2", False),
        (r"\varnothing", r"\emptyset", False),
    ],
)
def test_normalize(answer: str, latex: str, percent: bool) -> None:
    result = normalize(answer)
    assert (result.latex, result.percent) == (latex, percent)


def test_decimal_comma_only_in_plain_text() -> None:
    assert normalize("2,74", plain=True).latex == "2.74"
    assert normalize("2,74").latex == "2,74"
    assert normalize("[1,2)", plain=True).latex == "[1,2)"
