"""What ``verigen stats`` reports: the funnel and distributions of a run or of a dataset.

A run directory is read from its journal: the funnel, rejection reasons, spend, and the yield
(attempts and accepted) per model, topic, difficulty and round. A dataset directory (a run's
``dataset/``, an export, a ``verigen verify`` output) is read column by column: counts of the
categorical columns verigen writes, a histogram of the numeric ones, and the curation funnel
when the directory is an export (its ``curation.json``). Plain dicts out, so the same data is
the JSON and the tables.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from verigen.errors import InputError

CATEGORICAL = (
    "domain",
    "topic",
    "difficulty",
    "model",
    "round",
    "data_source",
    "verifier_version",
    "outcome",
    "reason",
    "verified",
    "rejected_reason",
)
"""Columns whose value counts say something about a dataset's make-up."""

NUMERIC = ("pass_rate", "tests_total", "mutation_score", "verified_samples", "completion_tokens")
"""Columns summarised by a histogram (ten equal bins between min and max)."""

TOP = 20
"""Values shown per categorical column; the rest are summed under ``(other)``."""


def stats(path: Path) -> dict[str, Any]:
    """Stats of a run directory (it holds ``journal.sqlite``) or a ``datasets`` directory."""
    from verigen.store import JOURNAL_NAME

    if (path / JOURNAL_NAME).is_file():
        return run_stats(path)
    if (path / "dataset_info.json").is_file() or (path / "dataset_dict.json").is_file():
        return dataset_stats(path)
    raise InputError(f"{path} is neither a run directory nor a datasets directory")


def run_stats(run_dir: Path) -> dict[str, Any]:
    from verigen.store import Journal

    with Journal.open_existing(run_dir) as journal:
        last = journal.get_meta("last_report") or {}
        # Verdicts are one verifier's view: the one the last report used, else the most used (a
        # journal re-judged under new options holds both sets; counting both would double them).
        pairs = journal.verifier_versions()
        if "verifier" in last:
            pairs.insert(0, (last["verifier"], last["verifier_version"]))
        verifier, version = pairs[0] if pairs else (None, None)
        counts = journal.counts(verifier, version)
        yields = journal.yields(verifier, version) if verifier and version else {}
    return {
        "kind": "run",
        "path": str(run_dir),
        "status": last.get("status", "unfinished"),
        "stop_reason": last.get("stop_reason"),
        "verifier": verifier,
        "verifier_version": version,
        "counts": counts,
        "yield": yields,
    }


def dataset_stats(path: Path) -> dict[str, Any]:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(f"{path} is not a datasets directory: {exc}") from exc
    splits = loaded if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
    out: dict[str, Any] = {"kind": "dataset", "path": str(path), "splits": {}}
    for name, split in splits.items():
        out["splits"][name] = _split_stats(split)
    curation = path / "curation.json"
    if curation.is_file():  # an export: the curation that produced it
        record = json.loads(curation.read_text(encoding="utf-8"))
        keep = ("funnel", "rejection_reasons", "yield_per_model", "yield_per_topic", "versions")
        out["curation"] = {k: record[k] for k in keep if k in record}
    return out


def _split_stats(split: Any) -> dict[str, Any]:
    columns = set(split.column_names)
    return {
        "rows": len(split),
        "columns": split.column_names,
        "counts": {c: _value_counts(split[c]) for c in CATEGORICAL if c in columns},
        "histograms": {
            c: hist for c in NUMERIC if c in columns and (hist := _histogram(split[c])) is not None
        },
    }


def _value_counts(values: list[Any]) -> dict[str, int]:
    ranked = Counter("(none)" if v is None else str(v) for v in values).most_common()
    shown = dict(ranked[:TOP])
    rest = sum(n for _, n in ranked[TOP:])
    if rest:
        shown["(other)"] = rest
    return shown


def _histogram(values: list[Any]) -> dict[str, Any] | None:
    numbers = [
        float(v)
        for v in values
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
    if not numbers:
        return None
    low, high = min(numbers), max(numbers)
    if low == high:
        bins = [{"from": low, "to": high, "count": len(numbers)}]
    else:
        width = (high - low) / 10
        counts = [0] * 10
        for v in numbers:
            counts[min(int((v - low) / width), 9)] += 1
        edges = [round(low + i * width, 6) for i in range(11)]
        bins = [{"from": edges[i], "to": edges[i + 1], "count": counts[i]} for i in range(10)]
    return {
        "n": len(numbers),
        "missing": len(values) - len(numbers),
        "min": low,
        "max": high,
        "mean": round(sum(numbers) / len(numbers), 6),
        "bins": bins,
    }
