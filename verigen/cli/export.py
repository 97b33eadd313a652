"""``verigen export``, ``push`` and ``curate-report``: curate a run's journal, write or show it.

Both read every round in the run directory's journal, so a dataset grows round after round
without repeating itself. Flags are parsed here, once, into the frozen options the curation
and export modules take; the Hub token is the only value read from the environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from verigen.curate import (
    CurationOptions,
    curate,
)
from verigen.errors import ConfigError, InfraError
from verigen.store import Journal

RunDir = Annotated[Path, typer.Argument(help="A run directory (holds journal.sqlite).")]
Decontaminate = Annotated[
    list[str] | None,
    typer.Option(
        "--decontaminate",
        help="Also check against this benchmark: a datasets directory, Parquet or JSONL, "
        "as PATH[:COLUMN] (repeatable). HumanEval is always checked unless --no-humaneval.",
    ),
]
NoHumanEval = Annotated[bool, typer.Option("--no-humaneval", help="Skip built-in HumanEval.")]
NoDecontam = Annotated[bool, typer.Option("--no-decontaminate", help="No decontamination.")]
Ngram = Annotated[int, typer.Option(min=1, help="Words per n-gram for decontamination.")]
NearDup = Annotated[
    float,
    typer.Option(
        min=0.01, max=1.0, help="Similarity (0-1) at which two texts are near duplicates."
    ),
]
Band = Annotated[
    str | None,
    typer.Option(help="Keep pass rates in LO,HI (open; [LO,HI] closed). RL: 0,1."),
]
DropModel = Annotated[
    list[str] | None,
    typer.Option("--drop-model", help="Drop everything this model wrote or solved (repeatable)."),
]
VerifierVersion = Annotated[
    str | None, typer.Option(help="Use this verifier version's verdicts (default: the latest).")
]


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("push")(push_command)
    app.command("curate-report")(curate_report)


def options(
    decontaminate: list[str] | None,
    no_humaneval: bool,
    no_decontaminate: bool,
    ngram: int,
    near_dup_threshold: float,
    difficulty_band: str | None,
    drop_model: list[str] | None,
    verifier_version: str | None,
) -> CurationOptions:
    """The flags as curation options (shared by both commands)."""
    if no_decontaminate and decontaminate:
        raise ConfigError("--no-decontaminate and --decontaminate contradict each other")
    benchmarks = [] if no_decontaminate or no_humaneval else ["humaneval"]
    benchmarks += [] if no_decontaminate else list(decontaminate or [])
    return CurationOptions.from_settings(
        benchmarks, ngram, near_dup_threshold, difficulty_band, drop_model or (),
        verifier_version=verifier_version,
    )  # fmt: skip


def export_command(
    run_dir: RunDir,
    to: Annotated[Path, typer.Option("--to", help="Output directory (a datasets directory).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="sft | dpo | rl")] = "sft",
    parquet: Annotated[bool, typer.Option("--parquet", help="Also write train.parquet.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Also write train.jsonl.")] = False,
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", help="Also push to this Hub dataset repo.")
    ] = None,
    private: Annotated[bool, typer.Option(help="Create the Hub repo as private.")] = False,
    decontaminate: Decontaminate = None,
    no_humaneval: NoHumanEval = False,
    no_decontaminate: NoDecontam = False,
    ngram: Ngram = 8,
    near_dup_threshold: NearDup = 0.9,
    difficulty_band: Band = None,
    drop_model: DropModel = None,
    verifier_version: VerifierVersion = None,
) -> None:
    """Curate every round of a run (dedup, decontamination, difficulty) and write a training set.

    Writes the dataset (``datasets.load_from_disk`` reads it), README.md with plots, and
    curation.json listing every removed sample with its cause. The Hub token comes from
    HF_TOKEN (or a stored ``hf auth login``).
    """
    from verigen.export.writer import FORMATS, ExportOptions, export

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    opts = options(
        decontaminate, no_humaneval, no_decontaminate, ngram, near_dup_threshold,
        difficulty_band, drop_model, verifier_version,
    )  # fmt: skip
    with Journal.open_existing(run_dir) as journal:
        result = curate(journal, opts)
    report = export(result, to, ExportOptions(format=fmt, parquet=parquet, jsonl=jsonl))
    typer.echo(f"wrote {report.rows} {fmt} rows to {report.path}")
    if push_to_hub:
        typer.echo(f"pushed to {_push(report.path, push_to_hub, private)}")


def push_command(
    export_dir: Annotated[Path, typer.Argument(help="A directory written by verigen export.")],
    repo_id: Annotated[str, typer.Argument(help="The Hub dataset repo, e.g. me/math-sft.")],
    private: Annotated[bool, typer.Option(help="Create the Hub repo as private.")] = False,
) -> None:
    """Push an export already on disk to the Hub (after a failed export --push-to-hub).

    The token comes from HF_TOKEN (or a stored ``hf auth login``).
    """
    typer.echo(f"pushed to {_push(export_dir, repo_id, private)}")


def _push(export_dir: Path, repo_id: str, private: bool) -> str:
    """Push, and on failure say where the export is and the command that pushes it later."""
    from verigen.export.hub import push_to_hub

    try:
        return push_to_hub(
            export_dir, repo_id, token=os.environ.get("HF_TOKEN") or None, private=private
        )
    except InfraError as exc:
        again = f"verigen push {export_dir} {repo_id}" + (" --private" if private else "")
        raise InfraError(
            f"{exc}; the export is in {export_dir}; push it later with: {again}"
        ) from None


def curate_report(
    run_dir: RunDir,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    decontaminate: Decontaminate = None,
    no_humaneval: NoHumanEval = False,
    no_decontaminate: NoDecontam = False,
    ngram: Ngram = 8,
    near_dup_threshold: NearDup = 0.9,
    difficulty_band: Band = None,
    drop_model: DropModel = None,
    verifier_version: VerifierVersion = None,
) -> None:
    """The curated funnel, removals and yields of a run, without writing anything."""
    opts = options(
        decontaminate, no_humaneval, no_decontaminate, ngram, near_dup_threshold,
        difficulty_band, drop_model, verifier_version,
    )  # fmt: skip
    with Journal.open_existing(run_dir) as journal:
        summary = curate(journal, opts).summary()
    if as_json:
        summary.pop("pass_rates")
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    console = Console()
    funnel = Table("stage", "samples", "problems", title=f"{run_dir}: curation funnel")
    for stage in summary["funnel"]:
        funnel.add_row(stage["stage"], str(stage["samples"]), str(stage["problems"]))
    console.print(funnel)
    removed = Table("stage", "reason", "samples", title="removed")
    for stage, reasons in summary["removed"].items():
        for reason, count in reasons.items():
            removed.add_row(stage, reason, str(count))
    console.print(removed)
    yields = Table("model", "judged", "verified", "kept", "yield", title="yield per model")
    for model, y in summary["yield_per_model"].items():
        yields.add_row(model, *(str(y[k]) for k in ("judged", "verified", "kept", "yield")))
    console.print(yields)
