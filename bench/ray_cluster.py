"""``verigen verify --executor ray`` on a two-node Ray cluster (1 CPU each) against the local
executor (2 workers), on the same 328 HumanEval programs (164 canonical, 164 wrong variants),
in one run on this machine; then Ray's own cost per call, the driver's own work per row (reading,
keying and writing shards), and a projection to 10 and 100 nodes.

Both commands are timed whole, as a user types them, alternated ``--repeats`` times (default 3)
with the cluster already up (a standing cluster is what ``--executor ray`` joins): cold is each
command's first run, warm the median of the others. The bench re-runs itself in a private network
namespace (loopback only), so the cluster binds 127.0.0.1. Needs root or user namespaces.

    .venv/bin/python bench/ray_cluster.py   (not ray.py: a script of that name would shadow Ray)
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import datasets

from verigen.verify.code import humaneval_rows

FLAGS = ("--backend", "bwrap", "--trusted-suite")
CALLS = 300


def main() -> None:
    if os.environ.get("VERIGEN_BENCH_PRIVATE_NET") != "1":
        env = {**os.environ, "VERIGEN_BENCH_PRIVATE_NET": "1", "RAY_DISABLE_USAGE_STATS": "1"}
        script = 'ip link set lo up && exec "$@"'
        argv = ["unshare", "--net", "--", "sh", "-c", script, "sh", sys.executable, *sys.argv]
        raise SystemExit(subprocess.run(argv, env=env).returncode)
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
    with tempfile.TemporaryDirectory() as tmp:
        rows = _rows(Path(tmp) / "humaneval.jsonl")
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        local_s: list[float] = []
        ray_s: list[float] = []
        try:
            for run in range(repeats):  # alternated, so both see the same machine
                wall, local = _verify(rows, Path(tmp) / f"local{run}", "--workers", "2")
                local_s.append(wall)
                wall, got = _verify(
                    rows, Path(tmp) / f"ray{run}", "--executor", "ray", "--ray-address",
                    cluster.address,
                )  # fmt: skip
                ray_s.append(wall)
                assert got == local, "the Ray executor's verdicts differ from the local ones"
            call_s = _call_overhead(cluster.address)
        finally:
            cluster.shutdown()  # type: ignore[no-untyped-call]
        shard_s = _shard_cost(Path(tmp))
    _report(local_s, ray_s, call_s, shard_s)


def _rows(path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in humaneval_rows()))
    return path


def _verify(rows: Path, out: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    argv = [sys.executable, "-m", "verigen", "verify", str(rows), "--out", str(out), *FLAGS]
    started = time.perf_counter()
    subprocess.run([*argv, *extra], check=True, capture_output=True)
    wall = time.perf_counter() - started
    written = datasets.load_from_disk(str(out)).to_list()
    return wall, {r["id"]: (r["outcome"], r["reason"]) for r in written}


class _Echo:
    """A node object that does nothing: what is left of a call is Ray's cost."""

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus

    def echo(self, batch: list[int]) -> int:
        return len(batch)


def _call_overhead(address: str) -> tuple[float, float]:
    """One batch's round trip through ``NodePool`` (16 rows, no work), in seconds: alone, and
    amortised when the pool keeps every node's slots full (what bounds one driver)."""
    import asyncio

    import ray

    from verigen.executor.ray import NodePool

    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        pool = NodePool(_Echo)
        batch = list(range(16))

        async def calls() -> tuple[float, float]:
            await pool.call("echo", batch)  # actors up
            started = time.perf_counter()
            for _ in range(CALLS):
                await pool.call("echo", batch)
            alone = (time.perf_counter() - started) / CALLS
            started = time.perf_counter()
            await asyncio.gather(*(pool.call("echo", batch) for _ in range(CALLS)))
            return alone, (time.perf_counter() - started) / CALLS

        timings = asyncio.run(calls())
        pool.close()
        return timings
    finally:
        ray.shutdown()


