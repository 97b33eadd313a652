"""Importing problems from JSONL, Parquet and datasets directories, with column mapping."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from verigen.config import ImportConfig
from verigen.errors import InputError
from verigen.generate.imported import read_problems
from verigen.records import Domain

ROWS = [
    {"question": "What is 2 + 2?", "final": "4", "uid": "a"},
    {"question": "What is 3 * 3?", "final": 9, "uid": "b"},
    {"question": "what is 2 + 2?", "final": "4", "uid": "c"},
]


@pytest.fixture(params=["jsonl", "parquet", "dir"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "jsonl":
        path = tmp_path / "p.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
        return path
    dataset = datasets.Dataset.from_list([{**r, "final": str(r["final"])} for r in ROWS])
    if request.param == "parquet":
        dataset.to_parquet(str(tmp_path / "p.parquet"))
        return tmp_path / "p.parquet"
    dataset.save_to_disk(str(tmp_path / "d"))
    return tmp_path / "d"


def test_rows_become_problems_with_reference_answers_and_provenance(source: Path) -> None:
    config = ImportConfig(
        path=source, columns={"statement": "question", "answer": "final", "id": "uid"}
    )
    problems = list(read_problems(config, Domain.MATH, round_=2))
    assert [p.reference_answer for p in problems] == ["4", "9", "4"]
    assert problems[0].provenance.imported_from == f"{source}#a"
    assert problems[0].provenance.round == 2
    assert problems[0].id == problems[2].id, "the same problem twice is one problem"


def test_limit_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    limited = ImportConfig(path=path, columns={"statement": "question"}, limit=1)
    assert len(list(read_problems(limited, Domain.MATH, 0))) == 1
    wrong = ImportConfig(path=path, columns={"statement": "prompt"})
    with pytest.raises(InputError, match=r"no column 'prompt' \(columns: \['final'"):
        list(read_problems(wrong, Domain.MATH, 0))


def test_unreadable_sources_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InputError, match=r"expected a \.jsonl"):
        list(read_problems(ImportConfig(path=tmp_path / "x.csv"), Domain.MATH, 0))
    with pytest.raises(InputError, match="does not exist"):
        list(read_problems(ImportConfig(path=tmp_path / "none.jsonl"), Domain.MATH, 0))
