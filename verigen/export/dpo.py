"""DPO rows: a verified solution (chosen) against a failed one (rejected) to the same problem.

Pairs are made within a problem only, so the preference is about the solution, never about
the problem. The i-th kept solution of a problem is paired with its i-th rejected attempt
(both in a stable order), up to ``max_pairs_per_problem``: each attempt appears in at most one
pair, so no single bad completion dominates the set. Only genuine wrong answers are a rejected
side (``CurationResult.failed``): never an infra error of any reason, nor a rejection that could
not show the attempt wrong (a tie, no majority, tests too weak to judge), which say nothing
about the solution. The rejected side keeps the verifier's reason and details
(why it failed) and its own lineage as JSON. TRL's ``DPOTrainer`` reads ``prompt``, ``chosen``
and ``rejected`` in this conversational form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from verigen.curate import CurationResult, Sample
from verigen.curate.lineage import lineage
from verigen.export.columns import assistant_turn, row, user_turn
from verigen.schema import DPO, json_text


def rows(result: CurationResult, max_pairs_per_problem: int = 4) -> Iterator[dict[str, Any]]:
    failed: dict[str, list[Sample]] = defaultdict(list)
    for sample in result.failed:
        failed[sample.problem.id].append(sample)
    chosen: dict[str, list[Sample]] = defaultdict(list)
    for sample in result.kept:
        chosen[sample.problem.id].append(sample)
    for problem_id, good in chosen.items():
        bad = sorted(failed.get(problem_id, []), key=lambda s: s.id)
        for win, lose in list(zip(good, bad, strict=False))[:max_pairs_per_problem]:
            yield _row(win, lose, result)


def _row(win: Sample, lose: Sample, result: CurationResult) -> dict[str, Any]:
    return row(
        DPO,
        win,
        id=f"{win.id}|{lose.id}",
        pass_rate=result.pass_rate(win.problem.id),
        prompt=user_turn(win),
        chosen=assistant_turn(win),
        rejected=assistant_turn(lose),
        chosen_id=win.id,
        rejected_id=lose.id,
        rejected_model=lose.attempt.provenance.model or "",
        rejected_reason=lose.verdict.reason,
        rejected_details=json_text(lose.verdict.details),
        rejected_lineage=json_text(lineage(lose)),
    )
