"""The records' typed views and their journal round trip."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.curate.journals import attempt, problem
from verigen import schema
from verigen.curate import CurationOptions, curate
from verigen.errors import InputError
from verigen.export import rl
from verigen.records import (
    CallCase,
    CaseTests,
    CodeDetails,
    CodeTests,
    Details,
    Domain,
    MathDetails,
    Outcome,
    Problem,
    StdioCase,
    Verdict,
    read_tests_column,
    write_tests_column,
)
from verigen.store import Journal
from verigen.verify.code.tests import parse_tests

WRITER_TEXT = (
    '[{"args": [1, 2], "expected": 3, "kwargs": {}}, {"args": [0, 0], "expected": 0, "kwargs": {}}]'
)
"""The ``tests`` text the test writer's cases were always stored and exported as."""
CODE_TEXT = "def test_add():\n    assert add(1, 2) == 3\n"

CODE_DETAILS: dict[str, Any] = {
    "tests_passed": 2,
    "tests_total": 3,
    "mutation_score": 0.5,
    "tests_run": [{"id": "case:0", "outcome": "passed"}],
    "sandbox_version": "bwrap:sb-1",
    "limits": {"timeout_s": 5.0, "memory_mb": 512},
    "pass_matrix": {"tests": ["case:0"], "rows": [[True]]},
}


def _verdict(details: dict[str, Any], verifier: str = "code") -> Verdict:
    return Verdict(
        outcome=Outcome.ACCEPTED,
        reason="passed",
        details=details,
        verifier=verifier,
        verifier_version=f"{verifier}-1",
    )


def test_code_details_read_what_the_code_verifier_wrote() -> None:
    code = CodeDetails.of(_verdict(CODE_DETAILS))
    assert (code.tests_passed, code.tests_total, code.mutation_score) == (2, 3, 0.5)
    assert code.tests_run == CODE_DETAILS["tests_run"]
    assert code.sandbox_version == "bwrap:sb-1" and code.limits == CODE_DETAILS["limits"]
    assert code.infra_tries == 1


@pytest.mark.parametrize(
    ("key", "value", "read"),
    [
        ("tests_passed", True, None),  # a bool is not a count
        ("tests_total", "3", None),  # nor is text
        ("tests_total", 3.0, None),
        ("mutation_score", 1, 1.0),  # an int is a score
        ("mutation_score", False, None),
        ("sandbox_version", None, ""),
        ("tests_run", "case:0", []),
        ("limits", [5.0], None),
        ("infra_tries", "2", 1),
    ],
)
def test_a_detail_of_the_wrong_type_reads_as_absent(key: str, value: Any, read: Any) -> None:
    assert getattr(CodeDetails.of(_verdict({key: value})), key) == read


def test_math_details_and_the_shared_retry_count() -> None:
    details = {"gold": "1/2", "pred": "0.5", "vote_answer": "1/2", "infra_tries": 2}
    math = MathDetails.of(_verdict(details, "math"))
    assert (math.gold, math.pred, math.answer, math.vote_answer) == ("1/2", "0.5", None, "1/2")
    assert Details.of(_verdict(details, "math")).infra_tries == 2
    assert CodeDetails.of(_verdict(details, "math")).tests_total is None


def test_the_verdict_details_column_keeps_every_key_the_verifier_wrote() -> None:
    """The typed view is for readers; the column is the verifier's whole record."""
    values = schema.verdict_values(_verdict(CODE_DETAILS))
    assert json.loads(values["verdict_details"]) == CODE_DETAILS
    assert (values["tests_passed"], values["tests_total"], values["mutation_score"]) == (2, 3, 0.5)


def test_details_read_the_same_after_the_journal(tmp_path: Path) -> None:
    made = problem("Write f(x) returning x, for any integer x given to it at all.")
    tried = attempt(made, 0, "def f(x):\n    return x\n", "solver-a")
    with Journal(tmp_path) as journal:
        journal.add_problem(made)
        journal.add_attempt(tried)
        journal.add_verdict(tried.id, _verdict(CODE_DETAILS))
        [(_, _, stored)] = list(journal.judged())
    assert CodeDetails.of(stored) == CodeDetails.of(_verdict(CODE_DETAILS))


