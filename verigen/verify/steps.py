"""Which precision step removed each problem judged by agreement: the per-step table of every
run's report and card, for math (``verify.math.policy.POLICY_STEPS``) and code
(``verify.code.policy.POLICY_STEPS``) alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from verigen.records import Outcome, Verdict

Steps = tuple[tuple[str, frozenset[str]], ...]
"""Steps in the order a problem passes them, each with the reasons its verdicts carry."""


def removed_by_step(
    problems: Iterable[Sequence[Verdict]], steps: Steps, fallback: str | None
) -> dict[str, dict[str, int]]:
    """Per step, the problems (each given as its attempts' verdicts) it removed — ``rejected``
    by a refutation, ``undecided`` when it could not tell — plus the ``kept`` ones. A problem
    is charged to the last step that acted on it; one no step acted on to ``fallback`` (math:
    the vote, which every answer without a reference passes first) or to none (code: no
    solution passed its tests, which is not the policy's doing)."""
    counts = {name: {"rejected": 0, "undecided": 0} for name, _ in steps}
    total = kept = 0
    for verdicts in problems:
        total += 1
        if any(v.accepted for v in verdicts):
            kept += 1
            continue
        step, outcome = fallback, Outcome.REJECTED
        for name, reasons in steps:
            hits = [v for v in verdicts if v.reason in reasons]
            if hits:
                step, outcome = name, hits[0].outcome
        if step is not None:
            counts[step]["undecided" if outcome is Outcome.INFRA_ERROR else "rejected"] += 1
    return {"problems": {"judged": total, "kept": kept}, **counts}
