"""The crash check: samples that all raise on an input the statement covers are not kept.

Differential testing discards an input on which most candidates raise (outside the contract).
The 1.5B model's ``multiples_sum`` samples all divided by a factor of 0, which the statement
allows, and were kept wrong (the precision bench, code-weak c29). A judge model now says
whether the statement covers such a call, quoting the rule that does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from tests.fakellm import last_user
from tests.test_generate_code import import_run
from verigen.config import RunConfig
from verigen.generate import code as code_gen
from verigen.generate.code import NOT_ALLOWED, NOT_SAID
from verigen.generate.structured import Unusable
from verigen.llm import ChatResponse, Usage
from verigen.records import Outcome, Verdict
from verigen.verify.code import CodeOptions, CodeVerifier
from verigen.verify.code.crash_check import MAX_CALLS, apply_crash_check, calls_to_ask

STATEMENT = (
    "Return the sum of the positive integers below `limit` that are divisible by at least one "
    "of `factors`. A factor of 0 divides nothing. Factors are non-negative."
)


def _reply(text: str) -> ChatResponse:
    return ChatResponse(text=text, finish_reason="stop", usage=Usage(), model="openai/judge")


@pytest.mark.parametrize(
    ("reply", "reading"),
    [
        ({"sentence": "A factor of 0 divides nothing.", "value": "0"}, "0"),
        ({"sentence": "a FACTOR of 0 divides   nothing", "value": 0}, "0"),
        ({"sentence": "Factors are non-negative.", "value": "None"}, "None"),  # a Python None
        ({"sentence": "Factors are non-negative.", "value": " 'Abc' "}, "'Abc'"),  # as written
        ({"sentence": "Factors are non-negative.", "value": ""}, ""),  # an empty string
        ({"sentence": "A factor of 0 divides nothing.", "value": "not allowed"}, NOT_ALLOWED),
        ({"sentence": "Factors are non-negative.", "value": " Not said."}, NOT_SAID),
        ({"sentence": "none", "value": "0"}, NOT_SAID),
        # a quote the statement does not hold is no evidence (a copied prompt example)
        ({"sentence": "No number is a multiple of 0.", "value": "0"}, NOT_SAID),
        ({"sentence": "of 0", "value": "0"}, NOT_SAID),  # too short to be a rule
    ],
)
def test_a_value_counts_only_with_a_sentence_the_statement_holds(
    reply: dict[str, Any], reading: str
) -> None:
    assert code_gen.read_call_value(_reply(json.dumps(reply)), STATEMENT) == reading


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"sentence": "A factor of 0 divides nothing."}),  # no value
        json.dumps({"value": "0"}),
        json.dumps({"sentence": "A factor of 0 divides nothing.", "value": [0]}),
        '{"sentence": "A factor of 0 divides nothing.", "value": ":-1 + -2}\n```\n```',
        "def multiples_sum(limit, factors): ...",
    ],
)
def test_a_reply_without_a_sentence_and_a_value_is_asked_again(text: str) -> None:
    with pytest.raises(Unusable):
        code_gen.read_call_value(_reply(text), STATEMENT)


def _verdict(index: int, outcome: Outcome, raised: list[dict[str, Any]]) -> Verdict:
    return Verdict(
        outcome=outcome,
        reason="accepted" if outcome is Outcome.ACCEPTED else "tests_failed",
        details={"solution_index": index, "differential": {"raised": raised}},
        verifier="code",
        verifier_version="t",
    )


def _raised(call: str, raises: str, solutions: list[int]) -> dict[str, Any]:
    return {"call": call, "raises": [raises], "solutions": solutions}


def test_the_calls_asked_are_one_of_each_kind_first_and_only_where_a_kept_solution_raises() -> None:
    raised = [
        _raised("f(1, [0])", "ZeroDivisionError", [0, 1]),
        _raised("f(2, [0])", "ZeroDivisionError", [0, 1]),
        _raised("f(3, [0])", "ZeroDivisionError", [0, 1]),
        _raised("f(-1, [])", "IndexError", [0, 1]),
        _raised("f(9, [9])", "KeyError", [2]),  # only a rejected solution raises here
        _raised("f(" + "1, " * 200 + ")", "TypeError", [0]),  # too long to read
    ]
    verdicts = [
        _verdict(0, Outcome.ACCEPTED, raised),
        _verdict(1, Outcome.ACCEPTED, raised),
        _verdict(2, Outcome.REJECTED, raised),
    ]
    assert [a["call"] for a in calls_to_ask(verdicts)] == ["f(1, [0])", "f(-1, [])"]
    many = [_raised(f"f({n}, [])", f"Error{n}", [0]) for n in range(5)]
    asked = calls_to_ask([_verdict(0, Outcome.ACCEPTED, many)])
    assert [a["call"] for a in asked] == ["f(0, [])", "f(1, [])", "f(2, [])"]
    assert len(asked) == MAX_CALLS
    assert calls_to_ask([_verdict(0, Outcome.REJECTED, raised)]) == []
    assert calls_to_ask([_verdict(0, Outcome.ACCEPTED, [])]) == []


def test_a_covered_call_rejects_who_raises_on_it_and_an_unread_judge_decides_nothing() -> None:
    asked = [
        _raised("f(1, [0])", "ZeroDivisionError", [0]),
        _raised("f(-1, [])", "IndexError", [1]),
    ]
    verdicts = [_verdict(i, Outcome.ACCEPTED, asked) for i in range(3)]
    judged = apply_crash_check(verdicts, asked, [False, None])
    assert [(v.outcome, v.reason) for v in judged] == [
        (Outcome.ACCEPTED, "accepted"),
        (Outcome.INFRA_ERROR, "crash_check_undecided"),
        (Outcome.ACCEPTED, "accepted"),
    ]
    assert judged[2].details["crash_check"][0] == {
        "call": "f(1, [0])",
        "raises": ["ZeroDivisionError"],
        "covered": False,
    }
    kept = apply_crash_check(verdicts, asked, [False, False])
    assert all(v.accepted for v in kept)


def test_a_covered_call_leaves_no_solution_kept_not_even_one_reported_not_raising() -> None:
    """Solution 2 is not among the raisers, but that is the differential job's report, which
    a program detecting that job can fake while it raises in real use; no test holds the
    call's value (the majority raised), so nothing trusted says 2 is right there."""
    asked = [
        _raised("f(1, [0])", "ZeroDivisionError", [0]),
        _raised("f(-1, [])", "IndexError", [1]),
    ]
    verdicts = [*(_verdict(i, Outcome.ACCEPTED, asked) for i in range(3)),
                _verdict(3, Outcome.REJECTED, asked)]  # fmt: skip
    judged = apply_crash_check(verdicts, asked, [True, None])
    assert [(v.outcome, v.reason) for v in judged] == [
        (Outcome.REJECTED, "raises_on_covered_input"),
        (Outcome.REJECTED, "covered_input_untested"),
        (Outcome.REJECTED, "covered_input_untested"),
        (Outcome.REJECTED, "tests_failed"),
    ]


