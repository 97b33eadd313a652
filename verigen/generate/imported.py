"""Problems imported from a file instead of synthesized: JSONL, Parquet or a ``datasets`` dir.

Rows are read through ``datasets`` (memory-mapped Arrow), so a large import streams rather than
loading into memory. Each row becomes a ``Problem`` whose id is its content hash, so the same
problem imported twice, or imported and also synthesized, is one problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from verigen.config import ImportConfig
from verigen.errors import InputError
from verigen.records import (
    CaseTests,
    CodeTests,
    Domain,
    Problem,
    Provenance,
    content_id,
    read_tests_column,
)

FIELDS = ("statement", "answer", "id", "topic", "difficulty", "entry_point", "signature", "tests")


class ImportedProblems:
    """An import's rows as problems: opened (and its columns checked) at once, read lazily.

    Sized, so a run's progress shows real totals and an ETA from the start.
    """

    def __init__(self, source: ImportConfig, domain: Domain, round_: int) -> None:
        self._dataset = _load(source.path)
        names = set(self._dataset.column_names)
        if f := next((f for f in source.columns if f not in FIELDS), None):
            raise InputError(f"problems.source.columns: unknown field {f!r} (known: {FIELDS})")
        self._mapping = {f: source.columns.get(f, f) for f in FIELDS}
        missing = [c for c in source.columns.values() if c not in names]
        if missing or self._mapping["statement"] not in names:
            want = missing or [self._mapping["statement"]]
            raise InputError(f"{source.path}: no column {want[0]!r} (columns: {sorted(names)})")
        self._names, self._source, self._domain, self._round = names, source, domain, round_
        rows = len(self._dataset)
        self._count = rows if source.limit is None else min(rows, source.limit)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Problem]:
        for n, row in enumerate(self._dataset):
            if n >= self._count:
                return
            yield _problem(
                row, self._mapping, self._names, self._domain, self._source.path, self._round
            )


def read_problems(source: ImportConfig, domain: Domain, round_: int) -> ImportedProblems:
    return ImportedProblems(source, domain, round_)


def _problem(
    row: dict[str, Any],
    mapping: dict[str, str],
    names: set[str],
    domain: Domain,
    path: Path,
    round_: int,
) -> Problem:
    def get(field: str) -> str | None:
        column = mapping[field]
        value = row.get(column) if column in names else None
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)

    statement = get("statement") or ""
    return Problem(
        id=content_id(domain.value, statement, prefix="p-"),
        domain=domain,
        statement=statement,
        topic=get("topic") or "",
        difficulty=get("difficulty") or "",
        reference_answer=get("answer"),
        entry_point=get("entry_point"),
        signature=get("signature"),
        tests=_tests(get("tests"), f"{path}#{get('id') or ''}"),
        provenance=Provenance(imported_from=f"{path}#{get('id') or ''}", round=round_),
    )


def _tests(text: str | None, row: str) -> CaseTests | CodeTests | None:
    """A row's tests, typed; tests nothing could read stop the import (an input error, like a
    missing column), rather than rejecting every solution to the problem later. Cases are the
    dataset's own suite: every one ``given``."""
    try:
        tests = read_tests_column(text)
    except ValueError as exc:
        raise InputError(f"{row}: tests: {str(exc).splitlines()[0]}") from None
    if isinstance(tests, CaseTests):
        return tests.model_copy(update={"given": len(tests.cases)})
    return tests


def _load(path: Path) -> Any:
    import datasets

    try:
        if path.is_dir():
            loaded = datasets.load_from_disk(str(path))
            if isinstance(loaded, datasets.DatasetDict):
                loaded = loaded[next(iter(loaded))]
            return loaded
        if path.suffix == ".parquet":
            return datasets.Dataset.from_parquet(str(path))
        if path.suffix in (".jsonl", ".json"):
            return datasets.Dataset.from_json(str(path))
    except FileNotFoundError:
        raise InputError(f"problems.source.path: {path} does not exist") from None
    except Exception as exc:  # datasets raises many kinds for unreadable files
        raise InputError(f"{path}: cannot read problems ({type(exc).__name__}: {exc})") from None
    raise InputError(f"{path}: expected a .jsonl, .parquet or a datasets directory")
