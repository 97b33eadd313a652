"""The math precision policy's requests and reply parsing: what small models actually send."""

from __future__ import annotations

import json

import pytest

from verigen.config import RoleConfig
from verigen.generate import math as math_gen
from verigen.generate.structured import Unusable
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
    assert math_gen.parse_well_posed(_reply(text)) is expected


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
        math_gen.parse_well_posed(_reply(text))
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
