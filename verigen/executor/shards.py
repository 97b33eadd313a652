"""The sharded Parquet output of ``verigen verify --executor ray``, and how a rerun resumes.

The input is cut into shards of ``rows_per_shard`` consecutive rows. Each verified shard is
written, as soon as it is done, to ``OUT/shards/shard-<index>-<key>.parquet``: the input's
columns plus the verdict columns, typed as ``schema.with_verdict`` types them (the ``datasets``
features ride along in the file's metadata). ``key`` is ``verify.parts.part_key``: the hash of
the verifier's settings and the shard's rows, so a rerun knows a shard holds exactly these rows
judged exactly this way, and skips it. A shard with an infra error is written as
``shard-<index>-<key>.incomplete.parquet``: it is part of the output, but a rerun verifies it
again. Files appear whole or not at all (written beside, then renamed).

Once every shard is there, ``assemble`` writes OUT itself as a ``datasets`` directory, the same
as the local executor writes (``datasets.load_from_disk(OUT)``), rows in input order, and drops
shards a run with other settings or another input left behind. ``OUT/shards`` stays: it is the
same data, for readers that want Parquet (``ray.data.read_parquet``, Spark, DuckDB).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SHARDS = "shards"


@dataclass(frozen=True)
class ShardName:
    index: int
    key: str

    @property
    def finished(self) -> str:
        return f"shard-{self.index:05d}-{self.key}.parquet"

    @property
    def incomplete(self) -> str:
        return f"shard-{self.index:05d}-{self.key}.incomplete.parquet"


class ShardDir:
    """``OUT/shards``: which shards are done, and writing one whole."""

    def __init__(self, out: Path) -> None:
        self.path = out / SHARDS

    def finished(self, name: ShardName) -> Path | None:
        path = self.path / name.finished
        return path if path.is_file() else None

    def write(self, name: ShardName, table: pa.Table, complete: bool) -> Path:
        """``table`` as the shard's file: finished when ``complete``, else to be redone."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / (name.finished if complete else name.incomplete)
        staging = self.path / f".{path.name}.tmp"
        pq.write_table(table, staging)
        os.replace(staging, path)
        if complete:
            (self.path / name.incomplete).unlink(missing_ok=True)
        return path

    def prune(self, keep: Iterable[Path]) -> None:
        """Drop every shard file but ``keep``: those of other settings or another input."""
        kept = set(keep)
        for path in self.path.glob("*shard-*"):
            if path not in kept:
                path.unlink(missing_ok=True)


def joined(table: pa.Table, verdicts: dict[str, list[Any]], target: Any) -> pa.Table:
    """A shard's rows with its verdict columns (``schema.verdict_batch``'s lists), typed by
    ``target`` (``schema.with_verdict`` of the input's features): same-named input columns
    give way to the verdict's, as in the local path."""
    from verigen.schema import VERDICT, features

    typed = pa.Table.from_pydict(
        {c: verdicts[c] for c in VERDICT}, schema=features(VERDICT).arrow_schema.remove_metadata()
    )
    kept = table.drop_columns([c for c in VERDICT if c in table.column_names])
    columns = [*kept.columns, *typed.columns]
    return pa.Table.from_arrays(columns, names=[*kept.column_names, *VERDICT]).cast(
        target.arrow_schema
    )


@dataclass
class Tally:
    """Rows and verdict counts over shard files, read a column at a time."""

    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, path: Path) -> None:
        table = pq.read_table(path, columns=["outcome", "reason"])
        self.rows += table.num_rows
        self.outcomes.update(table.column("outcome").to_pylist())
        self.reasons.update(table.column("reason").to_pylist())


def assemble(shards: list[Path], features: Any, out: Path) -> None:
    """OUT as a ``datasets`` directory holding the shards' rows in order, typed by
    ``features``; built through a cache beside OUT, so memory stays flat however many rows."""
    import datasets

    cache = out.with_name(f".{out.name}.assembling")
    shutil.rmtree(cache, ignore_errors=True)
    try:
        whole = datasets.Dataset.from_parquet(
            [str(p) for p in shards], features=features, cache_dir=str(cache)
        )
        assert isinstance(whole, datasets.Dataset)
        whole.save_to_disk(str(out))
        del whole
    finally:
        shutil.rmtree(cache, ignore_errors=True)
