"""``verigen export`` and ``verigen curate-report`` through typer's CliRunner."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import typer
from datasets import Dataset, load_from_disk
from typer.testing import CliRunner

from tests.curate.journals import two_rounds
from verigen.cli import app as verigen_app
from verigen.cli.export import register


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_rounds(tmp_path_factory.mktemp("run"))


@pytest.fixture
def app() -> typer.Typer:
    fresh = typer.Typer()
    register(fresh)
    return fresh


def _rows(path: Path) -> Dataset:
    loaded = load_from_disk(str(path))
    assert isinstance(loaded, Dataset)
    return loaded


def test_export_writes_each_format(app: typer.Typer, run_dir: Path, tmp_path: Path) -> None:
    for fmt in ("sft", "dpo", "rl"):
        out = tmp_path / fmt
        result = CliRunner().invoke(
            app, ["export", str(run_dir), "--format", fmt, "--to", str(out), "--parquet"]
        )
        assert result.exit_code == 0, result.output
        assert f"{fmt} rows to {out}" in result.output
        assert len(_rows(out)) > 0 and (out / "train.parquet").is_file()


def test_drop_model_removes_everything_it_contributed(
    app: typer.Typer, run_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["export", str(run_dir), "--to", str(out), "--drop-model", "solver-b"]
    assert CliRunner().invoke(app, [*args, "--drop-model", "writer-b"]).exit_code == 0
    rows = _rows(out)
    assert set(rows["model"]) == {"solver-a"} and set(rows["problem_model"]) == {"writer-a"}


def test_curation_flags_reach_the_card(app: typer.Typer, run_dir: Path, tmp_path: Path) -> None:
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps({"q": "How many prime numbers lie strictly between 50 and 100?"}))
    out = tmp_path / "out"
    args = ["export", str(run_dir), "--to", str(out), "--format", "rl", "--ngram", "5",
            "--decontaminate", f"{bench}:q", "--difficulty-band", "[0,1)",
            "--near-dup-threshold", "0.95"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "curation.json").read_text())
    assert record["settings"]["decontam"] == {
        "ngram": 5, "benchmarks": ["humaneval", "bench.jsonl"], "check_solutions": False,
    }  # fmt: skip
    assert record["settings"]["difficulty_band"] == "[0,1)"
    assert record["settings"]["dedup"]["near_dup_threshold"] == 0.95
    assert {hit["benchmark"] for hit in record["contamination"]} == {"humaneval", "bench.jsonl"}
    assert all(r < 1 for r in _rows(out)["pass_rate"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "kto"], "--format 'kto'"),
        (["--difficulty-band", "1,0"], "difficulty band"),
        (["--decontaminate", "/no/such.jsonl"], "no such file"),
    ],
)
def test_bad_flags_are_verigen_errors(
    app: typer.Typer, run_dir: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["export", str(run_dir), "--to", str(tmp_path / "o"), *extra])
    assert result.exit_code != 0 and message in str(result.exception)


def test_curate_report_json(app: typer.Typer, run_dir: Path) -> None:
    result = CliRunner().invoke(app, ["curate-report", str(run_dir), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["funnel"][-1] == {"stage": "kept", "samples": 7, "problems": 4}


def test_through_the_verigen_app(run_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    table = runner.invoke(verigen_app, ["curate-report", str(run_dir)])
    assert table.exit_code == 0 and "curation funnel" in table.output
    out = tmp_path / "sft"
    exported = runner.invoke(verigen_app, ["export", str(run_dir), "--to", str(out), "--jsonl"])
    assert exported.exit_code == 0, exported.output
    assert (out / "train.jsonl").is_file() and (out / "README.md").is_file()
    missing = runner.invoke(verigen_app, ["export", str(tmp_path / "nope"), "--to", str(out)])
    assert missing.exit_code != 0 and "no journal.sqlite" in str(missing.exception)


def test_stats_of_an_export_and_of_its_run(app: typer.Typer, run_dir: Path, tmp_path: Path) -> None:
    """``verigen stats`` reads an exported dataset (distributions + the curation funnel) and the
    run it came from (funnel + yield per model, topic, difficulty and round)."""
    out = tmp_path / "rl"
    exported = CliRunner().invoke(app, ["export", str(run_dir), "--format", "rl", "--to", str(out)])
    assert exported.exit_code == 0, exported.output
    rows = _rows(out)
    result = CliRunner().invoke(verigen_app, ["stats", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    train = data["splits"]["train"]
    assert train["rows"] == len(rows)
    assert sum(train["counts"]["round"].values()) == len(rows)
    assert train["counts"]["model"] == dict(Counter(rows["model"]))
    assert train["histograms"]["pass_rate"]["n"] == len(rows)
    assert [s["stage"] for s in data["curation"]["funnel"]][-1] == "kept"
    table = CliRunner().invoke(verigen_app, ["stats", str(out)])
    assert "curation funnel" in table.output and "[train]" in table.output

    of_run = json.loads(CliRunner().invoke(verigen_app, ["stats", str(run_dir), "--json"]).output)
    assert set(of_run["yield"]) == {"model", "topic", "difficulty", "round"}
    assert set(of_run["yield"]["round"]) == {"0", "1"}
    attempts = sum(of_run["counts"]["verdicts"].values())
    assert sum(r["attempts"] for r in of_run["yield"]["model"].values()) == attempts
