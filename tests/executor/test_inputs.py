"""``executor.inputs``: what ``verigen verify --executor ray`` reads equals what the local path
loads (same columns, types, rows and order) for every kind of input, read piece by piece; and
what the local path refuses, it refuses with the same one-line message, before Ray is joined."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pytest

from verigen.cli.verify import _load
from verigen.errors import InputError
from verigen.executor.inputs import Source, open_input
from verigen.verify.code import humaneval_rows


def _rows() -> list[dict[str, Any]]:
    """HumanEval's rows with a column of each kind JSONL can hold, nested ones included."""
    return [
        {**row, "n": i, "x": 1.5 if i == 3 else None, "even": i % 2 == 0, "none": None,
         "nested": [i, {"a": [1, "b"]}]}
        for i, row in enumerate(humaneval_rows()[:60])
    ]  # fmt: skip


def _read(source: Source) -> datasets.Dataset:
    """Every piece read on its own, then put together: what Ray Data's read tasks yield."""
    tables = [table for piece in source.pieces for table in piece.read()]
    whole = pa.concat_tables(tables).cast(source.schema)
    return datasets.Dataset(whole.replace_schema_metadata(source.schema.metadata))


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps(r) for r in _rows()]
    lines.insert(7, "   ")  # blank lines are skipped, and counted in line numbers
    path.write_text("\n".join(lines) + "\n")
    return path


def test_jsonl_in_pieces_reads_as_the_local_path_loads(jsonl: Path) -> None:
    local = _load(jsonl)
    source = open_input(jsonl, jsonl_piece_rows=7)
    assert len(source.pieces) == 9 and len(source) == len(local) == 60
    assert source.features == local.features
    assert _read(source).to_list() == local.to_list()


@pytest.mark.parametrize("rows", [1, 7, 20, 60, None])
def test_the_first_rows_read_across_pieces_are_the_inputs_first_rows(
    jsonl: Path, rows: int | None
) -> None:
    source = open_input(jsonl, jsonl_piece_rows=7)
    head = source.table(rows)
    assert head.schema == source.schema
    assert head.to_pylist() == _read(source).to_list()[:rows]


@pytest.mark.parametrize("layout", ["datasets", "parquet", "parquet-dir", "parquet-glob"])
def test_datasets_and_parquet_inputs_read_as_the_local_path_loads(
    jsonl: Path, tmp_path: Path, layout: str
) -> None:
    local = _load(jsonl)
    where = tmp_path / "in"
    if layout == "datasets":
        local.save_to_disk(str(where), num_shards=3)
        local = _load(where)
    elif layout == "parquet":
        where = where.with_suffix(".parquet")
        local.to_parquet(str(where), batch_size=16)  # a row group per 16 rows
        local = _load(where)
    else:
        (where / "part").mkdir(parents=True)
        for i, start in enumerate(range(0, 60, 25)):
            part = local.select(range(start, min(start + 25, 60)))
            part.to_parquet(str(where / ("part" if i else "") / f"{i}.parquet"))
        if layout == "parquet-dir":  # a directory's hidden and _marker files are skipped
            (where / "_SUCCESS.parquet").write_text("not data")
        else:
            where = where / "**" / "*.parquet"
    source = open_input(where)
    assert len(source) == 60 and len(source.pieces) >= 3
    assert source.features == local.features
    assert _read(source).to_list() == local.to_list()


BAD = [
    (None, "missing"),
    ('{"solution": "x", "answer": "1"}\nnot json\n', "not-json"),
    ("[1, 2]\n", "not-an-object"),
    ("\n\n", "empty"),
    (b"\xff\xfe\x00binary", "binary"),
    (b'{"solution": "x", "answer": "1"}\n{"solution": "\xff"}\n', "binary-on-line-2"),
    ('{"solution": "x", "answer": "1"}\n{"solution": 5, "answer": "1"}\n', "mixed-kinds"),
    ("PAR1 not really parquet", "not-parquet"),
    ("PAR1 not really parquet PAR1", "bad-parquet"),
]


@pytest.mark.parametrize(("content", "case"), BAD, ids=[case for _, case in BAD])
def test_bad_input_is_refused_with_the_local_paths_message(
    tmp_path: Path, content: str | bytes | None, case: str
) -> None:
    parquet = isinstance(content, str) and content.startswith("PAR1")
    path = tmp_path / ("rows.parquet" if parquet else "rows.jsonl")
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as local:
        _load(path)
    with pytest.raises(InputError) as ray:
        open_input(path)
    assert str(ray.value) == str(local.value)


def test_inputs_only_ray_reads_are_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no Parquet file"):
        open_input(tmp_path / "empty")
    with pytest.raises(InputError, match="matches no file"):
        open_input(tmp_path / "*.parquet")
    data = datasets.Dataset.from_list([{"solution": "x", "tests": "[]"}])
    datasets.DatasetDict({"train": data, "test": data}).save_to_disk(str(tmp_path / "dict"))
    with pytest.raises(InputError, match=r"several splits \['test', 'train'\]"):
        open_input(tmp_path / "dict")
    data.to_parquet(str(tmp_path / "out" / "shards" / "a.parquet"))
    with pytest.raises(InputError, match=r"a.parquet is inside --out .*/out: write OUT outside"):
        open_input(tmp_path).check_apart(tmp_path / "out")
    data.to_parquet(str(tmp_path / "a.parquet"))
    data.rename_column("tests", "checks").to_parquet(str(tmp_path / "b.parquet"))
    with pytest.raises(InputError, match=r"b.parquet: its columns \['solution', 'checks'\]"):
        open_input(tmp_path / "*.parquet")


def test_verify_on_ray_refuses_bad_input_before_joining_a_cluster(tmp_path: Path) -> None:
    """No cluster is reachable at this address: the input error comes first, in one line."""
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"solution": "x"}\n')
    argv = [sys.executable, "-m", "verigen", "verify", str(rows), "--out", str(tmp_path / "out"),
            "--executor", "ray", "--ray-address", "127.0.0.1:1"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "rows.jsonl: no column ['tests or io_cases']" in lines[0]
    assert not (tmp_path / "out").exists()
