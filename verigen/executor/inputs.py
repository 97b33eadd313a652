"""The input of ``verigen verify --executor ray``, checked up front and cut into pieces.

INPUT is a ``datasets`` directory (its Arrow files), a Parquet file, a directory or glob of
Parquet files, or a JSONL file. ``open_input`` refuses what the local path refuses, with the same
one-line ``InputError``s, and cuts the rest into pieces: an Arrow file, a Parquet row group, a
run of JSONL lines. Each piece is read on its own, a batch at a time (``ray_rows.py`` makes them
the read tasks of a Ray Dataset), so no process ever holds the whole input.

What it reads equals what the local path loads: the same columns, types and rows in the same
order. A JSONL file is scanned once here to learn that (a column's type is decided by all its
lines, nested values become JSON text, a column mixing kinds of values is refused), and its
pieces are parsed again where they are read. Nothing here imports Ray: a bad input is refused
before the cluster is joined.
"""

from __future__ import annotations

import glob
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from verigen.errors import InputError

if TYPE_CHECKING:
    from datasets import Features

BATCH_ROWS = 1024
"""Rows per table a piece yields: Ray Data's blocks stay small whatever a file holds."""
JSONL_PIECE_ROWS = 8192
JSONL_PIECE_BYTES = 16 << 20


