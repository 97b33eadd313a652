"""Values of the columns the SFT, DPO and RL rows share: the problem's, and the chat turns.

Their types are in ``verigen/schema.py``; the lineage values in
``verigen/curate/lineage.py``.
"""

from __future__ import annotations

from typing import Any

from verigen.curate import CurationResult, Sample


def problem_values(sample: Sample, result: CurationResult) -> dict[str, Any]:
    problem = sample.problem
    return {
        "problem_id": problem.id,
        "domain": problem.domain.value,
        "topic": problem.topic,
        "difficulty": problem.difficulty,
        "pass_rate": result.pass_rate(problem.id),
    }


def user_turn(sample: Sample) -> list[dict[str, str]]:
    return [{"role": "user", "content": sample.problem.statement}]


def assistant_turn(sample: Sample) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": sample.attempt.completion}]
