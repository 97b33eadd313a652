"""Columns shared by the SFT, DPO and RL datasets: the problem's, and the sample's lineage.

One Arrow type per column (datasets#6324): free-form values (sampling parameters, tests run,
verifier details, limits) are JSON strings, and numbers that may be unknown are nullable.
Each column is documented in ``docs/export.md``.
"""

from __future__ import annotations

from typing import Any

from datasets import Value

from verigen.curate import CurationResult, Sample

MESSAGES = [{"role": Value("string"), "content": Value("string")}]
"""A chat: the shape TRL and chat templates read (``[{"role": ..., "content": ...}, ...]``)."""

PROBLEM_FEATURES: dict[str, Any] = {
    "problem_id": Value("string"),
    "domain": Value("string"),
    "topic": Value("string"),
    "difficulty": Value("string"),
    "pass_rate": Value("float64"),
}

LINEAGE_FEATURES: dict[str, Any] = {
    "round": Value("int32"),
    "problem_round": Value("int32"),
    "model": Value("string"),
    "problem_model": Value("string"),
    "template": Value("string"),
    "template_version": Value("string"),
    "problem_template": Value("string"),
    "problem_template_version": Value("string"),
    "imported_from": Value("string"),
    "seed": Value("int64"),
    "sampling": Value("string"),
    "verifier": Value("string"),
    "verifier_version": Value("string"),
    "sandbox_version": Value("string"),
    "tests_run": Value("string"),
    "tests_passed": Value("int32"),
    "tests_total": Value("int32"),
    "latency_s": Value("float64"),
    "verify_s": Value("float64"),
    "prompt_tokens": Value("int64"),
    "completion_tokens": Value("int64"),
}


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
