"""``verigen verify --executor ray``: a dataset's rows verified across the cluster, shard by shard.

The input (``inputs.Source``) is read as a Ray Dataset whose read tasks are its pieces, run on
the driver's node (the input need only be on the driver's disk) and streamed: the driver takes
``rows_per_shard`` rows at a time, in input order, and never holds more than the shards in
flight. For each shard it computes the shard's key (``shards.py``); a shard already finished by
an earlier run is skipped, any other is cut into sub-batches of ``batch_rows`` rows and sent
through ``NodePool`` to the verifier actors, one per node, and written to ``OUT/shards`` the
moment its last sub-batch is back. Then OUT is assembled from the shards.

Why the driver drives the shards through ``NodePool`` rather than ``map_batches`` with an actor
pool: the fault rules are ``NodePool``'s. A sub-batch whose node died goes to the surviving
nodes, at most ``retries`` times, and then comes back as ``infra_error`` rows (``reason:
executor_error``) that a rerun redoes; the driver keeps exactly one result per sub-batch, so no
row is lost or written twice. An actor-pool ``map_batches`` retries a failed task without bound
or fails the whole dataset, has no place for an infra-error row, and does not tell the driver
which rows a finished output file holds, which is what resuming needs.

In flight: at most twice the pool's slots of sub-batches (each node's actor runs two per CPU),
so the driver's memory grows with the cluster, never with the input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import ray
from ray.data import Dataset, Datasource, ReadTask
from ray.data.block import BlockMetadata

from verigen.errors import InfraError
from verigen.executor.inputs import Piece, Source
from verigen.executor.ray import NodePool, connect, infra_verdict
from verigen.executor.shards import ShardDir, ShardName, Tally, assemble, joined
from verigen.records import Domain
from verigen.schema import VERDICT, verdict_batch, with_verdict
from verigen.verify.parts import part_key

T = TypeVar("T")


@dataclass
class RowsResult:
    tally: Tally
    """Rows and verdict counts of the whole output."""
    resumed_rows: int
    """Rows in shards an earlier run had finished."""
    shards: list[Path]


def verify_rows(
    source: Source,
    make: Callable[[int], Any],
    *,
    settings: str,
    out: Path,
    address: str | None,
    domain: Domain,
    rows_per_shard: int = 1000,
    send: Sequence[str] | None = None,
    batch_rows: int = 16,
    progress: Callable[[int], None] | None = None,
) -> RowsResult:
    """Verify ``source``'s rows with ``make(cpus)`` (a batch verifier, built on every node) and
    write OUT: the shards, then the ``datasets`` directory. ``settings`` is everything besides
    the rows that decides a verdict (JSON text); ``send``, the columns the verifier reads (None:
    all), the only ones that travel to the nodes; ``progress(rows)`` is called as each shard is
    found or written."""
    source.check_apart(out)
    started = connect(address)
    pool: NodePool | None = None
    try:
        pool = NodePool(make)
        names = source.column_names
        run = _Run(
            pool,
            domain,
            settings,
            ShardDir(out),
            with_verdict(source.features),
            send=[c for c in send if c in names] if send is not None else names,
            batch_rows=batch_rows,
            progress=progress or (lambda rows: None),
        )
        with _quiet(logging.getLogger("ray.data")):  # a dataset's INFO lines per run
            shards = run.all(read(source), rows_per_shard)
    finally:
        if pool is not None:
            pool.close()
        if started:
            ray.shutdown()
    tally = Tally()
    for path in shards:
        tally.add(path)
    assemble(shards, run.target, out)
    run.shards.prune(shards)
    return RowsResult(tally, run.resumed_rows, shards)


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


class _Run:
    def __init__(
        self,
        pool: NodePool,
        domain: Domain,
        settings: str,
        shards: ShardDir,
        target: Any,
        *,
        send: list[str],
        batch_rows: int,
        progress: Callable[[int], None],
    ) -> None:
        self.pool, self.domain, self.settings, self.shards = pool, domain, settings, shards
        self.target = target
        """The output's ``datasets`` features: the input's plus the verdict columns."""
        self.send, self.batch_rows, self.progress = send, batch_rows, progress
        self.resumed_rows = 0

    def all(self, data: Dataset, rows_per_shard: int) -> list[Path]:
        """Every shard's file, in input order: found, or verified and written."""
        in_flight = max(2, math.ceil(2 * self.pool.slots * self.batch_rows / rows_per_shard))
        written: dict[int, Path] = {}
        running: dict[Future[Path], int] = {}
        with _Loop() as loop:
            for index, table in enumerate(_batches(data, rows_per_shard)):
                name = ShardName(index, part_key(self.settings, table.to_pylist()))
                done = self.shards.finished(name)
                if done is not None:
                    written[index] = done
                    self.resumed_rows += table.num_rows
                    self.progress(table.num_rows)
                    continue
                while len(running) >= in_flight:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        written[running.pop(future)] = future.result()
                running[loop.submit(self._shard(name, table))] = index
            for future in list(running):
                written[running.pop(future)] = future.result()
        return [written[i] for i in sorted(written)]

    async def _shard(self, name: ShardName, table: pa.Table) -> Path:
        step = self.batch_rows
        subs = [table.slice(at, step) for at in range(0, table.num_rows, step)]
        done = await asyncio.gather(*(self._sub(sub) for sub in subs))
        columns = {c: [v for part in done for v in part[c]] for c in VERDICT}
        whole = joined(table, columns, self.target)
        complete = "infra_error" not in columns["outcome"]
        path = await asyncio.to_thread(self.shards.write, name, whole, complete)
        self.progress(table.num_rows)
        return path

    async def _sub(self, rows: pa.Table) -> dict[str, list[Any]]:
        try:
            result: dict[str, list[Any]] = await self.pool.call(
                "__call__", rows.select(self.send).to_pydict()
            )
        except InfraError as exc:
            return verdict_batch([infra_verdict(self.domain, str(exc))] * rows.num_rows)
        return result


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only ``logger``'s warnings while the block runs."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _batches(data: Dataset, rows: int) -> Iterable[pa.Table]:
    batches: Iterable[pa.Table] = data.iter_batches(
        batch_size=rows, batch_format="pyarrow", prefetch_batches=1
    )
    return batches


class _Loop:
    """An event loop on a thread of its own, for ``NodePool``'s async calls; the main thread
    reads the input and waits, so Ctrl-C and SIGTERM reach it there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> _Loop:
        self.thread.start()
        return self

    def submit(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def __exit__(self, *exc: object) -> None:
        async def cancel() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(TimeoutError):  # a hung call must not hide why we stop
            self.submit(cancel()).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=60)
        if not self.thread.is_alive():
            self.loop.close()
