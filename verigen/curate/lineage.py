"""Where every kept sample came from, flattened into plain values for a dataset row.

Lineage is what lets a user re-verify a sample later, or drop everything one model (or one
prompt version, or one round) contributed: the round, the prompt template and its version for
both the problem and the solution, the models, the sampling seed and parameters, the verifier
and sandbox versions, the tests that ran, and the timings. Free-form values (sampling
parameters, test lists) are JSON strings because Arrow needs one type per column.

Verdicts are read through their typed details (``records.CodeDetails``: ``tests_run``,
``tests_passed``, ``tests_total``, ``sandbox_version``; ``records.MathDetails``: the vote's
answers); math verdicts leave the code columns empty.
"""

from __future__ import annotations

from typing import Any

from verigen.curate.samples import Sample
from verigen.records import CodeDetails, Domain, MathDetails
from verigen.schema import int_or_none, json_text


def lineage(sample: Sample) -> dict[str, Any]:
    """The lineage columns of one sample (see ``docs/export.md`` for each column)."""
    problem, attempt, verdict = sample.problem, sample.attempt, sample.verdict
    code = CodeDetails.of(verdict)
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
        "seed": int_or_none(seed),
        "sampling": json_text(attempt.provenance.params),
        "verifier": verdict.verifier,
        "verifier_version": verdict.verifier_version,
        "sandbox_version": code.sandbox_version,
        "tests_run": json_text(code.tests_run),
        "tests_passed": code.tests_passed,
        "tests_total": code.tests_total,
        "latency_s": attempt.usage.latency_s,
        "verify_s": verdict.duration_s,
        "prompt_tokens": attempt.usage.prompt_tokens,
        "completion_tokens": attempt.usage.completion_tokens,
    }


def answer_of(sample: Sample) -> str:
    """The verified final answer of an accepted math sample, or ``""``.

    A problem with a reference answer was checked against it, so an accepted sample's answer
    *is* the reference (the run's dataset, SFT and RL all read it from here; before, only the
    vote path recorded one). Without a reference: the answer the vote read from this sample,
    which it found equal to the majority's, and failing that the vote's normalised answer.
    Code samples, and samples that were not accepted, have none.
    """
    if sample.problem.domain is not Domain.MATH or not sample.accepted:
        return ""
    if sample.problem.reference_answer is not None:
        return sample.problem.reference_answer
    math = MathDetails.of(sample.verdict)
    return math.answer or math.vote_answer or sample.attempt.extracted or ""
