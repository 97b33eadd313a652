"""``--executor ray`` on a real two-node Ray cluster: the local executor's verdicts exactly,
every row once even when a node dies mid-run, and the same generated dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import pytest

from tests.executor.netns import run_private, scenario
from tests.parts import require
from tests.verify.cli_runs import write_jsonl
from verigen.verify.code import humaneval_rows

pytestmark = pytest.mark.slow

VERDICT = ("verified", "outcome", "reason", "tests_passed", "tests_total", "mutation_score")
FLAGS = ("--backend", "bwrap", "--mutants", "2", "--trusted-suite")


@pytest.fixture(scope="module")
def humaneval(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """HumanEval's canonical solutions and a wrong variant of each, and the local verdicts."""
    for part in ("bwrap", "ray", "netns"):
        require(part)
    where = tmp_path_factory.mktemp("humaneval")
    source = write_jsonl(where / "rows.jsonl", humaneval_rows())
    local = where / "local"
    argv = [sys.executable, "-m", "verigen", "verify", str(source), "--out", str(local), *FLAGS]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return source, _verdicts(local)


def _verdicts(out: Path) -> dict[str, Any]:
    rows = datasets.load_from_disk(str(out)).to_list()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a row written twice"
    return {r["id"]: tuple(r[k] for k in VERDICT) for r in rows}


def _on_cluster(*args: str | Path, timeout: float = 900) -> dict[str, Any]:
    done = run_private(scenario(*map(str, args)), timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["returncode"] == 0, result["stderr"]
    return result


def _verify_on_ray(source: Path, out: Path) -> list[str]:
    return ["verify", str(source), "--out", str(out), *FLAGS, "--executor", "ray",
            "--ray-address", "{address}", "--rows-per-part", "41"]  # fmt: skip


def test_verify_on_two_ray_nodes_gives_exactly_the_local_verdicts(
    humaneval: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    source, local = humaneval
    _on_cluster("--", *_verify_on_ray(source, tmp_path / "ray"))
    got = _verdicts(tmp_path / "ray")
    assert got == local
    assert sum(v[0] for v in got.values()) == 164 and len(got) == 328


def test_a_node_killed_mid_run_loses_nothing_and_duplicates_nothing(
    humaneval: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    source, local = humaneval
    out = tmp_path / "ray"
    parts = tmp_path / ".ray.parts"
    result = _on_cluster(
        "--kill-when", parts, "--kill-after", "2", "--", *_verify_on_ray(source, out)
    )
    assert result["killed"], "the worker node must die while rows are still being verified"
    assert _verdicts(out) == local


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
