"""k solutions × m tests: the pass matrix and CodeT's dual execution agreement.

Without a reference nobody knows which solutions or tests are right. CodeT's observation: right
solutions agree with each other on the tests they pass, wrong ones disagree in many ways. Solutions
are grouped by the exact set of tests they pass; a group scores (solutions in it) × (tests they
pass), and the best group is the consensus. Runs that hit a sandbox error take no part: nothing is
known about them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verigen.verify.code.execute import Run


@dataclass(frozen=True)
class Consensus:
    members: tuple[int, ...]
    """Indices (into the runs) of the solutions in the winning group."""
    passed: frozenset[str]
    """The tests every member passes (and no member fails)."""

    @property
    def score(self) -> int:
        return len(self.members) * len(self.passed)


def pass_matrix(runs: Sequence[Run], ids: Sequence[str]) -> list[list[int | None]]:
    """Row per solution, column per test: 1 passed, 0 not, ``None`` for a sandbox failure."""
    return [[None if r.infra_error else int(i in r.passed) for i in ids] for r in runs]


def consensus(runs: Sequence[Run]) -> Consensus | None:
    """The highest-scoring agreement group; ties go to more members, then the earlier group.
    ``None`` when no solution passes anything."""
    groups: dict[frozenset[str], list[int]] = {}
    for index, run in enumerate(runs):
        if not run.infra_error:
            groups.setdefault(run.passed, []).append(index)
    best = [Consensus(tuple(m), p) for p, m in groups.items() if p]
    if not best:
        return None
    return max(best, key=lambda c: (c.score, len(c.members), -c.members[0]))
