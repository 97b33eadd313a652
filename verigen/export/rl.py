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
from verigen.export.columns import row, user_turn
from verigen.records import CodeDetails
from verigen.schema import RL, json_text


def rows(result: CurationResult) -> Iterator[dict[str, Any]]:
    first: dict[str, Sample] = {}
    counts: dict[str, int] = {}
    for sample in result.kept:
        first.setdefault(sample.problem.id, sample)
        counts[sample.problem.id] = counts.get(sample.problem.id, 0) + 1
    for problem_id, sample in first.items():
        yield row(
            RL,
            sample,
            id=problem_id,
            pass_rate=result.pass_rate(problem_id),
            prompt=user_turn(sample),
            limits=json_text(_limits(sample, result)),
            data_source=f"verigen/{sample.problem.domain.value}",
            verified_samples=counts[problem_id],
        )


def _limits(sample: Sample, result: CurationResult) -> dict[str, Any]:
    """The code verifier's recorded limits, or the math check's time limit from the config."""
    limits = CodeDetails.of(sample.verdict).limits
    if limits is not None:
        return limits
    math = (result.run_config or {}).get("math") or {}
    return {"timeout_s": math["timeout_s"]} if "timeout_s" in math else {}
