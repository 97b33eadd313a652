"""Math-Verify's own regression cases (shared conformance data), judged by verigen.

The file is read in place from ``../shared/conformance`` (never copied into the repo). One
default ``MathOptions`` judges every scored case; the only knob taken from a case's upstream
config is ``plain_text_math`` (upstream ``match_types`` without ``expr``), which is the same
strictness switch and is tested separately.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.parts import require
from verigen.records import Outcome
from verigen.verify.math import MathOptions, MathVerifier, check

CASES = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "conformance"
    / "math_verify_cases.jsonl"
)

LATEX_ONLY = MathOptions(plain_text_math=False)
DELIBERATE = {
    "tests/test_all.py::test_latex_notation[5]": ("'Answer $\\n 9 \\n$' does answer 9", LATEX_ONLY),
    "tests/test_all.py::test_latex_notation[6]": (
        "'Answer \\(\\n 9 \\n\\)' does answer 9",
        LATEX_ONLY,
    ),
    "tests/test_all.py::test_set_rel_assymetry[3]": (
        "'-2 \\le x \\le 7' is the interval [-2, 7] in another notation",
        MathOptions(pred_relation_as_set=False),
    ),
}
"""Scored cases where verigen's default reading differs from upstream's: why, and the options
(upstream's own strictness switches) under which verigen agrees with upstream."""


def _cases() -> list[dict[str, Any]]:
    if not CASES.exists():
        return []
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["scored"]]


SCORED = _cases()
require("shared", module=True)


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(workers=2) as mv:
        yield mv


@pytest.mark.parametrize("case", SCORED, ids=[c["source"] for c in SCORED])
def test_default_options(case: dict[str, Any], verifier: MathVerifier) -> None:
    verdict = verifier.check(case["gold"], case["pred"])
    assert verdict.outcome is not Outcome.INFRA_ERROR, verdict
    assert verdict.reason != "timeout"
    expected = case["expected"] != (case["source"] in DELIBERATE)
    assert verdict.accepted is expected, (verdict.reason, verdict.details)


@pytest.mark.parametrize("source", sorted(DELIBERATE))
def test_deliberate_disagreements_follow_upstream_under_its_strictness(source: str) -> None:
    case = next(c for c in SCORED if c["source"] == source)
    _, options = DELIBERATE[source]
    assert check(case["gold"], case["pred"], options).accepted is case["expected"]


def test_every_scored_case_is_judged() -> None:
    assert len(SCORED) == 260
