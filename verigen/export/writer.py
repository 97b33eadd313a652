"""Write a curated result as a training dataset directory: data, card, plots, curation record.

Layout of ``--to DIR`` (``datasets.load_from_disk(DIR)`` loads it; the extra files are ignored
by ``datasets``)::

    DIR/  data-*.arrow, dataset_info.json, state.json   the dataset (save_to_disk)
          README.md, plots/{funnel,pass_rate,topics}.png  the card
          curation.json                               funnel, settings, every removal with cause
          train.parquet, train.jsonl                  when asked for

The directory is built beside the target and renamed over it, so a failed export leaves the
previous one intact. An existing directory is replaced only if it is a verigen export (it holds
``curation.json``): pointing ``--to`` at unrelated data is an error, not a deletion.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from datasets import Dataset

from verigen import schema
from verigen.curate import CurationResult, Removal
from verigen.errors import InputError
from verigen.export import card, dpo, quiet_progress, rl, sft

Format = Literal["sft", "dpo", "rl"]
FORMATS: tuple[Format, ...] = ("sft", "dpo", "rl")
MARKER = "curation.json"


@dataclass(frozen=True)
class ExportOptions:
    format: Format = "sft"
    parquet: bool = False
    jsonl: bool = False
    dpo_pairs_per_problem: int = 4
    """At most this many (chosen, rejected) pairs per problem; each attempt is used once."""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InputError(f"format {self.format!r}: expected one of {', '.join(FORMATS)}")
        if self.dpo_pairs_per_problem < 1:
            raise InputError("dpo_pairs_per_problem must be >= 1")


@dataclass(frozen=True)
class ExportReport:
    path: Path
    format: Format
    rows: int
    files: tuple[Path, ...]
    """Everything written besides the dataset itself: card, plots, curation record, copies."""


def build_dataset(result: CurationResult, options: ExportOptions) -> Dataset:
    """The rows of ``options.format`` as an in-memory ``Dataset`` with its documented features."""
    makers: dict[str, tuple[tuple[str, ...], Callable[[], Iterator[dict[str, Any]]]]] = {
        "sft": (schema.SFT, lambda: sft.rows(result)),
        "dpo": (schema.DPO, lambda: dpo.rows(result, options.dpo_pairs_per_problem)),
        "rl": (schema.RL, lambda: rl.rows(result)),
    }
    names, rows = makers[options.format]
    made = list(rows())
    columns = {name: [row[name] for row in made] for name in names}
    # from_list([]) would lose the columns
    return Dataset.from_dict(columns, features=schema.features(names))


def export(result: CurationResult, to: Path, options: ExportOptions | None = None) -> ExportReport:
    """Write ``result`` to ``to`` in ``options.format``, with card, plots and curation record."""
    opts = options or ExportOptions()
    _check_target(to)
    to.parent.mkdir(parents=True, exist_ok=True)
    dataset = build_dataset(result, opts)
    summary = result.summary()
    with (
        tempfile.TemporaryDirectory(dir=to.parent, prefix=f".{to.name}-") as tmp,
        quiet_progress(),
    ):
        staged = Path(tmp) / "export"
        # At least one shard: datasets writes none for an empty dataset and then cannot load it.
        dataset.save_to_disk(str(staged), num_shards=1 if len(dataset) == 0 else None)
        files = card.write_plots(summary, staged / "plots")
        built = card.build_card(
            summary, opts.format, len(dataset), data_files=card.LOCAL_DATA_FILES
        )
        (staged / "README.md").write_text(str(built), encoding="utf-8")
        record = {"format": opts.format, "rows": len(dataset), **summary}
        record["removed_samples"] = [_removal_json(r) for r in result.removed]
        (staged / MARKER).write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
        files += [staged / "README.md", staged / MARKER]
        if opts.parquet:
            dataset.to_parquet(str(staged / "train.parquet"))
            files.append(staged / "train.parquet")
        if opts.jsonl:
            dataset.to_json(str(staged / "train.jsonl"), lines=True, force_ascii=False)
            files.append(staged / "train.jsonl")
        _swap(staged, to)
    moved = tuple(to / f.relative_to(staged) for f in files)
    return ExportReport(to, opts.format, len(dataset), moved)


def _check_target(to: Path) -> None:
    ours = to.is_dir() and (to / MARKER).is_file()
    if to.exists() and not ours and (to.is_file() or any(to.iterdir())):
        raise InputError(
            f"--to {to}: exists and is not a verigen export; choose an empty or new directory"
        )


def _swap(staged: Path, to: Path) -> None:
    old = to.parent / f".{to.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if to.exists():
        to.rename(old)
    staged.rename(to)
    shutil.rmtree(old, ignore_errors=True)


def _removal_json(removal: Removal) -> dict[str, Any]:
    sample = removal.sample
    return {
        "sample_id": sample.id,
        "problem_id": sample.problem.id,
        "stage": removal.stage,
        "reason": removal.reason,
        "detail": removal.detail,
        "model": sample.attempt.provenance.model,
        "problem_model": sample.problem.provenance.model,
        "round": sample.attempt.provenance.round,
    }
