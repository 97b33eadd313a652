"""Difficulty as measured, not as labelled: the pass rate of each problem over its attempts.

A problem's pass rate is accepted / judged over its k attempts (all models together), with
the split per model kept beside it; infra errors are neither passes nor failures and are left
out of both counts. For RL, problems that every attempt solves or none does carry no learning
signal, so a band filter keeps the ones in between (``(0,1)``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from verigen.curate.samples import Removal, Sample
from verigen.errors import ConfigError
from verigen.records import Outcome

_BAND = re.compile(r"^\s*([\[(]?)\s*([0-9.]+)\s*,\s*([0-9.]+)\s*([\])]?)\s*$")


@dataclass
class Tally:
    """Accepted and judged counts (infra errors counted apart, never as failures)."""

    accepted: int = 0
    judged: int = 0
    infra_errors: int = 0

    def add(self, sample: Sample) -> None:
        if sample.verdict.outcome is Outcome.INFRA_ERROR:
            self.infra_errors += 1
            return
        self.judged += 1
        self.accepted += sample.accepted

    @property
    def rate(self) -> float | None:
        """None when nothing was judged: unknown difficulty, not an unsolvable problem."""
        return self.accepted / self.judged if self.judged else None


@dataclass
class ProblemDifficulty:
    total: Tally = field(default_factory=Tally)
    per_model: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    @property
    def pass_rate(self) -> float | None:
        return self.total.rate


def pass_rates(samples: Iterable[Sample]) -> dict[str, ProblemDifficulty]:
    """Per problem id: its pass rate over all its judged attempts, and per model."""
    rates: dict[str, ProblemDifficulty] = defaultdict(ProblemDifficulty)
    for sample in samples:
        entry = rates[sample.problem.id]
        entry.total.add(sample)
        entry.per_model[sample.attempt.provenance.model or ""].add(sample)
    return dict(rates)


def model_pass_rates(samples: Iterable[Sample]) -> dict[str, Tally]:
    """Per solver model: accepted / judged over all its attempts, every problem together."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for sample in samples:
        tallies[sample.attempt.provenance.model or ""].add(sample)
    return dict(tallies)


@dataclass(frozen=True)
class DifficultyBand:
    """Pass rates to keep. Bounds are open unless bracketed: ``0,1`` keeps 0 < rate < 1."""

    lo: float
    hi: float
    lo_closed: bool = False
    hi_closed: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.lo <= self.hi <= 1.0:
            raise ConfigError(f"difficulty band needs 0 <= LO <= HI <= 1, got {self}")

    @classmethod
    def parse(cls, text: str) -> DifficultyBand:
        """``LO,HI`` (open), or with brackets: ``[0.2,1]`` keeps 0.2 <= rate <= 1."""
        m = _BAND.match(text)
        if m is None:
            raise ConfigError(f"--difficulty-band {text!r}: expected LO,HI such as 0,1 or [0.2,1]")
        try:
            lo, hi = float(m[2]), float(m[3])
        except ValueError:
            raise ConfigError(f"--difficulty-band {text!r}: bounds must be numbers") from None
        return cls(lo, hi, m[1] == "[", m[4] == "]")

    def contains(self, rate: float) -> bool:
        above = rate >= self.lo if self.lo_closed else rate > self.lo
        below = rate <= self.hi if self.hi_closed else rate < self.hi
        return above and below

    def __str__(self) -> str:
        left, right = "[" if self.lo_closed else "(", "]" if self.hi_closed else ")"
        return f"{left}{self.lo:g},{self.hi:g}{right}"


def band_filter(
    samples: Iterable[Sample], rates: dict[str, ProblemDifficulty], band: DifficultyBand
) -> tuple[list[Sample], list[Removal]]:
    """Keep samples whose problem's pass rate lies in ``band``."""
    kept: list[Sample] = []
    removed: list[Removal] = []
    for sample in samples:
        rate = rates[sample.problem.id].pass_rate
        if rate is not None and band.contains(rate):
            kept.append(sample)
        else:
            detail: dict[str, object] = {"pass_rate": rate, "band": str(band)}
            removed.append(Removal(sample, "difficulty", "outside_band", detail))
    return kept, removed
