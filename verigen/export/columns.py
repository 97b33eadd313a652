"""The one row builder: a judged sample's column values, for every dataset of samples.

The run's ``dataset/`` and the SFT, DPO and RL exports all build their rows with ``row``: the
sample's own columns (problem, solution, answer, tests, the verdict's and the lineage's) come
from here, once, and each format adds only its own (chat turns, pass rate, pair ids). The
column names, order and types are ``verigen/schema.py``'s; the verdict columns are
``schema.verdict_values`` (the same the ``Dataset.map`` verifiers write), the lineage ones
``curate/lineage.py``'s. A code sample's ``tests`` are the ones its verdict trusted
(``trusted_suite``), never a case the verifier dropped as wrong.
"""

from __future__ import annotations

from typing import Any

from verigen.curate import Sample
from verigen.curate.lineage import answer_of, lineage
from verigen.records import write_tests_column
from verigen.schema import verdict_values
from verigen.verify.code.tests import trusted_suite


def row(names: tuple[str, ...], sample: Sample, **own: Any) -> dict[str, Any]:
    """The row of ``sample`` with the columns ``names`` (a ``schema`` tuple), in that order;
    ``own`` holds the format's own columns and wins over the sample's (an RL row's ``id`` is its
    problem's). A name that neither gives is a ``KeyError``: a column is never left out."""
    values = sample_values(sample) | own
    return {name: values[name] for name in names}


def sample_values(sample: Sample) -> dict[str, Any]:
    """Every column one judged sample fills by itself."""
    problem = sample.problem
    return {
        "id": sample.id,
        "problem_id": problem.id,
        "domain": problem.domain.value,
        "topic": problem.topic,
        "difficulty": problem.difficulty,
        "problem": problem.statement,
        "solution": sample.attempt.completion,
        "answer": answer_of(sample),
        "tests": write_tests_column(
            trusted_suite(problem.tests, problem.entry_point or "", sample.verdict.details)
        ),
        "entry_point": problem.entry_point or "",
        **verdict_values(sample.verdict),
        **lineage(sample),
    }


def user_turn(sample: Sample) -> list[dict[str, str]]:
    return [{"role": "user", "content": sample.problem.statement}]


def assistant_turn(sample: Sample) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": sample.attempt.completion}]