def _shard_cost(tmp: Path, copies: int = 30) -> float:
    """The driver's own work per row of ``verigen verify --executor ray``, verification left out:
    read the input in pieces, key each shard of 1000 rows, join its verdict columns, write it
    as Parquet, then assemble OUT. Seconds per row, on HumanEval's rows repeated ``copies``
    times."""

    from verigen.executor.inputs import open_input
    from verigen.executor.shards import ShardDir, ShardName, assemble, joined
    from verigen.records import Outcome, Verdict
    from verigen.schema import verdict_batch, with_verdict
    from verigen.verify.parts import part_key

    once = humaneval_rows()
    rows = [{**r, "id": f"{r['id']}#{i}"} for i in range(copies) for r in once]
    path = tmp / "many.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    verdict = Verdict(
        outcome=Outcome.ACCEPTED, reason="accepted", verifier="code", verifier_version="bench"
    )
    started = time.perf_counter()
    source = open_input(path)
    target = with_verdict(source.features)
    out, written = tmp / "shards-out", []
    whole = source.table()  # the bench's input is small; Ray Data streams a real one
    for index, at in enumerate(range(0, whole.num_rows, 1000)):
        shard = whole.slice(at, 1000)
        name = ShardName(index, part_key("{}", shard.to_pylist()))
        subs = [shard.slice(i, 16).to_pydict() for i in range(0, shard.num_rows, 16)]
        columns = verdict_batch([verdict] * sum(len(s["id"]) for s in subs))
        written.append(ShardDir(out).write(name, joined(shard, columns, target), complete=True))
    assemble(written, target, out)
    return (time.perf_counter() - started) / len(rows)


def _report(
    local_s: list[float], ray_s: list[float], call_s: tuple[float, float], shard_s: float
) -> None:
    """Cold: each command's first run (the ray one on a fresh cluster, which also starts Ray
    Data's stats and autoscaling actors, once per cluster). Warm: the median of the others,
    as a standing cluster runs job after job."""
    rows, batch_rows = 328, 16
    alone, pipelined = call_s
    local_warm, ray_warm = statistics.median(local_s[1:]), statistics.median(ray_s[1:])
    for name, times in (("local executor, 2 workers", local_s), ("ray, 2 nodes x 1 CPU", ray_s)):
        warm, spread = statistics.median(times[1:]), f"{min(times[1:]):.2f}-{max(times[1:]):.2f}"
        print(f"{name + ':':30} cold {times[0]:6.2f} s   warm {warm:6.2f} s ({spread})  "
              f"{rows / warm:5.1f} rows/s")  # fmt: skip
    print(f"ratio ray / local:             cold {ray_s[0] / local_s[0]:6.2f}     "
          f"warm {ray_warm / local_warm:6.2f}  (goal <= 1.15)")  # fmt: skip
    print(f"Ray's added cost per sample:   warm {(ray_warm - local_warm) / rows * 1000:6.1f} ms")
    print(f"one batch's round trip, no work:  {alone * 1000:6.2f} ms alone, "
          f"{pipelined * 1000:.2f} ms amortised with the slots full")  # fmt: skip
    print(f"the driver's shard work, per row:  {shard_s * 1e6:6.1f} us (read, key, join, write)")
    per_cpu = rows / ray_warm / 2
    dispatch = batch_rows / pipelined
    driver = 1 / (1 / dispatch + shard_s)
    for nodes in (10, 100):
        cpus = 16 * nodes
        print(
            f"projection, {nodes:3} nodes x 16 CPUs: {min(per_cpu * cpus, driver):8.0f} rows/s "
            f"(the nodes: {per_cpu * cpus:.0f} at {per_cpu:.1f} rows/s per CPU; "
            f"one driver, dispatch at batches of {batch_rows} plus its shard work: {driver:.0f})"
        )


if __name__ == "__main__":
    main()
