"""What curation works on: one judged attempt with its problem, read once from the journal.

A journal may hold several verdicts per attempt (a verifier fix re-verifies under a new
version). Curation needs exactly one per attempt, so ``load_samples`` picks it here, at one
place, by a rule written down below, instead of every filter guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from verigen.records import Attempt, Outcome, Problem, Verdict
from verigen.store import Journal


@dataclass(frozen=True, slots=True)
class Sample:
    """A judged attempt: the unit every curation stage keeps or removes."""

    problem: Problem
    attempt: Attempt
    verdict: Verdict

    def __hash__(self) -> int:
        """By identity of the judged attempt (the records hold dicts, which do not hash)."""
        return hash((self.attempt.id, self.verdict.verifier, self.verdict.verifier_version))

    @property
    def id(self) -> str:
        return self.attempt.id

    @property
    def accepted(self) -> bool:
        return self.verdict.outcome is Outcome.ACCEPTED

    @property
    def failed(self) -> bool:
        """Rejected by the verifier: a wrong answer or failing code, never an infra error."""
        return self.verdict.outcome is Outcome.REJECTED

    @property
    def wrong(self) -> bool:
        """Rejected because it is wrong, not because it could not be shown right: what a DPO
        pair may use as its rejected side."""
        return self.failed and self.verdict.reason not in UNDECIDED_REJECTIONS


UNDECIDED_REJECTIONS = frozenset(
    {
        "unresolved_disagreement",  # code: a 1-vs-1 tie, nobody can say who is right
        "covered_input_untested",  # code: its majority raised where it must not, no test there
        "no_majority",  # math vote: no answer won, this one may be the right one
        "too_few_votes",  # math vote: agreed with the majority, just too few of them
        "too_few_trusted_tests",  # code: the tests could not judge anyone
        "weak_tests",  # code: the tests miss mutants, the solution may be right
        "invalid_tests",  # code: the tests do not parse
        "no_gold_answer",  # math: the reference answer is unreadable
        "out_of_memory",  # math: the checker ran out of memory comparing
    }
)
"""Rejections (outcome ``rejected``, so never kept) that say nothing against the sample itself.
They count as judged in pass rates like any rejection, but are never a DPO negative: a
preference pair must teach "this answer is wrong"."""


def load_samples(
    journal: Journal, verifier: str | None = None, version: str | None = None
) -> list[Sample]:
    """Every judged attempt in the journal (all rounds), one verdict each.

    With ``version`` unset and several versions judging one attempt, the version of the run's
    last report wins (the verifier the last run used), else the greatest version string: a
    deterministic rule, though not a chronological one (the journal does not expose verdict
    times through its API).
    """
    last = (journal.get_meta("last_report") or {}).get("verifier_version")
    return pick_verdicts(journal.judged(verifier, version), preferred_version=last)


def pick_verdicts(
    triples: Iterable[tuple[Problem, Attempt, Verdict]], preferred_version: str | None = None
) -> list[Sample]:
    """One sample per (attempt, verifier), in the order the triples came in."""
    chosen: dict[tuple[str, str], Sample] = {}
    for problem, attempt, verdict in triples:
        key = (attempt.id, verdict.verifier)
        old = chosen.get(key)
        if old is None or _better(verdict, old.verdict, preferred_version):
            chosen[key] = Sample(problem, attempt, verdict)
    return list(chosen.values())


def _better(new: Verdict, old: Verdict, preferred: str | None) -> bool:
    if preferred is not None and preferred in (new.verifier_version, old.verifier_version):
        return new.verifier_version == preferred
    return new.verifier_version > old.verifier_version


@dataclass(frozen=True, slots=True)
class Removal:
    """Why a sample left the dataset: the stage, a short reason, and what it matched."""

    sample: Sample
    stage: str
    reason: str
    detail: dict[str, object]
