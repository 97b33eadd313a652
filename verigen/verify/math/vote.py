"""Agreement without a reference: group k answers into equivalence classes, take the majority.

Answers are compared pairwise against one representative per class (the first member seen),
so k answers cost at most k × classes checks; identical normalised answers share a class
without any check. The winning class must be strictly larger than every other class and
hold at least ``min_share`` of all k samples (samples with no answer count against it).

A comparison is tri-state: equal, different, or ``Unknown`` (the worker crashed, timed out
twice or raised). An infrastructure failure is nobody's answer, so a sample with an unknown
comparison is never put in a class: it *floats*. The vote then stands only if no placement
of the floating samples could change it (``decide``); otherwise it is unsettled and every
verdict is ``infra_error``, to be redone, never a rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verigen.records import Outcome, Verdict
from verigen.verify.math.extract import Extraction


@dataclass(frozen=True)
class Unknown:
    """A comparison that did not finish; ``reason`` says why (``unverifiable``, ...)."""

    reason: str


Comparison = bool | Unknown
Same = Callable[[Extraction, list[Extraction]], list[Comparison]]
"""Given a candidate and the class representatives, whether it equals each one."""


@dataclass(frozen=True)
class Clusters:
    """The classes of the samples whose place is known, and the floating ones."""

    classes: list[list[int]]
    """Sample indices per class, largest class first."""
    floating: list[int] = field(default_factory=list)
    """Samples whose comparison with some representative is unknown (in no class)."""
    unknown: list[tuple[int, int, str]] = field(default_factory=list)
    """(sample, representative sample, reason) for every unknown comparison."""


@dataclass(frozen=True)
class Vote:
    """The outcome of a vote over k samples; ``verdict(i)`` is sample i's verdict."""

    answer: str | None
    """Canonical answer of the winning class, or None with no majority or when unsettled."""
    share: float
    """Size of the largest class over k (0.0 when no sample had an answer)."""
    classes: tuple[tuple[int, ...], ...]
    """Sample indices per class, largest class first (floating samples are in none)."""
    accepted_indices: tuple[int, ...]
    """The winning class (empty with no majority or when unsettled)."""
    min_share: float
    answers: tuple[str | None, ...]
    """Each sample's extracted answer (None: nothing found)."""
    version: str
    duration_s: float = 0.0
    unsettled: bool = False
    """True when unknown comparisons could change the outcome: every verdict is infra_error."""
    floating: tuple[int, ...] = ()
    """Samples whose class is unknown; in a settled vote, only their own verdicts are
    infra_error."""
    unknown_pairs: tuple[tuple[int, int, str], ...] = ()
    """(sample, representative sample, reason) of every comparison that did not finish."""
    refused: tuple[tuple[int, str], ...] = ()
    """(sample, reason) of every answer refused unread (``answer_too_long``) or as ambiguous
    (``unparsable``): in no class, like a sample with no answer, and rejected with that
    reason."""

    def verdict(self, index: int) -> Verdict:
        """Accepted if in the winning class; infra_error if the vote or this sample's place
        is unknown; else rejected, saying why (refused, no answer, minority, no majority)."""
        details: dict[str, Any] = {
            "vote_answer": self.answer,
            "vote_share": round(self.share, 4),
            "min_share": self.min_share,
            "class_sizes": [len(c) for c in self.classes],
            "answer": self.answers[index],
        }
        if self.unknown_pairs:
            details["unknown_pairs"] = [list(p) for p in self.unknown_pairs]
        outcome, reason = self._outcome(index)
        return Verdict(
            outcome=outcome,
            reason=reason,
            details=details,
            verifier="math",
            verifier_version=self.version,
            duration_s=self.duration_s,
        )

    def _outcome(self, index: int) -> tuple[Outcome, str]:
        if self.unsettled:
            return Outcome.INFRA_ERROR, "vote_unsettled"
        if index in self.accepted_indices:
            return Outcome.ACCEPTED, "majority"
        if index in self.floating:
            return Outcome.INFRA_ERROR, "vote_comparison_unknown"
        refused = dict(self.refused)
        if index in refused:
            return Outcome.REJECTED, refused[index]
        if self.answers[index] is None:
            return Outcome.REJECTED, "no_answer"
        if self.answer is not None:
            return Outcome.REJECTED, "disagrees_with_majority"
        return Outcome.REJECTED, "no_majority"


def cluster(answers: list[Extraction | None], keys: list[str], same: Same) -> Clusters:
    """Classes of sample indices; ``keys`` are normalised answers (equal keys: same class).

    A sample joins the first class whose representative it equals. If a comparison before
    that one is unknown, the sample's class is unknown: it floats (as does any later sample
    with the same key) and is never a representative."""
    classes: list[list[int]] = []
    by_key: dict[str, int | None] = {}  # None: the key's samples float
    floating: list[int] = []
    unknown: list[tuple[int, int, str]] = []
    for index, answer in enumerate(answers):
        if answer is None:
            continue
        if keys[index] in by_key:
            home = by_key[keys[index]]
            (floating if home is None else classes[home]).append(index)
            continue
        reps = [c[0] for c in classes]
        results = same(answer, [a for r in reps if (a := answers[r]) is not None]) if reps else []
        unknown += [
            (index, r, c.reason)
            for r, c in zip(reps, results, strict=True)
            if isinstance(c, Unknown)
        ]
        place = _place(results)
        if place is None:
            floating.append(index)
        elif place == len(classes):
            classes.append([index])
        else:
            classes[place].append(index)
        by_key[keys[index]] = place
    return Clusters(sorted(classes, key=len, reverse=True), floating, unknown)


def _place(results: list[Comparison]) -> int | None:
    """The first equal class; a new class if all differ; None if an unknown comes first."""
    for position, result in enumerate(results):
        if isinstance(result, Unknown):
            return None
        if result:
            return position
    return len(results)


def decide(
    classes: list[list[int]], k: int, min_share: float, floating: int = 0
) -> tuple[int | None, float, bool]:
    """The winning class's position (or None), the largest share, and whether that holds
    wherever the ``floating`` samples belong (each could join any class, or form new ones)."""
    if k == 0:
        return None, 0.0, True
    share = len(classes[0]) / k if classes else 0.0
    leader = len(classes[0]) if classes else 0
    runner_up = len(classes[1]) if len(classes) > 1 else 0
    wins = leader > runner_up and share >= min_share
    if floating == 0:
        return (0 if wins else None), share, True
    if wins and leader > runner_up + floating and leader > floating:
        return 0, share, True  # the floaters cannot overtake it, and it needs none of them
    if (leader + floating) / k < min_share:
        return None, share, True  # no placement reaches min_share
    return None, share, False
