"""Agreement without a reference: group k answers into equivalence classes, take the majority.

Answers are compared pairwise against one representative per class (the first member seen),
so k answers cost at most k × classes checks; identical normalised answers share a class
without any check. The winning class must be strictly larger than every other class and
hold at least ``min_share`` of all k samples (samples with no answer count against it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verigen.records import Outcome, Verdict
from verigen.verify.math.extract import Extraction

Same = Callable[[Extraction, list[Extraction]], list[bool]]
"""Given a candidate and the class representatives, whether it equals each one."""


@dataclass(frozen=True)
class Vote:
    """The outcome of a vote over k samples; ``verdict(i)`` is sample i's verdict."""

    answer: str | None
    """Canonical answer of the winning class, or None with no majority."""
    share: float
    """Size of the largest class over k (0.0 when no sample had an answer)."""
    classes: tuple[tuple[int, ...], ...]
    """Sample indices per class, largest class first."""
    accepted_indices: tuple[int, ...]
    min_share: float
    answers: tuple[str | None, ...]
    """Each sample's extracted answer (None: nothing found)."""
    version: str
    duration_s: float = 0.0

    def verdict(self, index: int) -> Verdict:
        """Accepted if in the winning class; else why not (no answer, minority, no majority)."""
        details: dict[str, Any] = {
            "vote_answer": self.answer,
            "vote_share": round(self.share, 4),
            "min_share": self.min_share,
            "class_sizes": [len(c) for c in self.classes],
            "answer": self.answers[index],
        }
        if index in self.accepted_indices:
            outcome, reason = Outcome.ACCEPTED, "majority"
        elif self.answers[index] is None:
            outcome, reason = Outcome.REJECTED, "no_answer"
        elif self.answer is not None:
            outcome, reason = Outcome.REJECTED, "disagrees_with_majority"
        else:
            outcome, reason = Outcome.REJECTED, "no_majority"
        return Verdict(
            outcome=outcome,
            reason=reason,
            details=details,
            verifier="math",
            verifier_version=self.version,
            duration_s=self.duration_s,
        )


def cluster(answers: list[Extraction | None], keys: list[str], same: Same) -> list[list[int]]:
    """Classes of sample indices; ``keys`` are normalised answers (equal keys: same class)."""
    classes: list[list[int]] = []
    by_key: dict[str, int] = {}
    for index, answer in enumerate(answers):
        if answer is None:
            continue
        if keys[index] in by_key:
            classes[by_key[keys[index]]].append(index)
            continue
        reps = [answers[c[0]] for c in classes]
        matches = same(answer, [r for r in reps if r is not None]) if reps else []
        home = next((i for i, hit in enumerate(matches) if hit), None)
        if home is None:
            classes.append([index])
            home = len(classes) - 1
        else:
            classes[home].append(index)
        by_key[keys[index]] = home
    return sorted(classes, key=len, reverse=True)


def decide(classes: list[list[int]], k: int, min_share: float) -> tuple[int | None, float]:
    """The winning class's position (or None) and the largest share."""
    if not classes or k == 0:
        return None, 0.0
    share = len(classes[0]) / k
    tie = len(classes) > 1 and len(classes[1]) == len(classes[0])
    return (None if tie or share < min_share else 0), share
