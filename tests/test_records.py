"""The records' typed views and their journal round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.curate.journals import attempt, problem
from verigen import schema
from verigen.records import CodeDetails, Details, MathDetails, Outcome, Verdict
from verigen.store import Journal

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
