"""The input of ``verigen verify --executor ray`` as a Ray Dataset (``inputs.Source``'s pieces
as its read tasks). A module of its own so the driver imports Ray Data (0.5 s) only once the
cluster is joined and the verifier actors are starting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import ray
from ray.data import Dataset, Datasource, ReadTask
from ray.data.block import BlockMetadata

from verigen.executor.inputs import Piece, Source


def read(source: Source) -> Dataset:
    """``source`` as a Ray Dataset: a read task per piece, on the driver's node, in order."""
    pieces = _Pieces(source.pieces)
    # No CPU asked for: a head node often has none, and reading is light next to verifying.
    data: Dataset = ray.data.read_datasource(
        pieces, num_cpus=0, concurrency=min(2, len(source.pieces))
    )
    data.context.execution_options.preserve_order = True
    return data


class _Pieces(Datasource):
    """The pieces of a checked input; reads run where the driver is (its files are there)."""

    def __init__(self, pieces: tuple[Piece, ...]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.pieces = pieces

    def estimate_inmemory_data_size(self) -> int:
        return sum(p.size for p in self.pieces)

    def get_read_tasks(
        self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
    ) -> list[ReadTask]:
        return [
            ReadTask(
                piece.read,
                BlockMetadata(num_rows=piece.rows, size_bytes=piece.size, exec_stats=None),
                per_task_row_limit=per_task_row_limit,
            )
            for piece in self.pieces
        ]

    @property
    def supports_distributed_reads(self) -> bool:
        return False


def batches(data: Dataset, rows: int) -> Iterable[pa.Table]:
    """``data`` in tables of ``rows`` rows (the last may be shorter), one read ahead."""
    tables: Iterable[pa.Table] = data.iter_batches(
        batch_size=rows, batch_format="pyarrow", prefetch_batches=1
    )
    return tables
