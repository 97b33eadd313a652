"""Where every kept sample came from, flattened into plain values for a dataset row.

Lineage is what lets a user re-verify a sample later, or drop everything one model (or one
prompt version, or one round) contributed: the round, the prompt template and its version for
both the problem and the solution, the models, the sampling seed and parameters, the verifier
and sandbox versions, the tests that ran, and the timings. Free-form values (sampling
parameters, test lists) are JSON strings because Arrow needs one type per column.

Code verdicts are read through the detail keys the code verifier documents (``tests_run``,
``tests_passed``, ``tests_total``, ``sandbox_version``, ``limits``); math verdicts leave them
empty.
"""

from __future__ import annotations

import json
from typing import Any

from verigen.curate.samples import Sample


def lineage(sample: Sample) -> dict[str, Any]:
    """The lineage columns of one sample (see ``docs/export.md`` for each column)."""
    problem, attempt, verdict = sample.problem, sample.attempt, sample.verdict
    details = verdict.details
    seed = attempt.provenance.params.get("seed")
    return {
        "round": attempt.provenance.round,
        "problem_round": problem.provenance.round,
        "model": attempt.provenance.model or "",
        "problem_model": problem.provenance.model or "",
        "template": attempt.provenance.template or "",
        "template_version": attempt.provenance.template_version or "",
        "problem_template": problem.provenance.template or "",
        "problem_template_version": problem.provenance.template_version or "",
        "imported_from": problem.provenance.imported_from or "",
        "seed": seed if isinstance(seed, int) else None,
        "sampling": _json(attempt.provenance.params),
        "verifier": verdict.verifier,
        "verifier_version": verdict.verifier_version,
        "sandbox_version": str(details.get("sandbox_version", "")),
        "tests_run": _json(details.get("tests_run", [])),
        "tests_passed": _int_or_none(details.get("tests_passed")),
        "tests_total": _int_or_none(details.get("tests_total")),
        "latency_s": attempt.usage.latency_s,
        "verify_s": verdict.duration_s,
        "prompt_tokens": attempt.usage.prompt_tokens,
        "completion_tokens": attempt.usage.completion_tokens,
    }


def answer_of(sample: Sample) -> str:
    """The final answer the verifier read from this sample (math), or ``""``."""
    details = sample.verdict.details
    for key in ("answer", "pred"):
        value = details.get(key)
        if value:
            return str(value)
    return sample.attempt.extracted or ""


def reference_of(sample: Sample) -> str:
    """The reference answer a reward function should check against (math).

    A known reference answer wins; otherwise the answer of this (accepted) sample, which the
    vote found equal to the majority's, and failing that the vote's normalised answer.
    """
    if sample.problem.reference_answer is not None:
        return sample.problem.reference_answer
    return answer_of(sample) or str(sample.verdict.details.get("vote_answer") or "")


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
