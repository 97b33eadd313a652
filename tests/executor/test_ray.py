"""``--executor ray`` on a real two-node Ray cluster: the local executor's verdicts exactly,
every row once even when a node dies mid-run, a stopped run resumed without verifying its
finished shards again, every kind of input, and the same generated dataset."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import datasets
import pytest

from tests.executor.netns import run_private, scenario
from tests.parts import require
from tests.verify.cli_runs import write_jsonl
from verigen.verify.code import humaneval_rows

pytestmark = pytest.mark.slow

VERDICT = ("verified", "outcome", "reason", "tests_passed", "tests_total", "mutation_score")
FLAGS = ("--backend", "bwrap", "--mutants", "2", "--trusted-suite")
PER_SHARD = 41
SHARDS = 8  # 328 rows


class Local(NamedTuple):
    """The input, and what the local executor wrote for it."""

    source: Path
    verdicts: dict[str, Any]
    features: datasets.Features
    ids: list[str]


@pytest.fixture(scope="module")
def humaneval(tmp_path_factory: pytest.TempPathFactory) -> Local:
    """HumanEval's canonical solutions and a wrong variant of each, and the local verdicts."""
    for part in ("bwrap", "ray", "netns"):
        require(part)
    where = tmp_path_factory.mktemp("humaneval")
    source = write_jsonl(where / "rows.jsonl", humaneval_rows())
    local = where / "local"
    argv = [sys.executable, "-m", "verigen", "verify", str(source), "--out", str(local), *FLAGS]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    written = datasets.load_from_disk(str(local))
    return Local(source, _verdicts(local), written.features, written["id"])


def _verdicts(out: Path) -> dict[str, Any]:
    rows = datasets.load_from_disk(str(out)).to_list()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a row written twice"
    return {r["id"]: tuple(r[k] for k in VERDICT) for r in rows}


