"""``verigen generate`` for code: problems, tests and solutions over HTTP, judged in the sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pytest

from tests.backends import require
from tests.fakellm import FakeLLM, Fault, code_responder, last_user
from tests.test_generate import _run
from verigen.verify.code import CodeOptions
from verigen.verify.rewards import CodeReward

CONFIG = """\
run_dir: {run_dir}
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, max_retries: 3}}
problems:
  domain: code
  taxonomy: problems/code.yaml
  topics: [{topics}]
  per_topic: 2
  writer: {{models: [openai/writer], temperature: 1.0, max_tokens: 400}}
  test_writer: {{models: [openai/tester], max_tokens: 400}}
  tests_per_problem: 5
solver: {{models: [openai/coder-a, openai/coder-b], samples: 2, max_tokens: 400}}
code: {{backend: bwrap, workers: 2, min_tests: 3}}
export: {{formats: [rl], decontaminate: []}}
"""
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_code_run_verifies_in_the_sandbox_and_keeps_only_passing_solutions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("bwrap")
    monkeypatch.chdir(REPO)
    with FakeLLM(responder=code_responder) as server:
        server.inject(
            Fault("malformed", match="programming problem"), Fault("429", retry_after=0.1)
        )
        server.state.refused_formats.add("json_schema")
        config = tmp_path / "code.yaml"
        config.write_text(
            CONFIG.format(
                run_dir=tmp_path / "run", api_base=server.api_base, topics="strings, arrays"
            )
        )
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
        formats = [(b.get("response_format") or {}).get("type") for b in server.state.requests]
    assert done.returncode == 0, done.stderr
    assert "json_object" in formats, "a refused json_schema falls back to json_object"
    # refusals are not retried, and once learned the weaker format is used up front: only the
    # requests already in flight (at most 2 per problem in flight) see the refusal
    assert formats.count("json_schema") <= 2 * 8 < len(formats)
    report = json.loads((tmp_path / "r.json").read_text())
    counts = report["counts"]
    assert report["verifier"] == "code" and counts["problems"] == 4
    assert sum(counts["verdicts"].values()) == counts["attempts"] == 16
    rows = datasets.load_from_disk(str(tmp_path / "run" / "dataset")).to_list()
    assert rows and len(rows) == counts["verdicts"]["accepted"]
    for row in rows:
        details = json.loads(row["verdict_details"])
        k = int(row["problem"].split("plus ")[1].split(".")[0])
        assert _right(k, row["solution"]), "only the correct solutions are kept"
        assert details["tests_passed"] == details["tests_total"] >= 3
    assert "tests_failed" in counts["rejection_reasons"] or (
        "disagrees_with_consensus" in counts["rejection_reasons"]
    )
    rl = datasets.load_from_disk(report["exports"]["rl"]["path"])
    assert len(rl) > 0 and "tests" in rl.column_names


IMPORT_CONFIG = """\
run_dir: {run_dir}
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, max_retries: 3}}
problems:
  domain: code
  source: {{path: {path}}}
  test_writer: {{models: [openai/tester], max_tokens: 400}}
  tests_per_problem: 5
