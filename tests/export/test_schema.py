"""One schema: every writer takes its column types from ``verigen/schema.py``, so rows
whose optional values are all ``None`` at the start never decide a column's type."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from datasets import Dataset, Value, load_from_disk

from tests.curate.journals import attempt, problem
from verigen import schema
from verigen.curate import CurationOptions, curate
from verigen.curate.lineage import answer_of
from verigen.curate.samples import Sample, load_samples
from verigen.export import dpo, rl, sft
from verigen.export.verified import write_verified
from verigen.export.writer import FORMATS, ExportOptions, Format, export
from verigen.records import Attempt, Domain, Outcome, Problem, Verdict
from verigen.store import Journal

DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"
LEADING = 40
"""More than a ``datasets`` writer batch of rows whose optional columns are all ``None``."""


def _verdict(verifier: str, outcome: Outcome, reason: str, **details: Any) -> Verdict:
    return Verdict(
        outcome=outcome,
        reason=reason,
        details=details,
        verifier=verifier,
        verifier_version=f"{verifier}-9",
        duration_s=0.5,
    )


def _unseeded(made: Attempt) -> Attempt:
    provenance = made.provenance.model_copy(update={"params": {"temperature": 0.7}})
    return made.model_copy(update={"provenance": provenance})


def _math(index: int) -> list[tuple[Problem, Attempt, Verdict]]:
    """A math problem: one accepted and one rejected attempt, no seed, no test counts."""
    made = problem(f"Math problem number {index}: what is {index} plus {index} in total?")
    right = _unseeded(attempt(made, 0, f"So \\boxed{{{2 * index}}}", "solver-a"))
    wrong = _unseeded(attempt(made, 1, "So \\boxed{0}", "solver-b"))
    return [
        (made, right, _verdict("math", Outcome.ACCEPTED, "majority", answer=str(2 * index))),
        (made, wrong, _verdict("math", Outcome.REJECTED, "disagrees_with_majority", answer="0")),
    ]


def _code() -> list[tuple[Problem, Attempt, Verdict]]:
    """A code problem whose verdicts set every optional column, from a later round (written
    after every round-0 row)."""
    made = problem(
        "Write add_one(x) returning x plus one, for any integer x given to it.",
        round_=1,
        domain=Domain.CODE,
        tests='[{"args": [1], "expected": 2}]',
        entry_point="add_one",
    )
    counts = {"tests_passed": 3, "tests_total": 3, "mutation_score": 0.75}
    good = _verdict("code", Outcome.ACCEPTED, "passed", sandbox_version="sb-1", **counts)
    bad = _verdict("code", Outcome.REJECTED, "tests_failed", tests_passed=1, tests_total=3)
    return [
        (made, attempt(made, 0, "def add_one(x):\n    return x + 1\n", "solver-a", 1), good),
        (made, attempt(made, 1, "def add_one(x):\n    return x\n", "solver-b", 1), bad),
    ]


def _triples() -> list[tuple[Problem, Attempt, Verdict]]:
    rows = [t for i in range(1, LEADING + 1) for t in _math(i)]
    return rows + _code()


def _load(path: Path) -> Dataset:
    loaded = load_from_disk(str(path))
    assert isinstance(loaded, Dataset)
    return loaded


NAMES: dict[str, tuple[str, ...]] = {"sft": schema.SFT, "dpo": schema.DPO, "rl": schema.RL}


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_keep_their_types_when_the_first_rows_are_all_none(
    tmp_path: Path, fmt: Format
) -> None:
    result = curate(_triples(), CurationOptions(decontam=None))
    written = _load(export(result, tmp_path / fmt, ExportOptions(format=fmt)).path)
    assert written.features == schema.features(NAMES[fmt])
    assert written["seed"][0] is None and written["tests_total"][0] is None
    last = written[-1]
    assert last["domain"] == "code"
    assert (last["tests_passed"], last["tests_total"], last["seed"]) == (3, 3, 7)
    assert written.features["tests_total"] == Value("int32")


def test_each_format_row_has_exactly_its_schema_columns() -> None:
    result = curate(_triples(), CurationOptions(decontam=None))
    made = {"sft": sft.rows(result), "dpo": dpo.rows(result), "rl": rl.rows(result)}
    for fmt, rows in made.items():
        for row in rows:
            assert tuple(row) == NAMES[fmt], fmt


def _journal(run_dir: Path, triples: list[tuple[Problem, Attempt, Verdict]]) -> Path:
    with Journal(run_dir) as journal:
        for prob, made, verdict in triples:
            journal.add_problem(prob)
            journal.add_attempt(made)
            journal.add_verdict(made.id, verdict)
    return run_dir


def test_the_run_dataset_has_the_one_schema_whatever_comes_first(tmp_path: Path) -> None:
    """Accepted code verdicts without test counts first (as an older verifier wrote them)."""
    leading = []
    for i in range(LEADING):
        made = problem(
            f"Write f{i}(x) returning x times {i}, for any integer x.", domain=Domain.CODE
        )
        code = f"def f{i}(x):\n    return x * {i}\n"
        passed = _verdict("code", Outcome.ACCEPTED, "passed")
        leading.append((made, _unseeded(attempt(made, 0, code, "solver-a")), passed))
    triples = _code()
    run = _journal(tmp_path / "run", leading + triples)
    target, rows = write_verified(run, "code", "code-9", [])
    written = _load(target)
    assert rows == len(written) == LEADING + 1
    assert written.features == schema.features(schema.RUN)
    by_id = {r["id"]: r for r in written}
    code_row = by_id[triples[0][1].id]
    assert (code_row["tests_passed"], code_row["mutation_score"]) == (3, 0.75)
    assert code_row["verified"] is True and code_row["sandbox_version"] == "sb-1"
    first = by_id[leading[0][1].id]
    assert (first["mutation_score"], first["tests_total"], first["seed"]) == (None, None, None)


def test_the_run_dataset_fills_answer_for_reference_checked_math(tmp_path: Path) -> None:
    known = problem(
        "What is one half written as a decimal number, exactly?", reference_answer="0.5"
    )
    checked = attempt(known, 0, "Half is \\boxed{\\frac{1}{2}}.", "solver-a")
    reference_verdict = _verdict(
        "math", Outcome.ACCEPTED, "equivalent", gold="0.5", pred="\\frac{1}{2}", rule="numeric"
    )
    voted, answer = _math(1)[0], "2"
    run = _journal(tmp_path / "run", [(known, checked, reference_verdict), voted])
    target, _ = write_verified(run, "math", "math-9", [])
    answers = {r["id"]: r["answer"] for r in _load(target)}
    assert answers == {checked.id: "0.5", voted[1].id: answer}


def test_sft_and_rl_read_the_same_answer_as_the_run_dataset(tmp_path: Path) -> None:
    known = problem(
        "What is one half written as a decimal number, exactly?", reference_answer="0.5"
    )
    checked = attempt(known, 0, "Half is \\boxed{\\frac{1}{2}}.", "solver-a")
    verdict = _verdict("math", Outcome.ACCEPTED, "equivalent", pred="\\frac{1}{2}")
    result = curate([(known, checked, verdict)], CurationOptions(decontam=None))
    for fmt in ("sft", "rl"):
        written = _load(export(result, tmp_path / fmt, ExportOptions(format=fmt)).path)
        assert written["answer"] == ["0.5"], fmt
    assert schema.verdict_values(verdict)["verified"] is True
    rejected = Sample(known, checked, verdict.model_copy(update={"outcome": Outcome.REJECTED}))
    assert answer_of(rejected) == "", "a rejected sample was not checked equal to the reference"


def _documented_types() -> dict[str, str]:
    """Every ``| `column` | type |`` row of docs/export.md, first word of the type."""
    text = DOCS.read_text()
    found: dict[str, str] = {}
    for name, kind in re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", text, flags=re.M):
        found.setdefault(name, kind.split()[0])
    return found


def test_docs_give_each_column_its_schema_type() -> None:
    documented = _documented_types()
    missing = [name for name in schema.TYPES if name not in documented]
    assert not missing, f"columns not documented in docs/export.md: {missing}"
    for name, kind in schema.TYPES.items():
        expected = "list" if kind == schema.CHAT else kind
        assert documented[name] == expected, name


def test_the_run_dataset_and_every_export_give_a_sample_the_same_columns(tmp_path: Path) -> None:
    """One row builder: a column the run's dataset and an export share holds the same value
    for the same sample, read back from what each wrote."""
    run = _journal(tmp_path / "run", _triples())
    target, _ = write_verified(run, "math", "math-9", [])
    by_sample = {r["id"]: r for r in _load(target)}
    by_problem = {r["problem_id"]: r for r in by_sample.values()}
    with Journal.open_existing(run) as journal:
        result = curate(load_samples(journal, "math"), CurationOptions(decontam=None))
    sample_of = {"sft": "id", "dpo": "chosen_id"}
    for fmt in FORMATS:
        written = _load(export(result, tmp_path / fmt, ExportOptions(format=fmt)).path)
        shared = [n for n in NAMES[fmt] if n in schema.RUN and n != "id"]
        assert "verifier_version" in shared and "tests_run" in shared, fmt
        assert len(written) >= LEADING, fmt
        for row in written:
            key = sample_of.get(fmt)
            same = by_sample[row[key]] if key else by_problem[row["problem_id"]]
            assert {n: row[n] for n in shared} == {n: same[n] for n in shared}, fmt
