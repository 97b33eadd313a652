"""Tolerant parsing of model output and re-asks, against a real local server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.fakellm import FakeLLM, last_user
from verigen.config import LLMConfig
from verigen.generate import code as code_gen
from verigen.generate import math as math_gen
from verigen.generate.structured import Unusable, ask, ensure_new, extract_code, extract_json
from verigen.llm import ChatRequest, ChatResponse, LLMClient
from verigen.records import Usage


def _reply(text: str) -> ChatResponse:
    return ChatResponse(text=text, finish_reason="stop", usage=Usage(), model="m")


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        'Sure! Here it is:\n```json\n{"a": 1}\n```\nHope that helps.',
        'The object is {"a": 1} as requested.',
        '```\n{"a": 1}',  # unterminated fence: small models stop early
    ],
)
def test_json_is_found_wherever_the_model_put_it(text: str) -> None:
    assert extract_json(text) == {"a": 1}


def test_no_json_is_an_unusable_reply_with_a_hint() -> None:
    with pytest.raises(Unusable) as info:
        extract_json("I cannot do that.")
    assert info.value.reason == "no_json" and "JSON" in info.value.hint


def test_code_is_the_last_fence_that_defines_the_entry_point() -> None:
    text = (
        "First try:\n```python\ndef helper():\n    pass\n```\n"
        "Final:\n```python\ndef solve(x: int) -> int:\n    return x + 1\n```\n"
        "And a usage example:\n```python\nprint(solve(1))\n```"
    )
    assert extract_code(text, "solve").startswith("def solve")
    with pytest.raises(Unusable, match="no_entry_point"):
        extract_code("```python\ndef other(): pass\n```", "solve")
    assert "def f" in extract_code("def f():\n    return 1\n", "f"), "unfenced code is accepted"
    with pytest.raises(Unusable):
        extract_code("```python\ndef f(:\n```", "f")


@pytest.mark.parametrize(
    ("reply", "statement"),
    [
        (
            "Problem: Ann has 3 cats and 2 dogs. How many pets?",
            "Ann has 3 cats and 2 dogs. How many pets?",
        ),
        (
            "Sure!\n\n**Problem:** A train goes 60 km in 1.5 h. What is its speed in km/h?\n\n"
            "**Solution:** 40",
            "A train goes 60 km in 1.5 h. What is its speed in km/h?",
        ),
    ],
)
def test_math_problems_are_cut_out_of_chatty_replies(reply: str, statement: str) -> None:
    assert math_gen.parse_problem(_reply(reply)) == statement


def test_a_writer_that_solves_its_own_problem_is_asked_again() -> None:
    with pytest.raises(Unusable, match="solved_instead"):
        math_gen.parse_problem(_reply("Problem: What is 2+2? The answer is \\boxed{4}."))


UNFINISHED = [
    # the code demo's kept statement: its rules never came
    "Write a function that checks if a string is a valid identifier according to specific rules:",
    # a math writer's reply cut at max_tokens mid-example
    "A nurse takes shifts on 7 days; the number taken each day follows a linear equation (e.g., $",
    "Compute the following sum, ",
    "Let f(x) = {x^2 if x > 0",
]
FINISHED = [
    "A shirt costs $20. It is on sale for 15% off. What is the sale price in dollars?",
    "How many integers lie in the half-open interval [0, 10)?",
    "Solve for x: 2x + 3 = 7.",
    "Return the list of pairs (a, b) from nums whose sum is target.",
]


@pytest.mark.parametrize("statement", UNFINISHED)
def test_a_statement_that_stops_before_it_is_complete_is_asked_again(statement: str) -> None:
    with pytest.raises(Unusable, match="unfinished_problem"):
        math_gen.parse_problem(_reply(f"Problem: {statement}"))
    code = {"problem": statement, "entry_point": "f", "signature": "def f(s: str) -> bool"}
    with pytest.raises(Unusable, match="unfinished_problem"):
        code_gen.parse_problem(_reply(json.dumps(code)))


@pytest.mark.parametrize("statement", FINISHED)
def test_prices_intervals_and_colons_inside_are_complete(statement: str) -> None:
    assert math_gen.parse_problem(_reply(f"Problem: {statement}")) == statement
    code = {"problem": statement, "entry_point": "f", "signature": "def f(s: str) -> bool"}
    assert code_gen.parse_problem(_reply(json.dumps(code)))["problem"] == statement


def test_code_problem_needs_a_signature_defining_the_entry_point() -> None:
    good = (
        '{"problem": "Add.", "entry_point": "add", "signature": "def add(a: int, b: int) -> int"}'
    )
    assert code_gen.parse_problem(_reply(good))["signature"].endswith(":")
    bad = '{"problem": "Add.", "entry_point": "add", "signature": "def plus(a, b):"}'
    with pytest.raises(Unusable, match="bad_signature"):
        code_gen.parse_problem(_reply(bad))


def test_tests_are_normalised_deduplicated_and_counted() -> None:
    text = (
        '{"tests": [{"args": [1, 2], "expected": 3}, {"args": [1, 2], "expected": 3},'
        ' {"args": [0, 0], "expected": 0}, {"args": "bad"}, {"expected": 1}]}'
    )
    signature = "def add(a: int, b: int) -> int:"
    cases = code_gen.parse_tests(_reply(text), signature)
    assert cases == [
        {"args": [1, 2], "kwargs": {}, "expected": 3},
        {"args": [0, 0], "kwargs": {}, "expected": 0},
    ]
    with pytest.raises(Unusable, match="too_few_tests") as info:
        code_gen.parse_tests(_reply(text), signature, minimum=3)
    assert "(a, b)" in info.value.hint


@pytest.mark.parametrize(
    "case",
    [
        '{"args": ["hello", "world"], "expected": 2}',  # every value packed into args
        '{"args": ["hello"], "expected": {"count": 2}}',  # expected wrapped in an object
        '{"args": ["hello"], "expected": true}',  # a bool is not an int
        '{"args": ["hello"], "kwargs": {"t": 1}, "expected": 2}',  # unknown keyword
    ],
)
def test_cases_that_cannot_fit_the_signature_are_dropped(case: str) -> None:
    text = '{"tests": [' + case + ', {"args": ["aei"], "expected": 3}]}'
    cases = code_gen.parse_tests(_reply(text), "def count_vowels(s: str) -> int:")
    assert cases == [{"args": ["aei"], "kwargs": {}, "expected": 3}]


def test_defaults_varargs_and_unchecked_annotations_are_allowed() -> None:
    text = '{"tests": [{"args": [1], "expected": [1]}, {"args": [1, 2, 3], "expected": "x"}]}'
    cases = code_gen.parse_tests(_reply(text), "def f(a: int, b: int = 0, *rest: int) -> Any:")
    assert len(cases) == 2


def _stubborn_then_compliant(body: dict[str, Any]) -> str:
    """Prose first; valid JSON once told what was wrong (the re-ask quotes the reason)."""
    return '{"answer": 42}' if "could not be used" in last_user(body) else "Let me think..."


def test_reask_in_the_same_conversation_recovers_a_usable_reply() -> None:
    with FakeLLM(responder=_stubborn_then_compliant) as server:
        client = LLMClient(LLMConfig(backoff_base_s=0.01))
        request = ChatRequest(
            model="openai/m", messages=(("user", "Give JSON"),), api_base=server.api_base
        )
        parsed = asyncio.run(ask(client.complete, request, lambda r: extract_json(r.text), 2))
        sent = server.state.requests
    assert parsed.value == {"answer": 42} and parsed.tries == 2
    assert [m["role"] for m in sent[1]["messages"]] == ["user", "assistant", "user"]


def test_reasks_are_bounded_and_the_last_reason_is_kept() -> None:
    with FakeLLM(responder=lambda body: "never json") as server:
        client = LLMClient(LLMConfig(backoff_base_s=0.01))
        request = ChatRequest(
            model="openai/m", messages=(("user", "Give JSON"),), api_base=server.api_base
        )
        parsed = asyncio.run(ask(client.complete, request, lambda r: extract_json(r.text), 2))
        assert len(server.state.requests) == 3
    assert parsed.value is None and parsed.reason == "no_json" and parsed.tries == 3


BAKER = (
    "A baker makes 144 muffins and packs them in boxes of 6. She sells every box for $9. "
    "How many dollars does she earn?"
)


@pytest.mark.parametrize(
    "reply",
    [
        BAKER,
        BAKER.upper(),
        "  A baker makes 144 muffins and packs them\nin boxes of 6. She sells every box for $9. "
        "How many dollars does she earn?",
        BAKER.replace("muffins", "cupcakes"),  # the same question: the same answer
        BAKER.replace("She sells", "He sells"),
    ],
)
def test_a_restated_example_is_refused_as_a_copy(reply: str) -> None:
    for numbers_count in (True, False):
        with pytest.raises(Unusable) as caught:
            ensure_new(reply, BAKER, numbers_count)
        assert caught.value.reason == "copied_example"


@pytest.mark.parametrize(
    "reply",
    [
        BAKER.replace("144", "120"),  # small writers vary an example this way: another answer
        BAKER.replace("$9", "$9.50"),
        "A florist ties 60 roses into bunches of 5 and sells every bunch for $12. "
        "How many dollars does she earn?",
        "What is the remainder when $7^{100}$ is divided by 5?",
    ],
)
def test_a_new_problem_or_the_examples_wording_with_other_numbers_is_not_a_copy(
    reply: str,
) -> None:
    ensure_new(reply, BAKER, numbers_count=True)
    ensure_new("What is the remainder when $7^{100}$ is divided by 25?", reply, numbers_count=True)


ROTATE = "Return nums rotated k places to the right, so [1, 2, 3] with k = 1 gives [3, 1, 2]."


def test_a_code_statement_with_other_numbers_in_its_example_is_still_a_copy() -> None:
    """The same function with another worked example is the same problem."""
    with pytest.raises(Unusable):
        ensure_new(ROTATE.replace("k = 1 gives [3, 1, 2]", "k = 2 gives [2, 3, 1]"), ROTATE,
                   numbers_count=False)  # fmt: skip
