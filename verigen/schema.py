"""Every column verigen writes, with its one Arrow type, in one place.

``datasets`` infers the type of a column it is not told about from the first batch it writes. A
column that is ``None`` in every row of that batch (``mutation_score`` when the first rows are
all rejected) becomes ``null``, and the first real value later fails the whole write. So each
writer — the run's ``dataset/``, the SFT/DPO/RL exports, ``verigen verify`` and the
``Dataset.map`` verifiers — takes its ``Features`` from here, and a column name has the same
type in all of them. Free-form values are JSON text (one type per column, datasets#6324);
numbers that may be unknown are nullable. ``docs/export.md`` documents each column.

Nothing here imports ``datasets`` or ``pyarrow`` until a schema is built, so the command line
stays quick to start.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from verigen.records import CodeDetails, Outcome, Verdict

if TYPE_CHECKING:
    from datasets import Dataset, Features

CHAT = "chat"
"""A conversation, ``[{"role": ..., "content": ...}, ...]``: what TRL and chat templates read."""

TYPES: dict[str, str] = {
    # what the row is about
    "id": "string",
    "problem_id": "string",
    "domain": "string",
    "topic": "string",
    "difficulty": "string",
    "pass_rate": "float64",
    "problem": "string",
    "solution": "string",
    "answer": "string",
    # conversations (SFT, DPO, RL)
    "messages": CHAT,
    "prompt": CHAT,
    "chosen": CHAT,
    "rejected": CHAT,
    # DPO's rejected side
    "chosen_id": "string",
    "rejected_id": "string",
    "rejected_model": "string",
    "rejected_reason": "string",
    "rejected_details": "string",
    "rejected_lineage": "string",
    # RL
    "tests": "string",
    "entry_point": "string",
    "limits": "string",
    "data_source": "string",
    "verified_samples": "int32",
    # the verdict
    "verified": "bool",
    "outcome": "string",
    "reason": "string",
    "tests_passed": "int32",
    "tests_total": "int32",
    "mutation_score": "float64",
    "verdict_details": "string",
    "verifier_version": "string",
    # lineage
    "round": "int32",
    "problem_round": "int32",
    "model": "string",
    "problem_model": "string",
    "template": "string",
    "template_version": "string",
    "problem_template": "string",
    "problem_template_version": "string",
    "imported_from": "string",
    "seed": "int64",
    "sampling": "string",
    "verifier": "string",
    "sandbox_version": "string",
    "tests_run": "string",
    "latency_s": "float64",
    "verify_s": "float64",
    "prompt_tokens": "int64",
    "completion_tokens": "int64",
}

PROBLEM = ("problem_id", "domain", "topic", "difficulty", "pass_rate")
VERDICT = (
    "verified",
    "outcome",
    "reason",
    "tests_passed",
    "tests_total",
    "mutation_score",
    "verdict_details",
    "verifier_version",
)
"""What a verifier said about one sample; ``verified`` is null for an infra error, never false."""
LINEAGE = (
    "round",
    "problem_round",
    "model",
    "problem_model",
    "template",
    "template_version",
    "problem_template",
    "problem_template_version",
    "imported_from",
    "seed",
    "sampling",
    "verifier",
    "verifier_version",
    "sandbox_version",
    "tests_run",
    "tests_passed",
    "tests_total",
    "latency_s",
    "verify_s",
    "prompt_tokens",
    "completion_tokens",
)
"""Enough to re-verify a row, or to drop everything one model, round or prompt made."""


def columns(*groups: Iterable[str]) -> tuple[str, ...]:
    """The groups' names in order, each once (the verdict and lineage groups share three)."""
    return tuple(dict.fromkeys(name for group in groups for name in group))


RUN = columns(
    ("id", "problem_id", "domain", "topic", "difficulty", "problem", "solution", "answer"),
    VERDICT,
    LINEAGE,
)
"""``run_dir/dataset``: every accepted sample of a run."""
SFT = columns(("id",), PROBLEM, ("messages", "answer"), LINEAGE)
DPO = columns(
    ("id",),
    PROBLEM,
    ("prompt", "chosen", "rejected", "chosen_id", "rejected_id", "rejected_model"),
    ("rejected_reason", "rejected_details", "rejected_lineage"),
    LINEAGE,
)
RL = columns(
    ("id",),
    PROBLEM,
    ("prompt", "answer", "tests", "entry_point", "limits", "data_source", "verified_samples"),
    LINEAGE,
)


def features(names: tuple[str, ...]) -> Features:
    """The ``datasets.Features`` of these columns, in this order."""
    from datasets import Features, Value

    chat = [{"role": Value("string"), "content": Value("string")}]
    return Features({name: chat if TYPES[name] == CHAT else Value(TYPES[name]) for name in names})


def with_verdict(existing: Features) -> Features:
    """An input dataset's features plus the verdict columns (which replace same-named ones)."""
    from datasets import Features

    added = features(VERDICT)
    return Features({**{k: v for k, v in existing.items() if k not in added}, **added})


def verdict_values(verdict: Verdict) -> dict[str, Any]:
    """The verdict columns of one sample: every writer's, from the run's dataset to the
    ``Dataset.map`` verifiers, so a verdict reads the same wherever it is written."""
    code = CodeDetails.of(verdict)
    return {
        "verified": None if verdict.outcome is Outcome.INFRA_ERROR else verdict.accepted,
        "outcome": verdict.outcome.value,
        "reason": verdict.reason,
        "tests_passed": code.tests_passed,
        "tests_total": code.tests_total,
        "mutation_score": code.mutation_score,
        "verdict_details": json_text(verdict.details),
        "verifier_version": verdict.verifier_version,
    }


def verdict_batch(
    verdicts: Sequence[Verdict], inputs: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, list[Any]]:
    """The verdict columns of a batch, what a ``Dataset.map(batched=True)`` verifier returns;
    with ``inputs``, the batch's own columns first (``ray.data``'s ``map_batches`` replaces a
    batch with what the function returns, where ``datasets.map`` adds to it)."""
    rows = [verdict_values(v) for v in verdicts]
    kept = {name: list(values) for name, values in (inputs or {}).items()}
    return kept | {name: [row[name] for row in rows] for name in VERDICT}


def add_verdicts(
    dataset: Dataset, verifier: Callable[[dict[str, list[Any]]], dict[str, list[Any]]], **kw: Any
) -> Dataset:
    """``dataset.map(verifier, batched=True, **kw)`` with the verdict columns typed up front.

    ``map`` cannot take a type from the batch verifier's return value (a batched callable must
    return plain lists), so without ``features=`` a first batch of all-rejected rows writes
    ``mutation_score`` as ``null`` and the first real score fails the whole map.
    """
    return dataset.map(verifier, batched=True, features=with_verdict(dataset.features), **kw)


def json_text(value: Any) -> str:
    """Free-form values as JSON text, stable (sorted keys) and readable (no ``\\u`` escapes)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
