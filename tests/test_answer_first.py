"""Answer-first synthesis (``math.answer_first``): the writer sends its statement with a program
that prints the answer; solvers solve the statement blind, and the agreed answer stands only
when the program, run in the sandbox, prints an equal one. End to end against a real HTTP
server whose scripted writer's program agrees on one topic, disagrees on another and crashes
on a third; the pieces (reply parsing, the program's result as a policy check, the knob, old
journals) on their own."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from tests.fakellm import FakeLLM, last_user
from tests.test_generate import _rows, _run
from verigen.config import load_config
from verigen.errors import ConfigError
from verigen.generate.math import parse_answer_first
from verigen.generate.structured import Unusable
from verigen.llm import ChatResponse
from verigen.records import Domain, Outcome, Problem, Usage, Verdict
from verigen.store import Journal
from verigen.verify.math.policy import (
    POLICY_STEPS,
    answer_program_result,
    apply_check,
)
from verigen.verify.math.program import ProgramResult
from verigen.verify.steps import removed_by_step

MARKER = "# the writer's own program"
PROGRAMS = {
    "pears": "print({a} + {b})",
    "plums": "print({a} + {b} + 1)",
    "melons": "print({a} // 0 + {b})",
}
"""The writer's program per topic: right (kept), one off (``answer_program_disagrees``), and
crashing (``answer_program_failed``). The solvers always agree on a + b."""


def responder(body: dict[str, Any]) -> str:
    text = last_user(body)
    if "and a program that computes its answer" in text:
        topic = re.search(r"Topic: (\w+)\.", text)
        assert topic is not None, text
        name = topic[1]
        a, b = 3 + body["seed"] % 50, 4 + body["seed"] % 30
        program = f"{MARKER}\n" + PROGRAMS[name].format(a=a, b=b)
        statement = f"A crate holds {a} {name} and another holds {b} {name}. How many in all?"
        return json.dumps({"problem": statement, "program": program})
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    return f"Adding up, the answer is \\boxed{{{sum(numbers[:2])}}}."


CONFIG = """\
name: af
run_dir: {run_dir}
seed: 5
precision: off
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, timeout_s: 10}}
problems:
  topics: [pears, plums, melons]
  per_topic: 1
  reasks: 1
  writer: {{models: [openai/writer], max_tokens: 384}}
