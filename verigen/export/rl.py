"""RL rows: one per kept problem, with everything a reward function needs to score a rollout.

Math: ``answer`` is the reference (the problem's known answer, or the verified answer its
accepted solutions agreed on). Code: ``tests`` and ``entry_point`` (and ``limits``, the
sandbox limits the tests ran under). ``data_source`` is what verl dispatches on. TRL's
``GRPOTrainer`` passes every column except ``prompt`` to the reward functions as keyword
arguments, which is how ``verigen.verify.rewards`` finds ``answer`` and ``domain``.

The lineage columns are those of the problem's first kept solution (the one the reference
answer came from); ``verified_samples`` counts all its kept solutions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from verigen.curate import CurationResult, Sample
from verigen.curate.lineage import answer_of, lineage
from verigen.export.columns import problem_values, user_turn
from verigen.schema import json_text


def rows(result: CurationResult) -> Iterator[dict[str, Any]]:
    first: dict[str, Sample] = {}
    counts: dict[str, int] = {}
    for sample in result.kept:
        first.setdefault(sample.problem.id, sample)
        counts[sample.problem.id] = counts.get(sample.problem.id, 0) + 1
    for problem_id, sample in first.items():
        problem = sample.problem
        yield {
            "id": problem_id,
            **problem_values(sample, result),
            "prompt": user_turn(sample),
            "answer": answer_of(sample),
            "tests": problem.tests or "",
            "entry_point": problem.entry_point or "",
            "limits": json_text(_limits(sample, result)),
            "data_source": f"verigen/{problem.domain.value}",
            "verified_samples": counts[problem_id],
            **lineage(sample),
        }


def _limits(sample: Sample, result: CurationResult) -> dict[str, Any]:
    """The code verifier's recorded limits, or the math check's time limit from the config."""
    limits = sample.verdict.details.get("limits")
    if isinstance(limits, dict):
        return limits
    math = (result.run_config or {}).get("math") or {}
    return {"timeout_s": math["timeout_s"]} if "timeout_s" in math else {}
