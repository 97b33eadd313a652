"""Every answer family of issue 4, with equivalent and near-miss pairs (table in cases/)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verigen.records import Outcome
from verigen.verify.math import VERIFIER_VERSION, MathOptions, MathVerifier

TABLE = Path(__file__).parent / "cases" / "verigen_issue_4.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(workers=2) as mv:
        yield mv


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['family']}:{r['gold']}|{r['pred']}" for r in ROWS])
def test_family_table(row: dict[str, Any], verifier: MathVerifier) -> None:
    verdict = verifier.check(row["gold"], row["pred"])
    assert verdict.outcome is not Outcome.INFRA_ERROR
    assert verdict.accepted is row["expected"], (row["note"], verdict.reason, verdict.details)


def test_check_many_keeps_input_order(verifier: MathVerifier) -> None:
    pairs = [(str(n), str(n if n % 3 else n + 1)) for n in range(12)]
    verdicts = verifier.check_many(pairs)
    assert [v.accepted for v in verdicts] == [n % 3 != 0 for n in range(12)]


def test_verdict_records_rules_and_parsed_forms(verifier: MathVerifier) -> None:
    verdict = verifier.check("x/2", r"Hence the result is $\boxed{\dfrac{2x}{4}}$.")
    assert verdict.accepted and verdict.verifier == "math"
    assert verdict.verifier_version == VERIFIER_VERSION
    assert verdict.details["pred_rule"] == "boxed"
    assert verdict.details["pred_parsed"] == "(2*x)/4"  # parsed form, before comparison


def test_plain_numbers_skip_the_parser(verifier: MathVerifier) -> None:
    verdict = verifier.check("1/2", r"$\boxed{\dfrac{2}{4}}$")
    assert verdict.accepted and verdict.details["rule"] == "number"
    assert "pred_parsed" not in verdict.details


def test_no_answer_is_a_rejection_with_that_reason(verifier: MathVerifier) -> None:
    verdict = verifier.check("3", "I have no idea how to do this problem.")
    assert verdict.outcome is Outcome.REJECTED and verdict.reason == "no_answer"


@pytest.mark.parametrize(
    ("options", "gold", "pred", "expected"),
    [
        (MathOptions(percent="value"), r"28\%", "28", False),
        (MathOptions(percent="value"), r"28\%", "0.28", True),
        (MathOptions(percent="exact"), r"28\%", "0.28", False),
        (MathOptions(percent="exact"), r"28\%", "28 percent", True),
        (MathOptions(strict_variables=False), "x=1", "y=1", True),
        (MathOptions(strict_variables=False), "f(x)", "f(y)", True),
        (MathOptions(), "[-2,7]", r"-2 \le x \le 7", True),
        (MathOptions(pred_relation_as_set=False), "[-2,7]", r"-2 \le x \le 7", False),
        (MathOptions(rel_tol=1e-3), r"\frac{1}{3}", "0.3333", True),
    ],
)
def test_strictness_knobs(options: MathOptions, gold: str, pred: str, expected: bool) -> None:
    with MathVerifier(options, workers=1) as mv:
        assert mv.check(gold, pred).accepted is expected


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        MathOptions(timeout_s=0)
