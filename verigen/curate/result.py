"""What curation hands to export: the kept samples, every removal with its cause, the funnel.

The funnel counts samples (judged attempts) and problems at each stage, in the order the
stages run: generated → verified → selected (``--drop-model``) → deduplicated →
decontaminated → kept (difficulty band). ``summary()`` is the JSON the card and
``curation.json`` are made from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from verigen.curate.difficulty import ProblemDifficulty, Tally
from verigen.curate.lineage import lineage
from verigen.curate.samples import Removal, Sample
from verigen.records import CodeDetails


@dataclass(frozen=True, slots=True)
class FunnelStage:
    name: str
    samples: int
    problems: int


@dataclass
class CurationResult:
    kept: list[Sample]
    """Verified samples that passed every stage, earliest round first."""
    failed: list[Sample]
    """Wrong attempts of kept problems (``Sample.wrong``: never an infra error, nor a rejection
    that could not show the attempt wrong): DPO's rejected side."""
    removed: list[Removal]
    funnel: list[FunnelStage]
    difficulty: dict[str, ProblemDifficulty]
    judged: list[Sample] = field(repr=False, default_factory=list)
    """Every judged sample of the selected models, any outcome: the denominators of yields."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The curation options as plain values (thresholds, n, band, dropped models)."""
    run_config: dict[str, Any] | None = None
    precision: dict[str, Any] | None = None
    """The run's precision policy and the problems each of its steps removed (the journal's
    ``precision`` meta, written by the run's report): only the run knows them, and a card
    built later by ``verigen export`` shows them too. None for samples built elsewhere."""

    def pass_rate(self, problem_id: str) -> float | None:
        entry = self.difficulty.get(problem_id)
        return entry.pass_rate if entry else None

    def lineage_of(self, sample_id: str) -> dict[str, Any] | None:
        """A sample's lineage and fate: kept, or removed at which stage and why."""
        for sample in self.kept:
            if sample.id == sample_id:
                return {**lineage(sample), "status": "kept"}
        for removal in self.removed:
            if removal.sample.id == sample_id:
                fate = {"status": "removed", "stage": removal.stage, "reason": removal.reason}
                return {**lineage(removal.sample), **fate, "detail": removal.detail}
        return None

    def summary(self) -> dict[str, Any]:
        """Plain JSON: the funnel, removals, contamination hits, yields, versions, settings,
        the run's config and precision policy."""
        return {
            "funnel": [vars_of(s) for s in self.funnel],
            "removed": _removed_counts(self.removed),
            "rejection_reasons": dict(
                Counter(s.verdict.reason for s in self.judged if s.failed).most_common()
            ),
            "infra_errors": sum(1 for s in self.judged if not s.accepted and not s.failed),
            "contamination": _contamination(self.removed),
            "yield_per_model": _yields(
                self.judged, self.kept, lambda s: s.attempt.provenance.model
            ),
            "yield_per_topic": _yields(self.judged, self.kept, lambda s: s.problem.topic),
            "pass_rates": [r for d in self.difficulty.values() if (r := d.pass_rate) is not None],
            "versions": _versions(self.kept),
            "settings": self.settings,
            "run_config": self.run_config,
            "precision": self.precision,
        }


def vars_of(stage: FunnelStage) -> dict[str, Any]:
    return {"stage": stage.name, "samples": stage.samples, "problems": stage.problems}


def _removed_counts(removed: Iterable[Removal]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for removal in removed:
        out[removal.stage][removal.reason] += 1
    return {stage: dict(c.most_common()) for stage, c in out.items()}


def _contamination(removed: Iterable[Removal]) -> list[dict[str, Any]]:
    """One line per contaminated problem: which benchmark item it matched, on which n-gram."""
    seen: dict[str, dict[str, Any]] = {}
    for removal in removed:
        if removal.stage == "decontam" and removal.sample.problem.id not in seen:
            seen[removal.sample.problem.id] = {
                "problem_id": removal.sample.problem.id,
                "problem": removal.sample.problem.statement[:200],
                **removal.detail,
            }
    return list(seen.values())


def _yields(judged: list[Sample], kept: list[Sample], key: Any) -> dict[str, dict[str, Any]]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for sample in judged:
        tallies[key(sample) or ""].add(sample)
    kept_count = Counter(key(s) or "" for s in kept)
    return {
        name: {
            "judged": t.judged,
            "verified": t.accepted,
            "kept": kept_count[name],
            "yield": round(kept_count[name] / t.judged, 4) if t.judged else None,
        }
        for name, t in sorted(tallies.items())
    }


def _versions(kept: Iterable[Sample]) -> dict[str, list[str]]:
    verifiers: set[str] = set()
    sandboxes: set[str] = set()
    templates: set[str] = set()
    for sample in kept:
        verifiers.add(f"{sample.verdict.verifier} {sample.verdict.verifier_version}")
        if sandbox := CodeDetails.of(sample.verdict).sandbox_version:
            sandboxes.add(sandbox)
        prov = sample.attempt.provenance
        if prov.template:
            templates.add(f"{prov.template} {prov.template_version or ''}".strip())
    return {
        "verifiers": sorted(verifiers),
        "sandboxes": sorted(sandboxes),
        "templates": sorted(templates),
    }