def _code_problem(tests: str) -> Problem:
    return problem(
        "Write add(a, b) returning the sum of two integers a and b given to it.",
        domain=Domain.CODE,
        tests=tests,
        entry_point="add",
    )


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        (
            WRITER_TEXT,
            CaseTests(cases=(CallCase(args=[1, 2], expected=3), CallCase(args=[0, 0], expected=0))),
        ),
        (CODE_TEXT, CodeTests(code=CODE_TEXT)),
        (
            '[{"input": "1 2", "output": "3"}]',
            CaseTests(cases=(StdioCase(input="1 2", output="3"),)),
        ),
        (
            "[1] == [1] or exit()\nassert add(1, 2) == 3",
            CodeTests(code="[1] == [1] or exit()\nassert add(1, 2) == 3"),
        ),
        ("", None),
        ("[]", None),
    ],
)
def test_the_tests_text_column_reads_as_typed_tests_and_back(
    text: str, typed: CaseTests | CodeTests | None
) -> None:
    assert read_tests_column(text) == typed
    assert write_tests_column(typed) == text.replace("[]", "")


@pytest.mark.parametrize(
    "text", ['{"args": [1]}', '[{"args": [1]}]', '[{"input": [1], "output": "1"}]', "[1, 2]"]
)
def test_json_that_is_not_a_list_of_cases_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        read_tests_column(text)
    with pytest.raises(InputError):
        parse_tests(text, "add")


def test_an_old_journals_tests_string_loads_as_typed_tests(tmp_path: Path) -> None:
    made = _code_problem(WRITER_TEXT)
    with Journal(tmp_path) as journal:
        journal.add_problem(made)
    with sqlite3.connect(tmp_path / "journal.sqlite") as con:  # as before tests were typed
        old = json.loads(made.model_dump_json()) | {"tests": WRITER_TEXT}
        con.execute("UPDATE problems SET data = ?", (json.dumps(old),))
    with Journal.open_existing(tmp_path) as journal:
        [loaded] = list(journal.problems())
    assert isinstance(loaded.tests, CaseTests) and loaded == made
    assert write_tests_column(loaded.tests) == WRITER_TEXT


@pytest.mark.parametrize("text", [WRITER_TEXT, CODE_TEXT])
def test_typed_tests_cross_the_journal_pickle_and_the_rl_tests_column(
    tmp_path: Path, text: str
) -> None:
    made = _code_problem(text)
    assert isinstance(made.tests, CaseTests | CodeTests)
    assert pickle.loads(pickle.dumps(made)) == made
    solved = attempt(made, 0, "def add(a, b):\n    return a + b\n", "solver-a")
    with Journal(tmp_path) as journal:
        journal.add_problem(made)
        journal.add_attempt(solved)
        journal.add_verdict(solved.id, _verdict(CODE_DETAILS))
        triples = list(journal.judged())
    assert triples[0][0] == made
    [row] = rl.rows(curate(triples, CurationOptions(decontam=None)))
    assert row["tests"] == text


def test_the_verifier_plans_typed_tests_as_it_plans_their_text() -> None:
    for text in (WRITER_TEXT, CODE_TEXT):
        typed = read_tests_column(text)
        assert parse_tests(typed, "add").ids == parse_tests(text, "add").ids


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ('[{"args": [1, 2], "expected": 3, "name": "small"}]', CallCase(args=[1, 2], expected=3)),
        ('[{"input": 3, "output": 9.5, "note": "x"}]', StdioCase(input="3", output="9.5")),
    ],
)
def test_dataset_cases_keep_their_notes_out_and_numbers_as_text(text: str, typed: Any) -> None:
    """Datasets annotate cases and write stdio numbers bare; neither voids the problem."""
    assert read_tests_column(text) == CaseTests(cases=(typed,))
    assert len(parse_tests(text, "add").ids) == 1
