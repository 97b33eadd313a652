"""``executor.shards``: a finished shard is found again by its key, an incomplete one never is
(a rerun redoes it), a shard file is whole or absent, and OUT assembled from the shards loads
with ``datasets.load_from_disk`` typed as the local executor types it, rows in order."""

from __future__ import annotations

from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from verigen.executor.shards import ShardDir, ShardName, Tally, assemble
from verigen.records import Outcome, Verdict
from verigen.schema import verdict_batch, with_verdict
from verigen.verify.parts import part_key

SETTINGS = '{"verifier": "code-test"}'


def _verdict(outcome: Outcome) -> Verdict:
    reason = {Outcome.ACCEPTED: "accepted", Outcome.REJECTED: "tests_failed"}.get(
        outcome, "executor_error"
    )
    return Verdict(outcome=outcome, reason=reason, verifier="code", verifier_version="t")


def _shard(features: datasets.Features, ids: range, outcome: Outcome) -> pa.Table:
    rows = {"id": [str(i) for i in ids], "solution": [f"x = {i}" for i in ids]}
    columns = rows | verdict_batch([_verdict(outcome)] * len(ids))
    return pa.Table.from_pydict(columns).cast(features.arrow_schema)


def test_shards_resume_redo_incomplete_ones_and_assemble_in_order(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shards = ShardDir(out)
    features = with_verdict(datasets.Features({"id": datasets.Value("string"),
                                               "solution": datasets.Value("string")}))  # fmt: skip
    first = _shard(features, range(0, 3), Outcome.ACCEPTED)
    second = _shard(features, range(3, 5), Outcome.INFRA_ERROR)
    names = [
        ShardName(i, part_key(SETTINGS, t.select(["id", "solution"]).to_pylist()))
        for i, t in enumerate((first, second))
    ]
    assert (
        names[0].key.startswith("3-") and names[0].finished == f"shard-00000-{names[0].key}.parquet"
    )

    paths = [shards.write(names[0], first, complete=True), shards.write(names[1], second, False)]
    assert shards.finished(names[0]) == paths[0]
    assert shards.finished(names[1]) is None, "a shard with infra errors is redone on a rerun"
    assert paths[1].name.endswith(".incomplete.parquet")
    assert not list(shards.path.glob(".*")), "no staging file is left behind"

    redone = _shard(features, range(3, 5), Outcome.REJECTED)
    paths[1] = shards.write(names[1], redone, complete=True)
    assert shards.finished(names[1]) == paths[1]
    assert sorted(p.name for p in shards.path.iterdir()) == sorted(p.name for p in paths)

    stale = shards.path / "shard-00000-3-000000000000000000000000.parquet"
    pq.write_table(first, stale)  # left by a run with other settings
    tally = Tally()
    for path in paths:
        tally.add(path)
    assemble(paths, features, out)
    shards.prune(paths)
    assert not stale.exists() and all(p.exists() for p in paths)
    assert (tally.rows, dict(tally.outcomes)) == (5, {"accepted": 3, "rejected": 2})
    assert dict(tally.reasons) == {"accepted": 3, "tests_failed": 2}

    written = datasets.load_from_disk(str(out))
    assert written.features == features
    assert written["id"] == ["0", "1", "2", "3", "4"]
    assert written["verified"] == [True, True, True, False, False]
    assert written["mutation_score"] == [None] * 5  # typed float64, though all null
    assert not out.with_name(".out.assembling").exists()
