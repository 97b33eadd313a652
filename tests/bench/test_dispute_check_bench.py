"""The dispute-check bench end to end against scripted judges over real HTTP: its own request,
reading and decision score every row, so a judge giving the statement's value catches every
misreading majority and vetoes no right one, a judge sharing the misreading does the reverse,
and a judge that quotes nothing the statement holds is no evidence either way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bench.dispute_check import TABLE, main
from tests.fakellm import FakeLLM, last_user

BY_CALL = {row[2]: row for row in TABLE}


def _row(body: dict[str, Any]) -> tuple[str, str, str, str, str]:
    call = re.search(r"Call: (.*)\n", last_user(body))
    assert call is not None
    return BY_CALL[call[1]]


def reads_the_statement(body: dict[str, Any]) -> str:
    statement, _, _, right, _ = _row(body)
    return json.dumps({"sentence": statement.split(";")[0].split(". ")[0], "value": right})


def shares_the_misreading(body: dict[str, Any]) -> str:
    statement, _, _, _, wrong = _row(body)
    return json.dumps({"sentence": statement.split(";")[0].split(". ")[0], "value": wrong})


def misquotes(body: dict[str, Any]) -> str:
    return json.dumps({"sentence": "The list is never empty, it says.", "value": _row(body)[3]})


@pytest.mark.parametrize(
    ("responder", "caught", "false_alarms"),
    [(reads_the_statement, 12, 0), (shares_the_misreading, 0, 12), (misquotes, 0, 0)],
)
def test_the_bench_scores_what_the_check_makes_of_each_reply(
    responder: Any, caught: int, false_alarms: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLLM(responder=responder) as server:
        assert main(["--api-base", server.api_base, "--name", "judge", "--json"]) == 0
        asked = [last_user(b) for b in server.state.requests]
    result = json.loads(capsys.readouterr().out)["judge"]
    assert result["calls"] == len(TABLE) == 12
    assert (result["caught"], result["false_alarms"], result["unread"]) == (caught, false_alarms, 0)
    assert len(asked) == len(TABLE), "one request scores both directions of a row"
