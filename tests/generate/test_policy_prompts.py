"""The math precision policy's requests and reply parsing: what small models actually send."""

from __future__ import annotations

import json

import pytest

from verigen.config import RoleConfig
from verigen.generate import math as math_gen
from verigen.generate import prompts
from verigen.generate.structured import Unusable
from verigen.generate.well_posed import MISSING_PLACEHOLDER, parse_well_posed
from verigen.llm import ChatResponse
from verigen.records import Domain, Problem, Usage

PROBLEM = Problem(id="p-1", domain=Domain.MATH, statement="Tom is twice as old as Ann. How old?")


def _reply(text: str) -> ChatResponse:
    return ChatResponse(text=text, finish_reason="stop", usage=Usage(), model="m")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"missing": "Ann\'s age", "well_posed": false}', False),
        ('{"missing": "none", "well_posed": true}', True),
        ('Sure:\n```json\n{"missing": "none", "well_posed": "Yes"}\n```', True),
        ('{"well_posed": "false"}', False),
        ('{"given": "x", "missing": "Nothing is missing.", "well_posed": true}', True),
        # the 0.5B model's own contradiction (issue 13's "Tom is twice as old as his sister")
        (
            '{"given": "Tom is twice as old", "missing": "the sister\'s age", "well_posed": true}',
            False,
        ),
        ("No.", False),
        ("yes", True),
    ],
)
def test_a_well_posedness_judgement_is_read_wherever_it_is(text: str, expected: bool) -> None:
    assert parse_well_posed(_reply(text), PROBLEM.statement) is expected


# (statement, what the judge wrote as missing, with "well_posed": true): the 1.5B model's
# replies on the precision bench. A gap is believed over the yes; the quantity the question
# asks for, written as "missing", is not a gap.
ASKED_IS_NO_GAP = [
    ("A baker makes 6 trays of 18 muffins each. She sells 58. How many muffins are left?",
     "the number of muffins left"),
    ("In how many ways can a committee of 2 people be chosen from a club of 8 people?",
     "the number of ways 2 people chosen from the club"),
    ("After a 50% raise, Sam earns $408 per week. How much did Sam earn per week before the "
     "raise?", "his weekly earnings before the raise"),
    ("A school shares 220 pencils equally among 5 classes. How many pencils does each class "
     "get?", "the number of pencils each class gets"),
    ("A fair die is rolled twice. What is the probability that the sum of the two rolls is 7?",
     "the sum of the two rolls is 7"),
    ("A town had 1600 residents and now has 2048. By what percent did it grow?\n",
     "the percentage growth"),
]  # fmt: skip
GAP_UNDER_A_YES = [
    ("Tom is 2 times as old as his sister. How old is Tom?", "his sister's age"),
    ("Ann has 7 more apples than Ben. How many apples does Ann have?",
     "the number of apples Ben has"),
    ("A bag contains 6 red marbles and some blue marbles. What is the probability of drawing a "
     "red marble?", "the number of blue marbles"),
    ("The ratio of boys to girls in a class is 2:4. How many boys are in the class?",
     "a number of boys or girls"),
    ("Solve for x: x + y = 3.", "y"),
    ("A shirt is discounted by 38%. What is the sale price in dollars?",
     "the original price of the shirt"),
    ("A car is traveling at 43 km/h and a train at 46 km/h. How far apart are they when they "
     "meet?", "the time they meet"),
]  # fmt: skip


def _yes(missing: str) -> ChatResponse:
    return _reply(json.dumps({"given": "...", "missing": missing, "well_posed": True}))


@pytest.mark.parametrize(("statement", "missing"), ASKED_IS_NO_GAP)
def test_the_asked_quantity_written_as_missing_is_no_gap(statement: str, missing: str) -> None:
    assert parse_well_posed(_yes(missing), statement) is True


@pytest.mark.parametrize(("statement", "missing"), GAP_UNDER_A_YES)
def test_a_gap_named_under_a_yes_is_believed(statement: str, missing: str) -> None:
    assert parse_well_posed(_yes(missing), statement) is False


def test_a_no_stands_whatever_missing_says() -> None:
    no = json.dumps({"given": "...", "missing": "the number of muffins left", "well_posed": False})
    assert parse_well_posed(_reply(no), ASKED_IS_NO_GAP[0][0]) is False


def test_the_reply_format_s_placeholder_copied_into_missing_is_re_asked() -> None:
    """The 0.5B model copies the slot's description; that judges nothing either way."""
    prompt = prompts.load(math_gen.WELL_POSED_TEMPLATE).render(problem="1 + 1 = ?")[-1][1]
    assert MISSING_PLACEHOLDER in prompt
    for copied in (MISSING_PLACEHOLDER, MISSING_PLACEHOLDER.capitalize() + "."):
        with pytest.raises(Unusable) as info:
            parse_well_posed(_yes(copied), "Tom is 2 times as old as his sister. How old is Tom?")
        assert info.value.reason == "echoed_format" and '"missing"' in info.value.hint


@pytest.mark.parametrize(
    "text",
    [
        "It depends on how you read it.",
        '{"missing": "none"}',
        '{"missing": "none", "well_posed": "maybe"}',
        "No, wait: yes.",
        "[true]",
    ],
)
def test_an_unreadable_judgement_is_re_asked_never_guessed(text: str) -> None:
    with pytest.raises(Unusable) as info:
        parse_well_posed(_reply(text), PROBLEM.statement)
    assert info.value.reason == "no_judgement" and '"well_posed"' in info.value.hint


def test_a_rederivation_without_a_boxed_answer_is_re_asked() -> None:
    assert math_gen.parse_rederivation(_reply("Checks out: \\boxed{14}")).endswith("\\boxed{14}")
    with pytest.raises(Unusable, match="no_answer"):
        math_gen.parse_rederivation(_reply("The student is right, it is 14."))


def test_judge_requests_are_constrained_seeded_apart_and_show_the_answer() -> None:
    role = RoleConfig(models=["openai/a", "openai/b"], temperature=0.0, samples=2)
    asks = list(math_gen.judge_requests(PROBLEM, role, math_gen.WELL_POSED_TEMPLATE, 1, None))
    assert [r.model for r in asks] == ["openai/a"] * 2 + ["openai/b"] * 2
    assert len({r.seed for r in asks}) == 4
    schema = json.loads(asks[0].response_format or "")["json_schema"]["schema"]
    assert list(schema["properties"]) == ["given", "missing", "well_posed"], "reasons first"
    assert PROBLEM.statement in asks[0].messages[-1][1]
    (check,) = math_gen.judge_requests(
        PROBLEM, RoleConfig(models=["openai/a"]), math_gen.REDERIVE_TEMPLATE, 1, None,
        answer="14",
    )  # fmt: skip
    assert check.response_format is None and "Student's final answer: 14" in check.messages[-1][1]
    (other,) = math_gen.judge_requests(
        PROBLEM, RoleConfig(models=["openai/a"]), math_gen.REDERIVE_TEMPLATE, 1, None,
        answer="15",
    )  # fmt: skip
    assert other.seed != check.seed, "another answer to check is another request"
