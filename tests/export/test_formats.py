"""SFT, DPO and RL datasets from a two-round journal: loadable, documented, with a card."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from datasets import Dataset, load_dataset, load_from_disk
from huggingface_hub import DatasetCard
from matplotlib.image import imread

from tests.curate.journals import two_rounds
from verigen.curate import CurationOptions, CurationResult, curate
from verigen.errors import InputError
from verigen.export.card import PLOTS
from verigen.export.writer import FORMATS, ExportOptions, Format, export
from verigen.store import Journal

DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CurationResult:
    run = two_rounds(tmp_path_factory.mktemp("run"))
    with Journal.open_existing(run) as journal:
        return curate(journal, CurationOptions())


def _load(path: Path) -> Dataset:
    loaded = load_from_disk(str(path))
    assert isinstance(loaded, Dataset)
    return loaded


def _documented_columns(fmt: str) -> list[str]:
    """Column names listed in docs/export.md under the format's heading (and the lineage one)."""
    text = DOCS.read_text()
    section = text.split(f"<!-- columns:{fmt} -->")[1].split("<!-- end -->")[0]
    lineage = text.split("<!-- columns:lineage -->")[1].split("<!-- end -->")[0]
    return re.findall(r"^\| `(\w+)` \|", section + lineage, flags=re.M)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_loads_with_its_documented_columns(
    result: CurationResult, tmp_path: Path, fmt: Format
) -> None:
    report = export(result, tmp_path / fmt, ExportOptions(format=fmt, parquet=True, jsonl=True))
    dataset = _load(report.path)
    assert len(dataset) == report.rows > 0
    assert sorted(dataset.column_names) == sorted(_documented_columns(fmt))
    assert Dataset.from_parquet(str(report.path / "train.parquet")).num_rows == report.rows
    lines = (report.path / "train.jsonl").read_text().splitlines()
    assert len(lines) == report.rows and json.loads(lines[0])["problem_id"]


def test_sft_rows_are_chats_with_lineage(result: CurationResult, tmp_path: Path) -> None:
    rows = _load(export(result, tmp_path / "sft").path)
    for row in rows:
        roles = [m["role"] for m in row["messages"]]
        assert roles == ["user", "assistant"]
        assert row["model"] and row["template_version"] and row["verifier_version"]
        assert isinstance(row["seed"], int) and row["round"] in (0, 1)
        assert json.loads(row["sampling"])["seed"] == row["seed"]
        assert json.loads(row["tests_run"]) == []
    assert sorted(set(rows["round"])) == [0, 1]


def test_dpo_pairs_a_verified_solution_with_a_failed_one(
    result: CurationResult, tmp_path: Path
) -> None:
    rows = _load(export(result, tmp_path / "dpo", ExportOptions(format="dpo")).path)
    kept = {s.id for s in result.kept}
    failed = {s.id: s for s in result.failed}
    assert len(rows) > 0
    for row in rows:
        assert row["chosen_id"] in kept and row["rejected_id"] in failed
        lost = failed[row["rejected_id"]]
        assert lost.problem.id == row["problem_id"]
        assert row["rejected_reason"] == "disagrees_with_majority"
        assert json.loads(row["rejected_details"])["answer"] == lost.verdict.details["answer"]
        assert row["rejected"][0]["content"] == lost.attempt.completion
        assert json.loads(row["rejected_lineage"])["model"] == row["rejected_model"]
    assert len(set(rows["rejected_id"])) == len(rows), "each failed attempt is used once"


def test_rl_rows_carry_what_a_reward_function_needs(result: CurationResult, tmp_path: Path) -> None:
    rows = _load(export(result, tmp_path / "rl", ExportOptions(format="rl")).path)
    assert len(rows) == len({s.problem.id for s in result.kept})
    for row in rows:
        assert row["prompt"][0]["role"] == "user" and row["answer"]
        assert row["data_source"] == "verigen/math"
        assert json.loads(row["limits"]) == {"timeout_s": 2.0}
    by_problem = {r["problem_id"]: r for r in rows}
    divisors = next(s for s in result.kept if "divisors" in s.problem.statement)
    assert by_problem[divisors.problem.id]["answer"] == "10"


def test_the_card_lists_the_funnel_contamination_and_versions(
    result: CurationResult, tmp_path: Path
) -> None:
    path = export(result, tmp_path / "sft").path
    card = (path / "README.md").read_text()
    assert card.startswith("---\n") and "path: data-*.arrow" in card
    assert "| generated | 16 | 8 |" in card and "| kept | 7 | 4 |" in card
    assert re.search(r"\| \w+ \| humaneval \| HumanEval/0 \| `[a-z ]+` \|", card)
    assert "Word 8-gram overlap" in card and "math math-1.0" in card
    assert "disagrees_with_majority" in card and "solver-a" in card
    record = json.loads((path / "curation.json").read_text())
    assert {r["stage"] for r in record["removed_samples"]} == {"dedup", "decontam"}


@pytest.mark.parametrize("flags", [{}, {"parquet": True, "jsonl": True}])
def test_the_cards_data_files_are_the_exported_data(
    result: CurationResult, tmp_path: Path, flags: dict[str, bool]
) -> None:
    """The directory uploaded as is: ``load_dataset`` reads the card's ``configs`` and must get
    the export's rows (``state.json`` left out: locally it makes ``load_dataset`` refuse)."""
    path = export(result, tmp_path / "dpo", ExportOptions(format="dpo", **flags)).path
    [config] = DatasetCard.load(str(path / "README.md")).data["configs"]
    [files] = config["data_files"]
    assert files["split"] == "train" and list(path.glob(files["path"]))
    uploaded = tmp_path / "uploaded"
    shutil.copytree(path, uploaded, ignore=shutil.ignore_patterns("state.json"))
    loaded = load_dataset(str(uploaded), split="train", cache_dir=str(tmp_path / "cache"))
    assert loaded.to_list() == _load(path).to_list()
    assert loaded.features == _load(path).features


@pytest.mark.parametrize("name", PLOTS)
def test_plots_are_real_pngs_with_more_than_one_colour(
    result: CurationResult, tmp_path: Path, name: str
) -> None:
    png = export(result, tmp_path / "sft").path / "plots" / name
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
    pixels = imread(str(png))
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 10


def test_an_empty_result_still_exports(tmp_path: Path) -> None:
    empty = curate([], CurationOptions(decontam=None))
    for fmt in FORMATS:
        report = export(empty, tmp_path / fmt, ExportOptions(format=fmt))
        assert len(_load(report.path)) == 0
        assert (report.path / "plots" / "funnel.png").is_file()


def test_reexport_replaces_an_export_but_never_other_data(
    result: CurationResult, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    export(result, target)
    export(result, target, ExportOptions(format="rl"))
    assert "prompt" in _load(target).column_names
    other = tmp_path / "precious"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a verigen export"):
        export(result, other)
    assert (other / "notes.txt").read_text() == "keep me"