def _config(**extra: Any) -> RunConfig:
    return RunConfig.model_validate(
        {
            "problems": {"domain": "code", "source": {"path": "rows.jsonl"}},
            "solver": {"models": ["openai/a", "openai/b"], "temperature": 0.8},
            **extra,
        }
    )


def test_strict_and_balanced_ask_the_solvers_at_temperature_0_and_off_or_false_do_not() -> None:
    for precision in ("strict", "balanced"):
        role = _config(precision=precision).code.crash_check
        assert role is not None
        assert (role.models, role.temperature) == (["openai/a", "openai/b"], 0.0)
    assert _config(precision="off").code.crash_check is None
    assert _config(code={"crash_check": False}).code.crash_check is None
    own = _config(precision="off", code={"crash_check": {"models": ["openai/judge"]}})
    assert own.code.crash_check is not None and own.code.crash_check.models == ["openai/judge"]
    math = RunConfig.model_validate(
        {"problems": {"source": {"path": "rows.jsonl"}}, "solver": {"models": ["openai/a"]}}
    )
    assert math.code.crash_check is None, "the code policy judges code only"


def _multiples_responder(body: dict[str, Any]) -> str:
    """Two problems with the same two solvers' programs, both dividing by every factor (a 0
    factor raises). The judge finds "A factor of 0 divides nothing" in the first statement;
    the second says factors are positive, so a 0 factor is ruled out."""
    text = last_user(body)
    if "Call:" in text:
        factors = re.search(r"Call: \w+\(-?\d+, \[(.*)\]\)", text)
        assert factors is not None, text
        if "divides nothing" in text and "0" in factors[1].replace(" ", "").split(","):
            return json.dumps({"sentence": "A factor of 0 divides nothing.", "value": "0"})
        return json.dumps({"sentence": "Factors are positive.", "value": "not allowed"})
    name = re.search(r"def (multiples_sum_\w+)\(", text)
    assert name is not None, text
    one = "return sum(n for n in range(1, limit) if any(n % f == 0 for f in factors))"
    other = (
        "total = 0\n    for n in range(1, limit):\n"
        "        if any(n % f == 0 for f in factors):\n            total += n\n    return total"
    )
    program = one if body["model"] == "coder-a" else other
    return f"```python\ndef {name[1]}(limit: int, factors: list[int]) -> int:\n    {program}\n```"


