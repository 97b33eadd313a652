"""The crash-check bench end to end against scripted judges over real HTTP: its own request and
reading decide every row, so a judge that finds each statement's sentence about the call scores
every row covered, one that finds none scores none, and one that quotes words the statement
does not hold is no evidence."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bench.crash_check import TABLE, main
from tests.fakellm import FakeLLM, last_user


def _statement(body: dict[str, Any]) -> str:
    match = re.search(r"Problem:\n(.*?)\n\nFunction:", last_user(body), re.S)
    assert match is not None
    return match[1]


def quotes_the_last_sentence(body: dict[str, Any]) -> str:
    sentence = re.split(r"(?<=\.)\s+", _statement(body).strip())[-1]
    return json.dumps({"sentence": sentence, "value": "0"})


def says_nothing(body: dict[str, Any]) -> str:
    return json.dumps({"sentence": "none", "value": "not said"})


def misquotes(body: dict[str, Any]) -> str:
    return json.dumps({"sentence": "The list is never empty, it says.", "value": "0"})


@pytest.mark.parametrize(
    ("responder", "caught", "false_alarms"),
    [(quotes_the_last_sentence, 12, 12), (says_nothing, 0, 0), (misquotes, 0, 0)],
)
def test_the_bench_scores_what_its_reading_makes_of_each_reply(
    responder: Any, caught: int, false_alarms: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLLM(responder=responder) as server:
        assert main(["--api-base", server.api_base, "--name", "judge", "--json"]) == 0
        asked = [last_user(b) for b in server.state.requests]
    result = json.loads(capsys.readouterr().out)["judge"]
    covered = sum(row[3] for row in TABLE)
    assert (result["covered"], result["other"]) == (covered, len(TABLE) - covered)
    assert (result["caught"], result["false_alarms"], result["unread"]) == (caught, false_alarms, 0)
    assert len(asked) == len(TABLE) and all(
        f"Call: {row[2]}" in asked[i] for i, row in enumerate(TABLE)
    )