solver: {{models: [openai/solver-a, openai/solver-b], samples: 2, max_tokens: 128}}
math: {{workers: 2, min_share: 0.5, answer_first: true}}
code: {{backend: bwrap}}
"""


@pytest.mark.slow
def test_only_problems_whose_writer_program_agrees_with_the_blind_solvers_are_kept(
    tmp_path: Path,
) -> None:
    require("bwrap")
    with FakeLLM(responder=responder) as server:
        config = tmp_path / "run.yaml"
        config.write_text(CONFIG.format(run_dir=tmp_path / "run", api_base=server.api_base))
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
        requests = list(server.state.requests)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rows = _rows(tmp_path / "run")
    assert {r["problem"].split()[4] for r in rows} == {"pears"}, rows
    assert len(rows) == 4
    for row in rows:
        assert json.loads(row["verdict_details"])["answer_first"] == "answer_program_agrees"
    reasons = report["counts"]["rejection_reasons"]
    assert reasons.get("answer_program_disagrees") and reasons.get("answer_program_failed")
    assert not any(r.startswith("answer_program") for r in report["counts"]["infra_reasons"])
    steps = {s["step"]: (s["rejected"], s["undecided"]) for s in report["precision"]["steps"]}
    assert steps["answer_first"] == (2, 0)
    solves = [json.dumps(b["messages"]) for b in requests if b["model"] != "writer"]
    assert solves and not any(MARKER in s or "print(" in s for s in solves)
    with Journal(tmp_path / "run") as journal:
        problems = [p for p in journal.problems() if p.topic in PROGRAMS]  # not calibration's
    programs = {p.topic: p.answer_program for p in problems}
    assert programs.keys() == PROGRAMS.keys()
    assert all(p is not None and p.startswith(MARKER) for p in programs.values())


def _response(text: str) -> ChatResponse:
    return ChatResponse(text=text, finish_reason="stop", usage=Usage(), model="openai/writer")


def test_a_writer_reply_gives_the_statement_and_a_program_that_prints() -> None:
    fenced = "```python\nprint(3 + 4)\n```"
    reply = json.dumps({"problem": "Ann has 3 pens and buys 4 more. How many?", "program": fenced})
    statement, program = parse_answer_first(_response(reply))
    assert statement.startswith("Ann has 3 pens") and program == "print(3 + 4)\n"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"problem": "Ann has 3 pens and buys 4 more. How many?"}, "missing_keys"),
        ({"problem": "Ann has 3 pens and buys 4 more. How many?", "program": "x = 7"}, "no_print"),
        ({"problem": "Ann has 3 pens and buys 4 more.", "program": "print(("}, "no_code"),
        ({"problem": "Short?", "program": "print(7)"}, "no_problem"),
    ],
)
def test_an_unusable_writer_reply_is_re_asked_with_its_reason(
    reply: dict[str, str], reason: str
) -> None:
    with pytest.raises(Unusable) as info:
        parse_answer_first(_response(json.dumps(reply)))
    assert info.value.reason == reason


ACCEPTED = Verdict(
    outcome=Outcome.ACCEPTED, reason="majority", verifier="math", verifier_version="1"
)


@pytest.mark.parametrize(
    ("result", "outcome", "reason"),
    [
        (ProgramResult(Outcome.ACCEPTED, "program_agrees", "7"), Outcome.ACCEPTED, "agrees"),
        (ProgramResult(Outcome.REJECTED, "program_disagrees", "8"), Outcome.REJECTED, "disagrees"),
        (
            ProgramResult(Outcome.INFRA_ERROR, "program_nonzero_exit", "", program_failed=True),
            Outcome.REJECTED,
            "failed",
        ),
        (
            ProgramResult(Outcome.INFRA_ERROR, "program_sandbox_error", ""),
            Outcome.INFRA_ERROR,
            "undecided",
        ),
    ],
)
def test_the_writer_program_confirms_refutes_or_leaves_infra_error(
    result: ProgramResult, outcome: Outcome, reason: str
) -> None:
    (verdict,) = apply_check([ACCEPTED], "answer_first", answer_program_result(result), True)
    assert verdict.outcome is outcome
    assert verdict.details["answer_first"] == f"answer_program_{reason}"
    assert verdict.details["answer_first_votes"] == [result.reason]
    if outcome is not Outcome.ACCEPTED:
        assert verdict.reason == f"answer_program_{reason}"
        counts = removed_by_step([[verdict]], POLICY_STEPS, "vote")
        side = "undecided" if outcome is Outcome.INFRA_ERROR else "rejected"
        assert counts["answer_first"][side] == 1


GOOD = """\
name: t
run_dir: {run_dir}
precision: {precision}
problems: {{topics: [addition], per_topic: 2, writer: {{models: [openai/fake]}}}}
solver: {{models: [openai/fake], samples: 3}}
math: {{answer_first: {value}}}
"""


def test_the_knob_is_off_in_every_preset_and_a_bad_value_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    for precision in ("strict", "balanced", "off"):
        path.write_text(GOOD.format(run_dir=tmp_path / "r", precision=precision, value="false"))
        assert not load_config(path).math.answer_first
        path.write_text(GOOD.format(run_dir=tmp_path / "r", precision=precision, value="true"))
        assert load_config(path).math.answer_first
    path.write_text(GOOD.format(run_dir=tmp_path / "r", precision="off", value="sometimes"))
    with pytest.raises(ConfigError, match=r"c\.yaml:6: math\.answer_first: .*'sometimes'") as e:
        load_config(path)
    assert "\n" not in str(e.value)


def test_a_journal_written_before_the_field_still_loads(tmp_path: Path) -> None:
    problem = Problem(id="p-1", domain=Domain.MATH, statement="What is 3 + 4?")
    with Journal(tmp_path) as journal:
        journal.add_problem(problem)
    old = problem.model_dump(mode="json")
    del old["answer_program"]
    with sqlite3.connect(tmp_path / "journal.sqlite") as con:
        con.execute("UPDATE problems SET data = ?", (json.dumps(old),))
    with Journal(tmp_path) as journal:
        (loaded,) = journal.problems()
    assert loaded == problem and loaded.answer_program is None


def test_a_writer_without_room_for_the_program_is_refused_in_one_line(tmp_path: Path) -> None:
    """``make demo``'s writer (160 tokens) cut every answer-first reply inside its program: the
    run would fail each problem with ``no_json`` and never say why."""
    path = tmp_path / "c.yaml"
    small = GOOD.replace(
        "writer: {{models: [openai/fake]}}", "writer: {{models: [m], max_tokens: 160}}"
    )
    path.write_text(small.format(run_dir=tmp_path / "r", precision="strict", value="true"))
    with pytest.raises(ConfigError, match=r"c\.yaml:6: math: .*max_tokens \(160\).*at least 384"):
        load_config(path)
    path.write_text(small.format(run_dir=tmp_path / "r", precision="strict", value="false"))
    assert load_config(path).problems.writer.max_tokens == 160  # type: ignore[union-attr]
    roomy = small.replace("max_tokens: 160", "max_tokens: 384")
    path.write_text(roomy.format(run_dir=tmp_path / "r", precision="strict", value="true"))
    assert load_config(path).math.answer_first