solver: {{models: [openai/coder-a, openai/coder-b], samples: 2, max_tokens: 400}}
code: {{backend: bwrap, workers: 2, min_tests: 3}}
"""


@dataclass
class ImportRun:
    """What an import run left: its dataset's rows, its rejection reasons and every request
    the scripted server received."""

    rows: list[dict[str, Any]]
    reasons: dict[str, int]
    requests: list[dict[str, Any]]
    report: dict[str, Any]


def import_run(
    tmp_path: Path,
    problems: list[dict[str, Any]],
    responder: Callable[[dict[str, Any]], str],
    *args: str,
    config_extra: str = "",
) -> ImportRun:
    """``verigen generate`` over imported code problems (``IMPORT_CONFIG``) against a scripted
    server; the run must succeed."""
    source = tmp_path / "problems.jsonl"
    source.write_text("".join(json.dumps(problem) + "\n" for problem in problems))
    config = tmp_path / "import.yaml"
    with FakeLLM(responder=responder) as server:
        config.write_text(
            IMPORT_CONFIG.format(run_dir=tmp_path / "run", api_base=server.api_base, path=source)
            + config_extra
        )
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json", *args)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    return ImportRun(
        rows=datasets.load_from_disk(str(tmp_path / "run" / "dataset")).to_list(),
        reasons=report["counts"]["rejection_reasons"],
        requests=server.state.requests,
        report=report,
    )


@pytest.mark.slow
def test_imported_statements_without_tests_get_tests_from_the_test_writer(tmp_path: Path) -> None:
    require("bwrap")
    problems = [
        {
            "statement": f"Return x plus {k}.",
            "entry_point": f"add_{k}",
            "signature": f"def add_{k}(x: int) -> int:",
        }
        for k in (3, 11, 27)
    ]
    run = import_run(tmp_path, problems, code_responder)
    testers = [b for b in run.requests if b["model"] == "tester"]
    assert len(testers) == 3, "one test-writer request per imported problem"
    assert "too_few_trusted_tests" not in run.reasons
    rows = run.rows
    assert {row["problem"] for row in rows} == {f"Return x plus {k}." for k in (3, 11, 27)}
    for row in rows:
        k = int(row["problem"].split("plus ")[1].rstrip("."))
        assert _right(k, row["solution"]), "only the correct solutions are kept"


@pytest.mark.slow
def test_the_mutation_floor_and_hypothesis_are_run_config_knobs(tmp_path: Path) -> None:
    """``code.mutants`` and ``code.differential`` reach the verifier: by default every kept
    solution's verdict records its mutation score and the Hypothesis inputs; turned off, the
    verdicts record neither, and the run re-judges its stored attempts (a new verdict key)
    without asking the model again."""
    require("bwrap")
    source = tmp_path / "problems.jsonl"
    source.write_text(
        json.dumps(
            {"statement": "Return x plus 7.", "entry_point": "add_7",
             "signature": "def add_7(x: int) -> int:"}
        ) + "\n"
    )  # fmt: skip
    config = tmp_path / "import.yaml"
    recorded: dict[str, list[dict[str, Any]]] = {}

    def two_right_programs(body: dict[str, Any]) -> str:
        """Hypothesis compares distinct programs only: each solver model writes its own."""
        if body["model"] in ("coder-a", "coder-b"):
            body_ = "x + 7" if body["model"] == "coder-a" else "7 + x"
            return f"```python\ndef add_7(x: int) -> int:\n    return {body_}\n```"
        return code_responder(body)

    with FakeLLM(responder=two_right_programs) as server:
        text = IMPORT_CONFIG.format(run_dir=tmp_path / "run", api_base=server.api_base, path=source)
        for label, knobs in (("on", ""), ("off", ", mutants: 0, differential: false")):
            config.write_text(text.replace("min_tests: 3}", f"min_tests: 3{knobs}}}"))
            done = _run("generate", "-c", config, "-q")
            assert done.returncode == 0, done.stderr
            rows = datasets.load_from_disk(str(tmp_path / "run" / "dataset")).to_list()
            recorded[label] = [json.loads(row["verdict_details"]) for row in rows]
        asked = len(server.state.requests)
        done = _run("generate", "-c", config, "-q")
        assert len(server.state.requests) == asked, "re-judging asks the model nothing"
    assert recorded["on"] and recorded["off"]
    for details in recorded["on"]:
        assert details["mutation"]["score"] is not None and "differential" in details
    for details in recorded["off"]:
        assert "mutation" not in details and "differential" not in details


def _wrong_case_responder(body: dict[str, Any]) -> str:
    """Imported ``add_k`` problems: a test writer whose sixth case is always wrong, and two
    solvers writing two different right programs (whose agreement may drop a test)."""
    k = int(re.findall(r"add_(\d+)", last_user(body))[0])
    if "test cases" in last_user(body):
        cases = [{"args": [x], "expected": x + k} for x in (0, 1, -5, 7, 100)]
        cases.append({"args": [2], "expected": 2 + k + 1})
        return "```json\n" + json.dumps({"tests": cases}) + "\n```"
    body_line = f"x + {k}" if body["model"] == "coder-a" else f"{k} + x"
    return f"```python\ndef add_{k}(x: int) -> int:\n    return {body_line}\n```"


@pytest.mark.slow
def test_a_test_the_cross_check_dropped_is_never_shipped(tmp_path: Path) -> None:
    """The test writer's wrong case contradicts both solvers' programs and is dropped; the
    ``tests`` column a trainer rewards by must not hold it (`make demo` shipped
    ``is_prime(3) == False``, failing every right completion), and the RL row's reward for a
    right completion is 1.0."""
    require("bwrap")
    problem = {
        "statement": "Return x plus 9.",
        "entry_point": "add_9",
        "signature": "def add_9(x: int) -> int:",
    }
    run = import_run(
        tmp_path, [problem], _wrong_case_responder,
        config_extra="export: {formats: [rl], decontaminate: []}\n",
    )  # fmt: skip
    kept = run.rows
    assert kept and all("dropped_tests" in json.loads(r["verdict_details"]) for r in kept)
    [rl_row] = datasets.load_from_disk(run.report["exports"]["rl"]["path"]).to_list()
    cases = json.loads(rl_row["tests"])
    assert len(cases) == 5 and all(c["expected"] == c["args"][0] + 9 for c in cases)
    reward = CodeReward(CodeOptions(backend="bwrap", mutants=0, differential=False, min_tests=1))
    try:
        right = "```python\ndef add_9(x):\n    return 9 + x\n```"
        assert reward(["p"], [right], tests=[rl_row["tests"]], entry_point=["add_9"]) == [1.0]
    finally:
        reward.close()


def _right(k: int, solution: str) -> bool:
    """One of the two right programs the scripted model writes for ``add_k``."""
    return f"return x + {k}\n" in solution or f"return {k} + x\n" in solution