class Piece(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def rows(self) -> int: ...

    @property
    def size(self) -> int:
        """Bytes on disk: Ray Data's hint for planning memory."""

    def read(self) -> Iterator[pa.Table]: ...


@dataclass(frozen=True)
class Source:
    """A checked input: its pieces in order, its Arrow schema (with ``datasets``' feature
    metadata where the input had it), and its row count."""

    path: Path
    pieces: tuple[Piece, ...]
    schema: pa.Schema

    def __len__(self) -> int:
        return sum(p.rows for p in self.pieces)

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    @property
    def features(self) -> Features:
        from datasets import Features

        return Features.from_arrow_schema(self.schema)

    def table(self, rows: int | None = None) -> pa.Table:
        """The input's first ``rows`` rows (all when None) as one table of the input's schema,
        read from the pieces a batch at a time: for what the driver holds anyway (the local
        path's input, the Ray path's first shard)."""
        tables: list[pa.Table] = []
        left = rows
        for piece in self.pieces:
            for batch in piece.read():  # left unfinished, a piece's reader closes as it is dropped
                tables.append(batch if left is None else batch.slice(0, left))
                if left is not None:
                    left -= tables[-1].num_rows
                    if left == 0:
                        return pa.concat_tables(tables).cast(self.schema)
        return pa.concat_tables(tables).cast(self.schema) if tables else self.schema.empty_table()

    def check_apart(self, out: Path) -> None:
        """Refuse an OUT that holds input files: a rerun would read its shards as input."""
        inside = [
            p.path for p in self.pieces if Path(p.path).resolve().is_relative_to(out.resolve())
        ]
        if inside:
            raise InputError(f"{inside[0]} is inside --out {out}: write OUT outside the input")


def open_input(path: Path, jsonl_piece_rows: int = JSONL_PIECE_ROWS) -> Source:
    """``path`` checked and cut into pieces; ``InputError`` for what cannot be verified."""
    if path.is_dir():
        return _directory(path)
    if not path.exists() and glob.has_magic(str(path)):
        files = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{path} matches no file")
        return _parquet(path, files)
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    if path.suffix == ".parquet":
        return _parquet(path, [path])
    return _jsonl(path, jsonl_piece_rows)


def _directory(path: Path) -> Source:
    if (path / "dataset_dict.json").is_file():
        splits = sorted(p.name for p in path.iterdir() if (p / "state.json").is_file())
        raise InputError(f"{path} holds several splits {splits}: verify one, e.g. {path}/SPLIT")
    if (path / "state.json").is_file():
        return _datasets_directory(path)
    files = sorted(
        p
        for p in path.rglob("*.parquet")
        if p.is_file() and not any(part[0] in "._" for part in p.relative_to(path).parts)
    )
    if not files:
        raise InputError(
            f"{path} is not a datasets directory (no state.json) and holds no Parquet file"
        )
    return _parquet(path, files)


def _datasets_directory(path: Path) -> Source:
    """A directory ``Dataset.save_to_disk`` wrote: its Arrow stream files, in order."""
    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        names = [entry["filename"] for entry in state["_data_files"]]
        pieces = [_arrow_piece(path / name) for name in names]
    except (OSError, ValueError, KeyError, TypeError) as exc:  # pyarrow's errors are ValueErrors
        raise InputError(f"{path} is not a datasets directory: {exc}") from None
    schema = pieces[0][1] if pieces else pa.schema([])
    return Source(path, tuple(piece for piece, _ in pieces), schema)


def _arrow_piece(path: Path) -> tuple[ArrowPiece, pa.Schema]:
    with pa.memory_map(str(path)) as source:  # counting rows reads batch headers, not data
        reader = pa.ipc.open_stream(source)
        rows = sum(batch.num_rows for batch in reader)
        return ArrowPiece(str(path), rows, path.stat().st_size), reader.schema


@dataclass(frozen=True)
class ArrowPiece:
    """One Arrow stream file of a ``datasets`` directory, read memory-mapped."""

    path: str
    rows: int
    size: int

    def read(self) -> Iterator[pa.Table]:
        with pa.memory_map(self.path) as source:
            for batch in pa.ipc.open_stream(source):
                yield pa.Table.from_batches([batch])


def _parquet(given: Path, files: list[Path]) -> Source:
    """Parquet files read as one input: each readable, all with one schema."""
    pieces: list[Piece] = []
    first: pa.Schema | None = None
    for path in files:
        if not _has_parquet_magic(path):
            raise InputError(f"{path}: not a Parquet file (no PAR1 marks at its ends)")
        try:
            meta = pq.ParquetFile(path).metadata
            schema = pq.read_schema(path)
        except Exception as exc:  # pyarrow raises many kinds for a bad file
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
        if first is None:
            first = schema
        elif not schema.equals(first, check_metadata=False):
            raise InputError(
                f"{path}: its columns {schema.names} or their types differ from those of "
                f"{files[0]}; Parquet files verified as one input need one schema"
            )
        for group in range(meta.num_row_groups):
            row_group = meta.row_group(group)
            pieces.append(
                ParquetPiece(str(path), group, row_group.num_rows, row_group.total_byte_size)
            )
    assert first is not None  # files is never empty
    return Source(given, tuple(pieces), first)


def _has_parquet_magic(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4)
        f.seek(max(path.stat().st_size - 4, 0))
        return head == f.read(4) == b"PAR1"


@dataclass(frozen=True)
class ParquetPiece:
    """One row group of a Parquet file."""

    path: str
    group: int
    rows: int
    size: int

    def read(self) -> Iterator[pa.Table]:
        with pq.ParquetFile(self.path) as file:
            for batch in file.iter_batches(batch_size=BATCH_ROWS, row_groups=[self.group]):
                yield pa.Table.from_batches([batch])


def _jsonl(path: Path, piece_rows: int) -> Source:
    """Scan every line once: the local path's checks, the schema, and where pieces start."""
    scan = _JsonlScan(path, piece_rows)
    with path.open("rb") as f:
        offset = 0
        for number, line in enumerate(f, start=1):
            scan.line(line, number, offset)
            offset += len(line)
    return scan.source(offset)


@dataclass
class _JsonlScan:
    path: Path
    piece_rows: int
    kinds: dict[str, tuple[str, int]] = field(default_factory=dict)
    floats: set[str] = field(default_factory=set)
    columns: list[str] | None = None
    """The first row's keys: the local path builds its table from them (``Dataset.from_list``)."""
    cuts: list[tuple[int, int]] = field(default_factory=lambda: [(0, 0)])
    """(byte offset, rows before it) where each piece starts."""
    rows: int = 0

    def line(self, raw: bytes, number: int, offset: int) -> None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = offset + exc.start
            raise InputError(f"{self.path}: not UTF-8 text ({exc.reason} at byte {at})") from None
        if not text.strip():
            return
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{self.path}:{number}: not JSON ({exc})") from exc
        if not isinstance(row, dict):
            raise InputError(f"{self.path}:{number}: expected a JSON object")
        self._check_kinds(_flat(row), number)
        if self.columns is None:
            self.columns = list(row)
        start, before = self.cuts[-1]
        if self.rows - before >= self.piece_rows or offset - start >= JSONL_PIECE_BYTES:
            self.cuts.append((offset, self.rows))
        self.rows += 1

    def _check_kinds(self, row: dict[str, Any], number: int) -> None:
        """One kind of value per column (Arrow's rule), said with the two lines that differ."""
        for column, value in row.items():
            if value is None:
                continue
            kind = "number" if type(value) in (int, float) else type(value).__name__
            if isinstance(value, float):
                self.floats.add(column)
            first = self.kinds.setdefault(column, (kind, number))
            if first[0] != kind:
                raise InputError(
                    f"{self.path}:{number}: column {column!r} holds a {kind} here and a "
                    f"{first[0]} on line {first[1]}; a column needs one kind of value"
                )

    def source(self, end: int) -> Source:
        if self.columns is None:
            raise InputError(f"{self.path}: no rows")
        schema = pa.schema([(c, self._type(c)) for c in self.columns])
        bounds = [*self.cuts, (end, self.rows)]
        pieces = tuple(
            JsonlPiece(str(self.path), start, stop, after - before, schema)
            for (start, before), (stop, after) in itertools.pairwise(bounds)
            if after > before
        )
        return Source(self.path, pieces, schema)

    def _type(self, column: str) -> pa.DataType:
        """What ``pyarrow`` infers for the column's values, as ``Dataset.from_list`` does."""
        kind = self.kinds.get(column, ("none", 0))[0]
        if kind == "number":
            return pa.float64() if column in self.floats else pa.int64()
        return {"str": pa.string(), "bool": pa.bool_()}.get(kind, pa.null())


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Nested values (test lists of mixed types) as JSON text: Arrow needs one type per column
    (datasets#6324), and the verifier parses JSON text back."""
    return {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}


@dataclass(frozen=True)
class JsonlPiece:
    """The JSONL lines between two byte offsets, parsed with the scanned schema."""

    path: str
    start: int
    end: int
    rows: int
    schema: pa.Schema

    @property
    def size(self) -> int:
        return self.end - self.start

    def read(self) -> Iterator[pa.Table]:
        with open(self.path, "rb") as f:
            f.seek(self.start)
            lines = f.read(self.end - self.start).decode("utf-8").split("\n")
        rows = [_flat(json.loads(line)) for line in lines if line.strip()]
        names = self.schema.names
        for at in range(0, len(rows), BATCH_ROWS):
            batch = [{c: r.get(c) for c in names} for r in rows[at : at + BATCH_ROWS]]
            yield pa.Table.from_pylist(batch, schema=self.schema)
