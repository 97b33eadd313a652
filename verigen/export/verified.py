"""The verified-samples dataset written at the end of every run, with provenance on every row.

Rows stream from the journal into Arrow through ``Dataset.from_generator``, so memory stays
bounded however large the run. The dataset is written beside the old one and renamed over it, so
a crash during export leaves the previous dataset intact. Its columns and their types are
``schema.RUN``: the sample, its verdict and its lineage, the same columns (and types) as the
exports and ``verigen verify`` outputs.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datasets import Dataset

from verigen.curate.samples import Sample
from verigen.export import quiet_progress
from verigen.export.columns import row
from verigen.schema import RUN, features
from verigen.store import Journal


def _rows(journal_dir: str, verifier: str, version: str, nonce: str) -> Iterator[dict[str, Any]]:
    """``nonce`` makes every call a fresh generator for the datasets cache, never a stale hit."""
    del nonce
    with Journal.open_existing(Path(journal_dir)) as journal:
        for problem, attempt, verdict in journal.verified(verifier, version):
            yield row(RUN, Sample(problem, attempt, verdict))


def write_verified(
    run_dir: Path, verifier: str, version: str, formats: list[str]
) -> tuple[Path, int]:
    """Write ``run_dir/dataset`` (and .parquet / .jsonl siblings if asked); return (dir, rows)."""
    target = run_dir / "dataset"
    with tempfile.TemporaryDirectory(dir=run_dir, prefix=".export-") as tmp, quiet_progress():
        dataset = _build(run_dir, verifier, version, tmp)
        staged = Path(tmp) / "dataset"
        # at least one shard: datasets writes none for an empty dataset, then cannot load it
        dataset.save_to_disk(str(staged), num_shards=1 if len(dataset) == 0 else None)
        if "parquet" in formats:
            dataset.to_parquet(str(run_dir / "dataset.parquet"))
        if "jsonl" in formats:
            dataset.to_json(str(run_dir / "dataset.jsonl"), lines=True)
        rows = len(dataset)
        del dataset
        old = run_dir / ".dataset-old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staged.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    return target, rows


def _build(run_dir: Path, verifier: str, version: str, cache_dir: str) -> Dataset:
    schema = features(RUN)
    with Journal.open_existing(run_dir) as journal:
        empty = next(journal.verified(verifier, version), None) is None
    if empty:  # from_generator refuses to build a dataset of zero rows
        return Dataset.from_dict({name: [] for name in schema}, features=schema)
    kwargs = {
        "journal_dir": str(run_dir),
        "verifier": verifier,
        "version": version,
        "nonce": uuid.uuid4().hex,
    }
    dataset = Dataset.from_generator(_rows, features=schema, cache_dir=cache_dir, gen_kwargs=kwargs)
    assert isinstance(dataset, Dataset)
    return dataset
