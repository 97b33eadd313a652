"""Answer extraction rules: pure string work, tested without any worker process."""

from __future__ import annotations

import pytest

from verigen.verify.math import MathOptions, extract_answer
from verigen.verify.math.guard import macro_definition
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


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The answer is 3n+1", "The answer is 3n+1"),
        ("The answer is 4π", "The answer is 4π"),
        ("The answer is 2 pi", "The answer is 2 pi"),
        ("The answer is 6!", "The answer is 6!"),
        ("The answer is 5 thousand", "The answer is 5 thousand"),
        ("The answer is negative 5", "The answer is negative 5"),
        ("The answer is 12cm.", "12"),
        ("It is the 3rd term, so the answer is 7", "7"),
        ("The cost is 1{,}000 dollars.", "1{,}000"),
        (r"So we need 1\,000 bricks.", r"1\,000"),
    ],
)
def test_a_plain_number_that_is_an_operand_stands_for_its_line(text: str, answer: str) -> None:
    """``3n+1`` is not 3: the number glued to a letter, π, ! or a math word is no answer."""
    found = extract_answer(text)
    assert found is not None and found.answer == answer


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (r"$-\boxed{5}$", r"-\boxed{5}"),
        (r"\boxed{5}^2", r"\boxed{5}^2"),
        (r"so $\frac{1}{\boxed{5}}$.", r"\frac{1}{\boxed{5}}"),
        (r"\boxed{5} \times 10^{3}", r"\boxed{5} \times 10^{3}"),
        (r"$x = \boxed{5}$", "5"),
        (r"\boxed{30}^\circ", "30"),
        ("- \\boxed{5}\n", "5"),
        (r"**Final Answer:** \boxed{5}", "5"),
        (r"\boxed{5} - that is all", "5"),
    ],
)
def test_a_box_that_is_an_operand_stands_for_its_expression(text: str, answer: str) -> None:
    found = extract_answer(text)
    assert found is not None and (found.answer, found.rule) == (answer, "boxed")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The answer is 5. Actually it is 6.", "6"),
        ("I think the answer is 5, but actually it's 6.", "6"),
        ("Answer: 5. Hmm, no, that is wrong; the correct value is 6.", "6"),
        ("Answer: 5\n\nNote the answer would be 6 if n were odd.", "5"),
        ("The answer is 5, not 6.", "5"),
        ("The answer is 5. Wait, is it 2 or 3?", None),
        ("The answer is 5. Actually, that was a guess.", None),
    ],
)
def test_a_retracted_anchored_answer_is_never_taken(text: str, answer: str | None) -> None:
    """After a retraction only one restated answer may replace it; otherwise nothing does
    (not even the last expression, which would be a guess)."""
    found = extract_answer(text)
    assert (found.answer if found else None) == answer


@pytest.mark.parametrize(
    "text",
    [
        r"\RenewExpandableDocumentCommand{\frac}{mm}{#1}",
        r"\RenewCommandCopy{\frac}{\binom}",
        r"\patchcmd{\frac}{#2}{#1}{}{}",
        r"\xpretocmd{\frac}{-}{}{}",
        r"\gappto\frac{x}",
        r"\newrobustcmd{\a}{b}",
        r"\csletcs{frac}{binom}",
        r"\LetLtxMacro\a\b",
        r"\mathcode`2=1",
        r"\lccode`a=`b",
        r"\everydisplay{-}",
        r"\AtBeginDocument{x}",
        r"\iffalse \boxed{5} \fi",
        r"\mathchardef\a=1",
        r"\DeclareUnicodeCharacter{00B2}{3}",
    ],
)
def test_macro_guard_refuses_each_family(text: str) -> None:
    assert macro_definition(text + r" \boxed{2}") is not None


@pytest.mark.parametrize(
    "text", [r"$p \iff q$", r"\bullet\ \left(1\right)", r"\includegraphics{x} \newline 5"]
)
def test_macro_guard_lets_ordinary_commands_through(text: str) -> None:
    assert macro_definition(text) is None


def test_a_number_merely_mentioned_after_a_retraction_replaces_nothing() -> None:
    assert extract_answer("The answer is 5. Wait, let me verify with n=2.") is None
