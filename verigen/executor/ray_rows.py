"""``verigen verify --executor ray``: a dataset's rows verified across the cluster, shard by shard.

The input (``inputs.Source``) is read as a Ray Dataset whose read tasks are its pieces, run on
the driver's node (the input need only be on the driver's disk) and streamed: the driver takes
``rows_per_shard`` rows at a time, in input order, and never holds more than the shards in
flight. The first shard's rows the driver reads itself, so verification starts before Ray Data
has (``_tables``). For each shard it computes the shard's key (``shards.py``); a shard already
finished by an earlier run is skipped, any other is cut into sub-batches of at most
``batch_rows`` rows (fewer near the input's end: ``sub_batches``) and sent through ``NodePool``
to the verifier actors, one per node, and written to ``OUT/shards`` the moment its last
sub-batch is back. Then OUT is assembled from the shards.

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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import ray

from verigen.errors import InfraError
from verigen.executor.inputs import Source
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
    # The output's features import ``datasets`` (1 s): built while the first shard is sent.
    background = ThreadPoolExecutor(1)
    target = background.submit(lambda: with_verdict(source.features))
    background.shutdown(wait=False)  # its one job still runs
    try:
        pool = NodePool(make)
        names = source.column_names
        run = _Run(
            pool,
            domain,
            settings,
            ShardDir(out),
            target,
            send=[c for c in send if c in names] if send is not None else names,
            batch_rows=batch_rows,
            total_rows=len(source),
            progress=progress or (lambda rows: None),
        )
        with _quiet(logging.getLogger("ray.data")):  # a dataset's INFO lines per run
            shards = run.all(_tables(source, rows_per_shard), rows_per_shard)
    finally:
        if pool is not None:
            pool.close()
        if started:
            ray.shutdown()
    tally = Tally()
    for path in shards:
        tally.add(path)
    assemble(shards, target.result(), out)
    run.shards.prune(shards)
    return RowsResult(tally, run.resumed_rows, shards)


def _tables(source: Source, rows: int) -> Iterator[pa.Table]:
    """``source``'s rows in tables of ``rows`` (the last may be shorter), in input order.

    The first is read here, on the driver, straight from the pieces; the rest come from the
    input as a Ray Dataset, which skips the rows already read. Why: a Ray Dataset's first block
    takes 2.4-2.9 s to arrive (measured on 2 CPUs: a fresh worker imports Ray Data, the
    streaming executor starts), which an input of one shard would wait for in full, while a
    larger input's later shards wait for it only while the first is verified.
    """
    yield source.table(rows)
    if len(source) > rows:
        from verigen.executor.ray_read import batches, read  # Ray Data: 0.5 s to import

        rest = iter(batches(read(source), rows))
        next(rest)  # the first table, read above
        yield from rest


class _Run:
    def __init__(
        self,
        pool: NodePool,
        domain: Domain,
        settings: str,
        shards: ShardDir,
        target: Future[Any],
        *,
        send: list[str],
        batch_rows: int,
        total_rows: int,
        progress: Callable[[int], None],
    ) -> None:
        self.pool, self.domain, self.settings, self.shards = pool, domain, settings, shards
        self.target = target
        """The output's ``datasets`` features: the input's plus the verdict columns."""
        self.send, self.batch_rows, self.progress = send, batch_rows, progress
        self.total_rows = total_rows
        self.resumed_rows = 0

    def all(self, tables: Iterable[pa.Table], rows_per_shard: int) -> list[Path]:
        """Every shard's file, in input order: found, or verified and written."""
        in_flight = max(2, math.ceil(2 * self.pool.slots * self.batch_rows / rows_per_shard))
        written: dict[int, Path] = {}
        running: dict[Future[Path], int] = {}
        with _Loop() as loop:
            for index, table in enumerate(tables):
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
                first = index * rows_per_shard
                running[loop.submit(self._shard(name, table, first))] = index
            for future in list(running):
                written[running.pop(future)] = future.result()
        return [written[i] for i in sorted(written)]

    async def _shard(self, name: ShardName, table: pa.Table, first: int) -> Path:
        """Verify and write the shard whose first row is the input's ``first``."""
        cuts = sub_batches(first, table.num_rows, self.total_rows, self.pool.slots, self.batch_rows)
        subs = [table.slice(at, size) for at, size in cuts]
        done = await asyncio.gather(*(self._sub(sub) for sub in subs))
        columns = {c: [v for part in done for v in part[c]] for c in VERDICT}
        path = await asyncio.to_thread(self._write, name, table, columns)
        self.progress(table.num_rows)
        return path

    def _write(self, name: ShardName, table: pa.Table, columns: dict[str, list[Any]]) -> Path:
        """Off the event loop, which keeps sending the other shards' rows meanwhile."""
        whole = joined(table, columns, self.target.result())
        return self.shards.write(name, whole, complete="infra_error" not in columns["outcome"])

    async def _sub(self, rows: pa.Table) -> dict[str, list[Any]]:
        try:
            result: dict[str, list[Any]] = await self.pool.call(
                "__call__", rows.select(self.send).to_pydict()
            )
        except InfraError as exc:
            return verdict_batch([infra_verdict(self.domain, str(exc))] * rows.num_rows)
        return result


def sub_batches(first: int, rows: int, total: int, slots: int, most: int) -> list[tuple[int, int]]:
    """(offset, size) of the sub-batches of a shard of ``rows`` rows starting at the input's row
    ``first``, out of ``total``: each at most ``most`` rows, and a quarter of a slot's share of
    the rows left at most (OpenMP's "guided" schedule). Early sub-batches are full, so Ray's
    per-call cost is spread over many rows; the last ones shrink to a row, so no node idles at
    the end while another works through a full sub-batch (measured on 328 HumanEval rows, 2
    nodes: ~1 s of a 15 s run)."""
    cuts: list[tuple[int, int]] = []
    at = 0
    while at < rows:
        left = total - first - at
        size = min(most, max(1, left // (4 * slots)), rows - at)
        cuts.append((at, size))
        at += size
    return cuts


@contextlib.contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only ``logger``'s warnings while the block runs."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


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