def _on_cluster(*args: str | Path, code: int = 0, timeout: float = 900) -> dict[str, Any]:
    done = run_private(scenario(*map(str, args)), timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["returncode"] == code, result["stderr"]
    return result


def _verify_on_ray(
    source: Path, out: Path, *extra: str | Path, per_shard: int = PER_SHARD
) -> list[str]:
    return ["verify", str(source), "--out", str(out), *FLAGS, "--executor", "ray",
            "--ray-address", "{address}", "--rows-per-part", str(per_shard),
            *map(str, extra)]  # fmt: skip


def _shards(out: Path) -> dict[str, os.stat_result]:
    return {p.name: p.stat() for p in (out / "shards").glob("shard-*")}


def test_verify_on_two_ray_nodes_gives_exactly_the_local_verdicts(
    humaneval: Local, tmp_path: Path
) -> None:
    out = tmp_path / "ray"
    _on_cluster("--", *_verify_on_ray(humaneval.source, out))
    got = _verdicts(out)
    assert got == humaneval.verdicts
    # every canonical solution but HumanEval/160's, which evals its input (not mutated)
    assert sum(v[0] for v in got.values()) == 163 and len(got) == 328
    written = datasets.load_from_disk(str(out))
    assert written.features == humaneval.features, "the local executor's columns and types"
    assert written["id"] == humaneval.ids, "rows in input order"
    shards = sorted(_shards(out))
    assert [name[:11] for name in shards] == [f"shard-{i:05d}" for i in range(SHARDS)]
    assert all(name.endswith(".parquet") and "incomplete" not in name for name in shards)
    parquet = datasets.Dataset.from_parquet([str(out / "shards" / n) for n in shards])
    assert parquet.to_list() == written.to_list(), "the shards hold the same rows as OUT"


def test_a_node_killed_mid_run_loses_nothing_and_duplicates_nothing(
    humaneval: Local, tmp_path: Path
) -> None:
    out = tmp_path / "ray"
    result = _on_cluster(
        "--kill-when", out / "shards", "--kill-after", "2", "--",
        *_verify_on_ray(humaneval.source, out),
    )  # fmt: skip
    assert result["killed"], "the worker node must die while rows are still being verified"
    assert _verdicts(out) == humaneval.verdicts


def test_a_stopped_run_resumes_without_verifying_its_finished_shards_again(
    humaneval: Local, tmp_path: Path
) -> None:
    out, summary = tmp_path / "ray", tmp_path / "summary.json"
    argv = _verify_on_ray(humaneval.source, out, "--summary-json", summary)
    first = _on_cluster("--interrupt-when", out / "shards", "--interrupt-after", "2", "--",
                        *argv, code=130)  # fmt: skip
    assert first["interrupted"]
    assert "error: interrupted: the finished shards are kept in" in first["stderr"]
    kept = _shards(out)
    assert 2 <= len(kept) < SHARDS and not (out / "state.json").exists()
    # One kept shard as a run that hit an infra error leaves it, one left by other settings.
    redo = sorted(kept)[0]
    os.rename(
        out / "shards" / redo, out / "shards" / redo.replace(".parquet", ".incomplete.parquet")
    )
    del kept[redo]
    stale = out / "shards" / f"shard-00000-{PER_SHARD}-{'0' * 24}.parquet"
    shutil.copy(out / "shards" / sorted(kept)[0], stale)

    _on_cluster("--", *argv)
    counts = json.loads(summary.read_text())
    assert counts["resumed_rows"] == PER_SHARD * len(kept)
    after = _shards(out)
    for name, stat in kept.items():  # the same file, never rewritten
        assert (after[name].st_ino, after[name].st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert redo in after, "the shard with an infra error was verified again"
    assert len(after) == SHARDS, "no incomplete or stale shard is left"
    assert _verdicts(out) == humaneval.verdicts
    assert datasets.load_from_disk(str(out))["id"] == humaneval.ids


@pytest.mark.parametrize("layout", ["datasets", "parquet-dir"])
def test_datasets_and_parquet_inputs_on_ray_give_the_local_verdicts(
    humaneval: Local, tmp_path: Path, layout: str
) -> None:
    rows = datasets.load_from_disk(str(humaneval.source.parent / "local"))
    rows = rows.select(range(60, 90)).select_columns(["id", "solution", "tests", "entry_point"])
    source = tmp_path / "in"
    if layout == "datasets":
        rows.save_to_disk(str(source), num_shards=2)
    else:
        source.mkdir()
        for i, start in enumerate(range(0, 30, 12)):
            rows.select(range(start, min(start + 12, 30))).to_parquet(str(source / f"{i}.parquet"))
    out = tmp_path / "ray"
    _on_cluster("--", *_verify_on_ray(source, out, per_shard=8))  # shards across pieces
    written = datasets.load_from_disk(str(out))
    assert written.features == humaneval.features
    assert written["id"] == rows["id"]
    assert _verdicts(out) == {i: humaneval.verdicts[i] for i in rows["id"]}


def test_generate_on_ray_writes_the_same_dataset_as_local(tmp_path: Path) -> None:
    for part in ("ray", "netns"):
        require(part)
    from tests.fakellm import FakeLLM
    from tests.test_generate import _config, _rows, _run

    with FakeLLM() as server:
        local = _run("generate", "-c", _config(tmp_path, server, name="local"), "-q")
    assert local.returncode == 0, local.stderr
    template = _config(tmp_path, "{api_base}", name="ray")
    template = template.rename(template.with_name("ray.yaml.tmpl"))
    args = ("generate", "-c", tmp_path / "ray.yaml", "-q", "--executor", "ray",
            "--set", "executor.address={address}")  # fmt: skip
    _on_cluster("--fake-llm", template, "--", *args)
    report = json.loads((tmp_path / "ray" / "report.json").read_text())
    assert report["executor"]["kind"] == "ray" and report["executor"]["nodes"] == 2
    timing = {"latency_s", "verify_s"}
    ray_rows, local_rows = _rows(tmp_path / "ray"), _rows(tmp_path / "local")
    assert ray_rows and len(ray_rows) == len(local_rows)
    for a, b in zip(ray_rows, local_rows, strict=True):
        assert {k: v for k, v in a.items() if k not in timing} == {
            k: v for k, v in b.items() if k not in timing
        }


RAY_DATA = """
import json, ray
from verigen.verify.code.datasets import CodeBatchVerifier
from verigen.verify.code.options import CodeOptions
ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
rows = [{"id": i, "entry_point": "f", "tests": json.dumps([[k] for k in range(3)]),
         "solution": f"def f(x):\\n    return x + {i % 2}\\n"} for i in range(6)]
rows = [{**r, "tests": json.dumps([{"args": a, "expected": a[0]} for a in json.loads(r["tests"])])}
        for r in rows]
out = ray.data.from_items(rows).map_batches(
    CodeBatchVerifier, fn_constructor_args=(CodeOptions(backend="bwrap", mutants=0), 1),
    fn_constructor_kwargs={"keep_input": True}, batch_size=2,
    compute=ray.data.ActorPoolStrategy(size=2)).take_all()
print(json.dumps(sorted([r["id"], r["verified"], r["reason"]] for r in out)))
"""


def test_the_batch_verifiers_work_in_ray_data_map_batches() -> None:
    for part in ("bwrap", "ray", "netns"):
        require(part)
    done = run_private([sys.executable, "-c", RAY_DATA], timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == [[i, i % 2 == 0, "accepted" if i % 2 == 0 else "tests_failed"] for i in range(6)]
