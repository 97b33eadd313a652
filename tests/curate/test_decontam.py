"""Decontamination against HumanEval (built in) and user benchmark files of each kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict

from tests.curate.journals import HUMANEVAL_COPY, OK, STATEMENTS, attempt, math_verdict, problem
from verigen.curate import BenchmarkSpec, Sample
from verigen.curate.decontam import ContaminationIndex, decontaminate, load_benchmark
from verigen.errors import InputError

GSM_LIKE = [
    {
        "question": "Natalia sold clips to 48 of her friends in April, and then she sold half "
        "as many clips in May. How many clips did Natalia sell altogether?",
        "answer": "72",
    },
    {"question": "Weng earns 12 dollars an hour for babysitting.", "answer": "10"},
]


def _sample(statement: str, completion: str = "\\boxed{1}") -> Sample:
    prob = problem(statement)
    return Sample(prob, attempt(prob, 0, completion, "solver-a"), math_verdict(OK, "1"))


def test_a_lightly_edited_humaneval_prompt_is_removed_with_the_item_it_matched() -> None:
    index = ContaminationIndex(load_benchmark(BenchmarkSpec("humaneval")), 8)
    assert index.items == 164
    copied, clean = _sample(HUMANEVAL_COPY), _sample(STATEMENTS["primes"])
    kept, removed = decontaminate([copied, clean], index)
    assert kept == [clean]
    (hit,) = removed
    assert hit.sample is copied and hit.reason == "benchmark_overlap"
    assert hit.detail["benchmark"] == "humaneval" and hit.detail["item"] == "HumanEval/0"
    assert hit.detail["n"] == 8 and len(str(hit.detail["ngram"]).split()) == 8


def test_n_is_the_length_of_the_run_that_must_match() -> None:
    items = load_benchmark(BenchmarkSpec("humaneval"))
    edited = "Check if in given list of numbers, are any two numbers closer to each other?"
    assert ContaminationIndex(items, 8).match(edited) is not None
    assert ContaminationIndex(items, 20).match(edited) is None


def test_solutions_are_checked_only_when_asked() -> None:
    index = ContaminationIndex(load_benchmark(BenchmarkSpec("humaneval")), 8)
    leaked = _sample(STATEMENTS["primes"], completion=HUMANEVAL_COPY)
    assert decontaminate([leaked], index)[1] == []
    (hit,) = decontaminate([leaked], index, check_solutions=True)[1]
    assert hit.detail["field"] == "solution"


def _write(kind: str, path: Path) -> Path:
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in GSM_LIKE))
    elif kind == "parquet":
        Dataset.from_list(GSM_LIKE).to_parquet(str(path))
    else:
        DatasetDict({"test": Dataset.from_list(GSM_LIKE)}).save_to_disk(str(path))
    return path


@pytest.mark.parametrize(
    ("kind", "name"), [("jsonl", "gsm.jsonl"), ("parquet", "gsm.parquet"), ("datasets", "gsm")]
)
def test_user_benchmarks_load_from_each_format(tmp_path: Path, kind: str, name: str) -> None:
    path = _write(kind, tmp_path / name)
    items = load_benchmark(BenchmarkSpec.parse(f"{path}:question"))
    assert [i.item for i in items] == ["0", "1"] and items[0].benchmark == name
    leaked = _sample("Natalia sold clips to 48 of her friends in April, then half as many in May.")
    assert ContaminationIndex(items, 6).match(leaked.problem.statement) is not None


def test_the_text_column_is_guessed_or_the_error_lists_the_columns(tmp_path: Path) -> None:
    path = _write("jsonl", tmp_path / "gsm.jsonl")
    assert load_benchmark(BenchmarkSpec.parse(str(path)))[0].text.startswith("Natalia")
    with pytest.raises(InputError, match=r"no column statement.*\['answer', 'question'\]"):
        load_benchmark(BenchmarkSpec.parse(f"{path}:statement"))


def test_unreadable_benchmarks_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_benchmark(BenchmarkSpec.parse(str(tmp_path / "missing.jsonl")))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(InputError, match="cannot read"):
        load_benchmark(BenchmarkSpec.parse(str(bad)))


def test_spec_parsing() -> None:
    assert BenchmarkSpec.parse("HumanEval") == BenchmarkSpec("humaneval")
    assert BenchmarkSpec.parse("data/math500.parquet:problem") == BenchmarkSpec(
        "data/math500.parquet", "problem"
    )
    assert BenchmarkSpec.parse("data/gsm8k").column is None
