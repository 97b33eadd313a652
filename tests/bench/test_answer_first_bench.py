"""The answer-first bench end to end against a scripted model over real HTTP: the ``on`` run
synthesizes with the writer's programs (right on one topic, one off on another, crashing on a
third), the ``off`` run judges the very same statements and samples without them, and each kept
sample is scored against hand grades — or listed as ungraded, never scored by guess."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.answer_first import main
from tests.backends import require
from tests.fakellm import FakeLLM, last_user
from tests.test_answer_first import responder as program_writer

BASE = """\
seed: 5
precision: "off"
llm: {max_concurrency: 4, backoff_base_s: 0.01, timeout_s: 10}
problems:
  topics: [pears, plums, melons]
  reasks: 1
  writer: {max_tokens: 256}
solver: {samples: 2, max_tokens: 128}
math: {workers: 2, min_share: 0.5}
code: {backend: bwrap}
"""


def responder(body: dict[str, Any]) -> str:
    """The answer-first writer and the solvers as in ``tests/test_answer_first.py``; the plain
    writer writes the same statement without a program."""
    if 'starting with "Problem:"' in last_user(body):
        statement = json.loads(program_writer({**body, "messages": [
            {"role": "user", "content": last_user(body) + " and a program that computes its answer"}
        ]}))["problem"]  # fmt: skip
        return f"Problem: {statement}"
    return program_writer(body)


def _table(out: str) -> dict[str, list[str]]:
    lines = [line for line in out.splitlines() if line.startswith("| ")][1:]  # past the head
    rows = [line.split(" | ") for line in lines]
    return {cells[0].strip("| "): [c.strip(" |") for c in cells[1:]] for cells in rows}


@pytest.mark.slow
def test_the_same_statements_are_scored_with_and_without_the_writer_s_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("bwrap")
    (tmp_path / "base.yaml").write_text(BASE)
    grades = tmp_path / "graded.jsonl"
    argv = ["--model", "scripted", "--per-topic", "1", "--out", str(tmp_path / "runs"),
            "--config", str(tmp_path / "base.yaml"), "--graded", str(grades),
            "--replies", ""]  # fmt: skip
    with FakeLLM(responder=responder) as server:
        assert main([*argv, "--api-base", server.api_base]) == 0
        first = capsys.readouterr().out
    ungraded = [json.loads(line.removeprefix("ungraded: ")) for line in first.splitlines()
                if line.startswith("ungraded: ")]  # fmt: skip
    # nothing graded yet: every kept problem is listed, none is scored
    assert {re.search(r"\d+ (\w+)", u["statement"])[1] for u in ungraded} == {  # type: ignore[index]
        "pears", "plums", "melons"
    }  # fmt: skip
    assert _table(first)["off"][3:5] == ["0", "n/a"]
    assert _table(first)["off"][8] == "0", "off asks nothing: the same samples, already answered"

    # the grader's truth: the solvers' sum is right for pears, the writer's "+ 1" for plums;
    # melons stays ungraded
    lines = []
    for u in ungraded:
        a, b = (int(n) for n in re.findall(r"\d+", u["statement"])[:2])
        if "pears" in u["statement"]:
            lines.append({"statement": u["statement"], "answer": str(a + b)})
        if "plums" in u["statement"]:
            lines.append({"statement": u["statement"], "answer": str(a + b + 1)})
    grades.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with FakeLLM(responder=lambda body: "no") as idle:
        assert main([*argv, "--api-base", idle.api_base]) == 0  # both runs resume
        assert idle.state.requests == []
    table = _table(capsys.readouterr().out)
    # columns: problems, kept problems, kept, wrong, precision, ≥1 right, ill-posed, ungraded
    assert list(table) == ["off + answer-first", "off", "off, the plain writer"]
    on = table["off + answer-first"]
    assert on[:4] + on[5:8] == ["3", "1", "2", "0", "1", "0", "0"]
    assert table["off"][:4] + table["off"][5:8] == ["3", "3", "6", "2", "1", "0", "2"]
    # the plain writer wrote the same statements (the scripted one does), judged without programs
    plain = table["off, the plain writer"]
    assert plain[:4] + plain[5:8] == ["3", "3", "6", "2", "1", "0", "2"]


def test_a_policy_is_measured_with_and_without_the_program_and_against_none() -> None:
    """``make demo``'s config names no other policy: strict, the default, is the one measured."""
    from bench.answer_first import arms

    assert [a.label for a in arms({})] == [
        "strict + answer-first", "strict", "off + answer-first", "off", "strict, the plain writer"
    ]  # fmt: skip
    assert [a.label for a in arms({"precision": "balanced"})][1] == "balanced"
