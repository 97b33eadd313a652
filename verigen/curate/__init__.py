"""Curation: from every judged attempt of every round to the samples worth training on.

::

    with Journal.open_existing(run_dir) as journal:
        result = curate(journal, CurationOptions(band=DifficultyBand(0, 1)))
    result.kept          # verified, unique, clean samples, with lineage
    result.summary()     # funnel, removals (with what they matched), yields, versions

Verified is necessary, not sufficient. The stages run in a fixed order, each recorded in the
funnel: verified → selected (``drop_models``) → deduplicated (problems, then solutions, exact
and near, across all rounds) → decontaminated (benchmark n-grams) → kept (pass-rate band).
Dropping models comes first so that a near-duplicate pair split across two models keeps the
surviving model's copy; the pass rates come from the selected models' attempts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from verigen.curate.decontam import (
    BenchmarkSpec,
    ContaminationIndex,
    DecontamOptions,
    decontaminate,
    load_benchmark,
)
from verigen.curate.dedup import DedupOptions, dedup
from verigen.curate.difficulty import DifficultyBand, band_filter, pass_rates
from verigen.curate.result import CurationResult, FunnelStage
from verigen.curate.samples import Removal, Sample, load_samples, pick_verdicts
from verigen.errors import ConfigError
from verigen.records import Attempt, Problem, Verdict
from verigen.store import Journal

__all__ = [
    "BenchmarkSpec",
    "CurationOptions",
    "CurationResult",
    "DecontamOptions",
    "DedupOptions",
    "DifficultyBand",
    "FunnelStage",
    "Removal",
    "Sample",
    "curate",
]

Rows = Iterable[Sample | tuple[Problem, Attempt, Verdict]]


@dataclass(frozen=True)
class CurationOptions:
    dedup: DedupOptions = field(default_factory=DedupOptions)
    decontam: DecontamOptions | None = field(default_factory=DecontamOptions)
    """None: no decontamination (the card says so)."""
    band: DifficultyBand | None = None
    """None: keep every pass rate. ``DifficultyBand(0, 1)`` is the usual RL choice."""
    drop_models: tuple[str, ...] = ()
    """Everything these models contributed goes: their solutions and the problems they wrote."""
    verifier: str | None = None
    verifier_version: str | None = None

    @classmethod
    def from_settings(
        cls,
        benchmarks: Sequence[str],
        ngram: int = 8,
        near_dup_threshold: float = 0.9,
        difficulty_band: str | None = None,
        drop_models: Sequence[str] = (),
        verifier: str | None = None,
        verifier_version: str | None = None,
    ) -> CurationOptions:
        """Options from the plain values a config file or the command line holds.

        ``benchmarks`` are ``humaneval``, ``PATH`` or ``PATH:COLUMN``; none turns
        decontamination off.
        """
        specs = tuple(BenchmarkSpec.parse(spec) for spec in benchmarks)
        try:
            dedup = DedupOptions(near_dup_threshold=near_dup_threshold)
        except ValueError as exc:
            raise ConfigError(f"near-dup threshold: {exc}") from None
        return cls(
            dedup=dedup,
            decontam=DecontamOptions(specs, ngram) if specs else None,
            band=DifficultyBand.parse(difficulty_band) if difficulty_band else None,
            drop_models=tuple(drop_models),
            verifier=verifier,
            verifier_version=verifier_version,
        )


def curate(
    journal_or_rows: Journal | Rows, options: CurationOptions | None = None
) -> CurationResult:
    """Run every stage over a journal (all its rounds) or over samples built elsewhere."""
    opts = options or CurationOptions()
    if isinstance(journal_or_rows, Journal):
        judged = load_samples(journal_or_rows, opts.verifier, opts.verifier_version)
        generated = int(journal_or_rows.counts()["attempts"])
        run_config = journal_or_rows.get_meta("config")
        precision = journal_or_rows.get_meta("precision")
    else:
        judged = _as_samples(journal_or_rows)
        generated, run_config, precision = len(judged), None, None
    funnel = [FunnelStage("generated", generated, len({s.problem.id for s in judged}))]
    verified = [s for s in judged if s.accepted]
    funnel.append(_stage("verified", verified))
    selected, removed = _drop_models(judged, opts.drop_models)
    current = [s for s in selected if s.accepted]
    removed = [r for r in removed if r.sample.accepted]
    funnel.append(_stage("selected", current))
    current, gone = dedup(current, opts.dedup)
    removed += gone
    funnel.append(_stage("deduplicated", current))
    if opts.decontam is not None:
        items = [i for spec in opts.decontam.benchmarks for i in load_benchmark(spec)]
        index = ContaminationIndex(items, opts.decontam.ngram)
        current, gone = decontaminate(current, index, opts.decontam.check_solutions)
        removed += gone
    funnel.append(_stage("decontaminated", current))
    rates = pass_rates(selected)
    if opts.band is not None:
        current, gone = band_filter(current, rates, opts.band)
        removed += gone
    funnel.append(_stage("kept", current))
    kept_problems = {s.problem.id for s in current}
    return CurationResult(
        kept=current,
        failed=[s for s in selected if s.wrong and s.problem.id in kept_problems],
        removed=removed,
        funnel=funnel,
        difficulty=rates,
        judged=selected,
        settings=_settings(opts),
        run_config=run_config,
        precision=precision,
    )


def _as_samples(rows: Rows) -> list[Sample]:
    triples = [(r.problem, r.attempt, r.verdict) if isinstance(r, Sample) else r for r in rows]
    return pick_verdicts(triples)


def _stage(name: str, samples: list[Sample]) -> FunnelStage:
    return FunnelStage(name, len(samples), len({s.problem.id for s in samples}))


def _drop_models(
    samples: list[Sample], models: tuple[str, ...]
) -> tuple[list[Sample], list[Removal]]:
    if not models:
        return samples, []
    dropped = set(models)
    kept: list[Sample] = []
    removed: list[Removal] = []
    for sample in samples:
        solver, writer = sample.attempt.provenance.model, sample.problem.provenance.model
        if solver in dropped or writer in dropped:
            role = "solver" if solver in dropped else "problem_writer"
            detail: dict[str, object] = {
                "model": solver if solver in dropped else writer,
                "as": role,
            }
            removed.append(Removal(sample, "select", "dropped_model", detail))
        else:
            kept.append(sample)
    return kept, removed


def _settings(opts: CurationOptions) -> dict[str, object]:
    decontam = opts.decontam
    return {
        "dedup": asdict(opts.dedup),
        "decontam": None
        if decontam is None
        else {
            "ngram": decontam.ngram,
            "benchmarks": [b.name for b in decontam.benchmarks],
            "check_solutions": decontam.check_solutions,
        },
        "difficulty_band": str(opts.band) if opts.band else None,
        "drop_models": list(opts.drop_models),
        "verifier": opts.verifier,
        "verifier_version": opts.verifier_version,
    }
