"""A small given suite is augmented, not trusted as the whole truth (issue 13).

MBPP-style sets ship three tests per problem; the precision bench found wrong solutions that
pass them, survive mutants and Hypothesis, and fail most hidden tests. An imported problem with
fewer than ``problems.augment_below`` cases gets more from the test writer; its own cases are
never dropped by the solutions' consensus.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from tests.fakellm import last_user
from tests.test_generate_code import ImportRun, import_run
from verigen.config import RoleConfig, RunConfig
from verigen.generate import code as code_gen
from verigen.generate.imported import _tests
from verigen.generate.propose import _wants_tests
from verigen.records import CallCase, CaseTests, CodeTests, Domain, Problem, StdioCase
from verigen.sandbox import TestOutcome
from verigen.store import Journal
from verigen.verify.code.execute import Run
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.tests import given_ids, parse_tests
from verigen.verify.code.trust import by_consensus


def _run_of(passed: set[str], failed: set[str]) -> Run:
    outcomes = {i: TestOutcome(i, "passed") for i in passed}
    return Run(outcomes | {i: TestOutcome(i, "failed", "wrong") for i in failed}, "")


def _cases(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"args": [x], "kwargs": {}, "expected": y} for x, y in pairs]


def test_a_given_case_is_never_dropped_by_the_consensus() -> None:
    """Two distinct programs failing one test would drop it; not when the dataset gave it."""
    runs = [_run_of({"a", "b", "c"}, {"d"}), _run_of({"a", "b", "c"}, {"d"})]
    programs = ["def f(x):\n    return x\n", "def f(x):\n    return x * 1\n"]
    ids = ["a", "b", "c", "d"]
    assert by_consensus(runs, programs, ids, CodeOptions()).dropped.keys() == {"d"}
    kept = by_consensus(runs, programs, ids, CodeOptions(), given=frozenset({"d"}))
    assert kept.kept == ("a", "b", "c", "d") and not kept.dropped


def test_given_ids_are_the_ids_parse_tests_gives_the_leading_cases() -> None:
    tests = CaseTests(
        cases=(
            CallCase(args=[1], expected=2),
            StdioCase(input="3", output="4"),
            CallCase(args=[5], expected=6),
        ),
        given=2,
    )
    ids = parse_tests(tests, "f").ids
    assert given_ids(tests) == {"case:0", "io:1"} and given_ids(tests) < set(ids)
    assert given_ids(tests.model_copy(update={"given": 0})) == frozenset()
    assert given_ids(CodeTests(code="assert f(1) == 2")) == frozenset()


def test_an_imported_suite_of_cases_is_the_datasets_own() -> None:
    tests = _tests(json.dumps(_cases((1, 2), (2, 3))), "rows.jsonl#7")
    assert isinstance(tests, CaseTests) and tests.given == 2
    assert isinstance(_tests("assert f(1) == 2", "rows.jsonl#8"), CodeTests)


def _problem(tests: CaseTests | CodeTests | None) -> Problem:
    return Problem(
        id="p-1",
        domain=Domain.CODE,
        statement="Return x plus 1.",
        entry_point="f",
        signature="def f(x: int) -> int:",
        tests=tests,
    )


def _config(augment_below: int = 10) -> RunConfig:
    return RunConfig.model_validate(
        {
            "problems": {
                "domain": "code",
                "source": {"path": "rows.jsonl"},
                "test_writer": {"models": ["openai/tester"]},
                "augment_below": augment_below,
            },
            "solver": {"models": ["openai/coder"]},
        }
    )


def test_which_imported_problems_ask_the_test_writer() -> None:
    small = CaseTests(cases=tuple(CallCase(args=[x], expected=x + 1) for x in range(3)), given=3)
    large = CaseTests(cases=tuple(CallCase(args=[x], expected=x + 1) for x in range(10)), given=10)
    stdio = CaseTests(cases=(StdioCase(input="1", output="2"),), given=1)
    assert _wants_tests(_problem(None), _config())
    assert _wants_tests(_problem(small), _config())
    assert not _wants_tests(_problem(large), _config()), "10 cases reach augment_below=10"
    assert not _wants_tests(_problem(small), _config(augment_below=0))
    assert not _wants_tests(_problem(stdio), _config()), "call cases cannot join a stdio suite"
    assert not _wants_tests(_problem(CodeTests(code="assert f(1) == 2")), _config())


def test_the_writer_sees_the_given_cases_and_its_own_come_after_them() -> None:
    given = CaseTests(cases=tuple(CallCase(args=[x], expected=x + 1) for x in (1, 2, 5)), given=3)
    problem = _problem(given)
    request = code_gen.imported_tests_request(problem, RoleConfig(models=["t"]), 5, 0, None)
    prompt = request.messages[-1][1]
    assert all(json.dumps(c.model_dump()) in prompt for c in given.cases)
    assert "5 more test cases" in prompt
    fresh = code_gen.imported_tests_request(_problem(None), RoleConfig(models=["t"]), 5, 0, None)
    assert "come with the problem" not in fresh.messages[-1][1]
    # the writer repeats a given input with another expected value: the given case stands
    written = _cases((2, 99), (-1, 0), (0, 1))
    merged = code_gen.with_tests(problem, written, request).tests
    assert isinstance(merged, CaseTests) and merged.given == 3
    assert [c.model_dump()["args"] for c in merged.cases] == [[1], [2], [5], [-1], [0]]
    assert merged.cases[1] == given.cases[1]


def _clamp_responder(body: dict[str, Any]) -> str:
    """Problems ``clamp_add_k``: x + k, or 0 for a negative x. The test writer adds negative
    inputs; the solvers get k=3 right (two programs: the test writer's cases need two to be
    believed) and write a plain ``x + k`` for k=5, which passes the three given (positive)
    cases."""
    text = last_user(body)
    match = re.search(r"clamp_add_(\d+)", text)
    k = int(match[1]) if match else 0
    if "come with the problem" in text:
        cases = _cases(*((x, 0 if x < 0 else x + k) for x in (-3, -1, 0, 10, 7)))
        return json.dumps({"tests": cases})
    one, other = f"return 0 if x < 0 else x + {k}", f"return x + {k} if x >= 0 else 0"
    right = one if body["model"] == "coder-a" else other
    body_ = right if k == 3 else f"return x + {k}"
    return f"```python\ndef clamp_add_{k}(x: int) -> int:\n    {body_}\n```"


@pytest.mark.slow
def test_a_wrong_solution_passing_a_small_given_suite_is_caught_by_the_added_cases(
    tmp_path: Path,
) -> None:
    """First without augmentation (the given suite alone keeps the wrong solutions), then the
    same run again with the default: the added cases reject them, and the rerun asks only the
    test writer (the solutions come from the journal; their old verdicts judged other tests)."""
    require("bwrap")
    problems = [
        {
            "statement": f"clamp_add_{k}(x): return x plus {k}, or 0 when x is negative.",
            "entry_point": f"clamp_add_{k}",
            "signature": f"def clamp_add_{k}(x: int) -> int:",
            "tests": json.dumps(_cases((1, 1 + k), (2, 2 + k), (5, 5 + k))),
        }
        for k in (3, 5)
    ]

    def kept(run: ImportRun) -> set[str]:
        return {row["problem"].split("(")[0] for row in run.rows}

    args = ("--set", "problems.augment_below={}")
    given_only = import_run(tmp_path, problems, _clamp_responder, args[0], args[1].format(0))
    assert kept(given_only) == {"clamp_add_3", "clamp_add_5"}, "the plain x + 5 passes"
    assert not [b for b in given_only.requests if b["model"] == "tester"]

    augmented = import_run(tmp_path, problems, _clamp_responder, args[0], args[1].format(10))
    assert [b["model"] for b in augmented.requests] == ["tester", "tester"], "no solver call"
    assert kept(augmented) == {"clamp_add_3"}, "the plain x + 5 fails the added negative inputs"
    rows = augmented.rows
    assert all(json.loads(r["verdict_details"])["tests_total"] == 8 for r in rows)
    with Journal.open_existing(tmp_path / "run") as journal:
        stored = [p.tests for p in journal.problems()]
    assert all(isinstance(t, CaseTests) and (len(t.cases), t.given) == (8, 3) for t in stored)
    assert augmented.reasons.get("tests_failed") == 4
