"""Verify rows of an existing dataset: a ``Dataset.map(batched=True)`` callable.

Each row is one problem with one solution: ``solution`` and ``tests`` (and optionally
``entry_point``, ``io_cases``, ``reference``, ``signature``). Rows are independent — two rows
with the same problem are not cross-checked against each other, because a dataset row's
neighbours are not necessarily candidates for the same prompt. A batch's rows run in parallel on
the verifier's sandboxes.

Added columns: the verdict columns of ``verigen/schema.py`` (``VERDICT``), the same as
``MathBatchVerifier``'s: ``verified`` (``True``, ``False``, or ``None`` for an infra error —
never ``False`` for a sample nobody could run), ``outcome``, ``reason``, ``tests_passed``,
``tests_total``, ``mutation_score``, ``verdict_details`` (JSON), ``verifier_version``. Map with
``schema.add_verdicts(dataset, CodeBatchVerifier(...))``, which gives ``datasets`` their types up
front: a plain ``map`` guesses them from the first batch, and a first batch of rejected rows
(``mutation_score`` all null) would fail the whole map at the first real score.

Picklable: ``datasets`` may fingerprint or ship the callable, so the verifier (and its pool) is
built lazily in the process that first calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verigen.schema import verdict_batch
from verigen.verify.code.options import CodeOptions
from verigen.verify.code.verifier import CodeVerifier
from verigen.verify.lazy import LazyVerifier


@dataclass(frozen=True)
class Columns:
    """Where each input lives; ``verigen verify`` remaps these from its flags."""

    solution: str = "solution"
    tests: str = "tests"
    entry_point: str = "entry_point"
    io_cases: str = "io_cases"
    reference: str = "reference"
    signature: str = "signature"


class CodeBatchVerifier(LazyVerifier[CodeVerifier]):
    """``add_verdicts(dataset, CodeBatchVerifier(options))``."""

    make = CodeVerifier

    def __init__(
        self,
        options: CodeOptions | None = None,
        workers: int = 2,
        columns: Columns | None = None,
        trusted_suite: bool = False,
        keep_input: bool = False,
    ) -> None:
        super().__init__(options or CodeOptions(), workers)
        self.columns = columns or Columns()
        self.trusted_suite = trusted_suite
        """Every row's tests are a benchmark's own suite (HumanEval's ``check``): one check
        suffices, instead of ``min_tests``."""
        self.keep_input = keep_input
        """Return the batch's own columns too (``ray.data``'s ``map_batches`` needs them)."""

    def opened(self, verifier: CodeVerifier) -> None:
        verifier.pool()

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        c = self.columns
        size = len(batch[c.solution])

        def col(name: str) -> list[Any]:
            values = batch.get(name)
            return [None] * size if values is None else list(values)

        tasks = [
            {
                "solutions": [sol],
                "tests": tests,
                "entry_point": entry or "",
                "io_cases": io or None,
                "reference": ref or None,
                "signature": sig or None,
                "trusted_suite": self.trusted_suite,
            }
            for sol, tests, entry, io, ref, sig in zip(
                batch[c.solution],
                col(c.tests),
                col(c.entry_point),
                col(c.io_cases),
                col(c.reference),
                col(c.signature),
                strict=True,
            )
        ]
        verdicts = [v[0] for v in self.verifier().verify_many(tasks)]
        return verdict_batch(verdicts, batch if self.keep_input else None)
