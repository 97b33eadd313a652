"""Adversarial case tables, one file per class of attack (``cases/math_<class>.jsonl``).

Each class holds rows that must be accepted (the same answer in another notation) and rows
that must be rejected (a sign flip, a near-miss decimal, a swapped pair, a hidden macro...).
A rejection must be a real verdict, never an infrastructure failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verigen.records import Outcome
from verigen.verify.math import MathVerifier

CASES = Path(__file__).parent / "cases"
TABLES = sorted(CASES.glob("math_*.jsonl"))
CLASSES = [
    "angles",
    "collections",
    "decimals",
    "empty_set",
    "fragments",
    "huge_numbers",
    "intervals",
    "macros",
    "notations",
    "numerals",
    "percent",
    "roots_pm",
    "signed_constants",
    "text_tricks",
    "unicode",
]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


ROWS = [row for path in TABLES for row in _rows(path)]


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(workers=2) as mv:
        yield mv


def test_every_class_has_a_table_with_both_kinds_of_row() -> None:
    assert [p.stem.removeprefix("math_") for p in TABLES] == CLASSES
    for path in TABLES:
        expected = {row["expected"] for row in _rows(path)}
        assert expected == {True, False}, path.name


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{r['family']}:{r['gold'][:30]}|{r['pred'][:40]}" for r in ROWS]
)
def test_adversarial_row(row: dict[str, Any], verifier: MathVerifier) -> None:
    verdict = verifier.check(row["gold"], row["pred"])
    assert verdict.outcome is not Outcome.INFRA_ERROR, verdict
    assert verdict.accepted is row["expected"], (row["note"], verdict.reason, verdict.details)


@pytest.mark.parametrize(
    ("pred", "reason"),
    [
        (r"\renewcommand{\frac}[2]{#1} \boxed{\frac{4}{5}}", "unparsable"),
        ("1 + " + r"\frac{1}{1 + " * 45 + "2" + "}" * 45, "too_deep"),
        (r"\boxed{" + r"\frac{1}{" * 60 + "2" + "}" * 60 + "}", "too_deep"),
    ],
)
def test_refused_answers_are_never_replaced_by_a_fragment(
    pred: str, reason: str, verifier: MathVerifier
) -> None:
    """The whole answer is refused; no piece of it (the innermost 2) is compared instead."""
    verdict = verifier.check("2", pred)
    assert verdict.outcome is Outcome.REJECTED
    assert verdict.reason == reason, verdict.details