@pytest.mark.slow
def test_samples_raising_on_a_covered_input_are_rejected_and_on_a_ruled_out_one_kept(
    tmp_path: Path,
) -> None:
    require("bwrap")
    statements = {
        "multiples_sum_zero": STATEMENT,
        "multiples_sum_pos": (
            "Return the sum of the positive integers below `limit` that are divisible by at "
            "least one of `factors`. Factors are positive."
        ),
    }
    given = [[[10, [3, 5]], 23], [[20, [7]], 21], [[16, [3, 5]], 60]]
    problems = [
        {
            "statement": statement,
            "entry_point": name,
            "signature": f"def {name}(limit: int, factors: list[int]) -> int:",
            "tests": json.dumps([{"args": a, "expected": e} for a, e in given]),
        }
        for name, statement in statements.items()
    ]
    run = import_run(tmp_path, problems, _multiples_responder, "--set", "problems.augment_below=0")
    judged = [last_user(b) for b in run.requests if "Call:" in last_user(b)]
    rows = run.rows
    assert {r["problem"] for r in rows} == {statements["multiples_sum_pos"]}
    assert len(rows) == 4, "both programs, two samples each, of the problem ruling 0 out"
    checked = json.loads(rows[0]["verdict_details"])["crash_check"]
    assert checked and all(c["covered"] is False for c in checked)
    assert any("[0]" in c["call"] for c in checked), checked
    assert any("Call: multiples_sum_zero(" in t for t in judged)
    assert run.reasons.get("raises_on_covered_input") == 4


MULTIPLES = "def multiples_sum(limit: int, factors: list[int]) -> int:"
BY_GENERATOR = MULTIPLES + (
    "\n    return sum(n for n in range(1, limit) if any(n % f == 0 for f in factors))\n"
)
BY_LOOP = MULTIPLES + (
    "\n    total = 0\n    for n in range(1, limit):\n"
    "        if any(n % f == 0 for f in factors):\n            total += n\n    return total\n"
)
GIVEN = [
    {"args": [10, [3, 5]], "expected": 23},
    {"args": [20, [7]], "expected": 21},
    {"args": [16, [3, 5]], "expected": 60},
]


@pytest.fixture(scope="module")
def probing() -> Iterator[CodeVerifier]:
    require("bwrap")
    options = CodeOptions(backend="bwrap", mutants=0, probe_lone_program=True)
    with CodeVerifier(options, workers=2) as verifier:
        yield verifier


def test_inputs_every_sample_raises_on_are_recorded_with_the_samples_raising(
    probing: CodeVerifier,
) -> None:
    verdicts = probing.verify(
        [BY_GENERATOR, BY_LOOP, BY_GENERATOR], GIVEN, "multiples_sum", MULTIPLES
    )
    assert all(v.accepted for v in verdicts), [v.reason for v in verdicts]
    differential = verdicts[0].details["differential"]
    first = differential["raised"][0]
    assert first == {"call": "multiples_sum(2, [0])", "raises": ["ZeroDivisionError"],
                     "solutions": [0, 1, 2]}  # fmt: skip
    assert differential["raising_inputs"] >= len(differential["raised"]) > 1
    assert calls_to_ask(verdicts)[0]["call"] == "multiples_sum(2, [0])"


def test_a_lone_program_is_probed_only_for_the_crash_check(probing: CodeVerifier) -> None:
    [alone] = probing.verify([BY_LOOP], GIVEN, "multiples_sum", MULTIPLES)
    assert alone.accepted and alone.details["differential"]["raised"][0]["solutions"] == [0]
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=0), workers=1) as plain:
        [unprobed] = plain.verify([BY_LOOP], GIVEN, "multiples_sum", MULTIPLES)
    assert unprobed.accepted and "differential" not in unprobed.details


def test_a_value_that_is_not_plain_data_is_not_a_raise(probing: CodeVerifier) -> None:
    """Programs returning an object the codec cannot carry have not raised: the crash check
    must not ask about every input of a problem whose answers are such objects."""
    odd = [
        program.replace("    return", "    if limit < 2:\n        return object()\n    return", 1)
        for program in (BY_GENERATOR, BY_LOOP)
    ]
    verdicts = probing.verify(odd, GIVEN, "multiples_sum", MULTIPLES)
    calls = [r["call"] for r in verdicts[0].details["differential"]["raised"]]
    assert calls and all(c.startswith(("multiples_sum(2,", "multiples_sum(3,")) for c in calls)
