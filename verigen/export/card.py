"""The dataset card: a README.md beside the data that says what is in it and how it was made.

It carries the funnel (generated → verified → selected → deduplicated → decontaminated →
kept), the precision policy that judged answers without a reference and how many problems each
of its steps removed, the precision the run measured on its calibration problems (with its
interval), the rejection and removal reasons, the contaminated problems with the benchmark
item each matched, yields per model and per topic, the verifier, sandbox and template
versions, the curation settings and the run config, and three PNG plots (funnel, pass-rate
histogram, topic distribution) referenced by relative path so the Hub renders them.

Plots use matplotlib's object API (``Figure`` + ``FigureCanvasAgg``), never pyplot, whose global
state is not thread-safe. The card's YAML header is kept when a card already exists (the
caller passes it in, see ``hub.py``), because a fresh card would erase metadata the Hub or a
user put there (huggingface_hub#3043).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard, DatasetCardData
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PLOTS = ("funnel.png", "pass_rate.png", "topics.png")
_COLOURS = ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd")
_MAX_LISTED = 200
HUB_DATA_FILES = "data/train-*.parquet"
"""Where the Parquet shards live in a pushed repo (``hub.py`` writes them there)."""
LOCAL_DATA_FILES = "data-*.arrow"
"""Where the data lives in an export directory: ``save_to_disk``'s shards, there whatever the
flags (``train.parquet`` and ``train.jsonl`` are optional copies)."""


def write_plots(summary: dict[str, Any], plots_dir: Path) -> list[Path]:
    """Draw the three plots into ``plots_dir``; returns their paths."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    drawers: dict[str, Callable[[Axes, dict[str, Any]], None]] = {
        "funnel.png": _funnel,
        "pass_rate.png": _pass_rates,
        "topics.png": _topics,
    }
    paths = []
    for name, draw in drawers.items():
        figure = Figure(figsize=(7, 4), dpi=100)
        FigureCanvasAgg(figure)
        draw(figure.add_subplot(), summary)
        figure.tight_layout()
        figure.savefig(plots_dir / name, format="png")
        paths.append(plots_dir / name)
    return paths


def _funnel(ax: Axes, summary: dict[str, Any]) -> None:
    stages = summary["funnel"]
    names = [s["stage"] for s in stages][::-1]
    counts = [s["samples"] for s in stages][::-1]
    ax.barh(names, counts, color=[_COLOURS[i % len(_COLOURS)] for i in range(len(names))])
    for y, count in enumerate(counts):
        ax.annotate(str(count), (count, y), xytext=(3, 0), textcoords="offset points", va="center")
    ax.set_xlabel("samples")
    ax.set_title("Curation funnel")


def _pass_rates(ax: Axes, summary: dict[str, Any]) -> None:
    rates = summary["pass_rates"]
    ax.hist(rates, bins=[i / 10 for i in range(11)], color=_COLOURS[0], edgecolor="#222222")
    ax.set_xlim(0, 1)
    ax.set_xlabel("pass rate over a problem's attempts")
    ax.set_ylabel("problems")
    ax.set_title(f"Difficulty ({len(rates)} problems)")


def _topics(ax: Axes, summary: dict[str, Any]) -> None:
    topics = summary["yield_per_topic"]
    top = sorted(topics.items(), key=lambda kv: kv[1]["kept"], reverse=True)[:25][::-1]
    names = [name or "(none)" for name, _ in top]
    ax.barh(names, [t["judged"] for _, t in top], color=_COLOURS[5], label="judged")
    ax.barh(names, [t["kept"] for _, t in top], color=_COLOURS[1], label="kept")
    ax.legend(loc="lower right")
    ax.set_xlabel("samples")
    ax.set_title("Topics")


def build_card(
    summary: dict[str, Any],
    fmt: str,
    rows: int,
    existing: DatasetCard | None = None,
    data_files: str = HUB_DATA_FILES,
) -> DatasetCard:
    """The card for ``summary``; an ``existing`` card keeps its metadata, gains ours, and has
    its body replaced. ``configs`` names ``data_files``, the files the card sits beside: the
    export directory's shards, or the Parquet shards of a pushed repo (the push builds its card
    again), so ``load_dataset`` on either finds the data and nothing else."""
    tags = ["synthetic", "verigen", "verified", fmt]
    configs = [{"config_name": "default", "data_files": [{"split": "train", "path": data_files}]}]
    body = card_body(summary, fmt, rows)
    if existing is None:
        data = DatasetCardData(pretty_name=f"verigen {fmt} dataset", tags=tags, configs=configs)
        return DatasetCard(f"---\n{data.to_yaml()}\n---\n{body}")
    old_tags = list(existing.data.get("tags") or [])
    existing.data["tags"] = old_tags + [t for t in tags if t not in old_tags]
    existing.data["configs"] = configs
    existing.text = body
    return existing


def card_body(summary: dict[str, Any], fmt: str, rows: int) -> str:
    parts = [
        f"# verigen {fmt} dataset\n",
        f"{rows} rows of verified synthetic data, written by "
        "[verigen](https://example.invalid/verigen): every row's answer was checked "
        "symbolically or its code passed sandboxed tests, then deduplicated across rounds and "
        "decontaminated against benchmarks. Column reference: `docs/export.md` in verigen.\n",
        "## Funnel\n",
        "![funnel](plots/funnel.png)\n",
        _table(["stage", "samples", "problems"], [list(s.values()) for s in summary["funnel"]]),
        _precision(summary),
        "## Rejections and removals\n",
        "Verifier rejection reasons (all judged attempts):\n",
        _table(["reason", "count"], list(summary["rejection_reasons"].items())),
        f"Infra errors (not counted as failures): {summary['infra_errors']}\n",
        "Removed by curation:\n",
        _table(
            ["stage", "reason", "samples"],
            [[stage, r, n] for stage, rs in summary["removed"].items() for r, n in rs.items()],
        ),
        _contamination(summary),
        "## Yield per model\n",
        _yield_table(summary["yield_per_model"], "model"),
        "## Yield per topic\n",
        "![topics](plots/topics.png)\n",
        _yield_table(summary["yield_per_topic"], "topic"),
        "## Difficulty\n",
        "![pass rates](plots/pass_rate.png)\n",
        "## Versions\n",
        _table(
            ["kind", "versions"], [[k, ", ".join(v) or "-"] for k, v in summary["versions"].items()]
        ),
        "## Curation settings\n",
        f"```json\n{json.dumps(summary['settings'], indent=2, sort_keys=True)}\n```\n",
        "## Run config\n",
        f"```json\n{json.dumps(summary['run_config'], indent=2, sort_keys=True)}\n```\n",
    ]
    return "\n".join(parts)


def _precision(summary: dict[str, Any]) -> str:
    if summary.get("precision"):
        return precision_section(summary["precision"])
    run_config = summary.get("run_config") or {}
    policy = run_config.get("precision")
    if policy is None:
        return ""
    return f"## Precision policy: {policy}\n\nPer-step counts are in the run's `report.md`.\n"


def precision_section(precision: dict[str, Any]) -> str:
    """``pipeline.report.precision_report``'s shape as text; shared by the card and
    ``report.md``: the policy and, per step, the problems judged by agreement it removed, then
    the measured precision. A code run's report from before code had steps holds the measured
    precision alone."""
    code = precision.get("domain") == "code"
    if "steps" not in precision:
        return "## Precision\n\n" + calibration_section(precision["calibration"], None, code)
    problems = precision["problems"]
    without = "Problems without a reference " + ("solution" if code else "answer")
    rest = " The rest had no solution passing its tests." if code else ""
    head = (
        f"## Precision policy: {precision['policy']}\n\n"
        f"{without}, judged by agreement: {problems['judged']}; kept: {problems['kept']}. "
        "Each step below removed these problems (rejected: the step refuted what stood; "
        f"undecided: it could not tell, nothing kept).{rest}\n"
    )
    rows = [[s["step"], s["rule"], s["rejected"], s["undecided"]] for s in precision["steps"]]
    table = _table(["step", "rule", "rejected", "undecided"], rows)
    calibration = precision.get("calibration")
    if not calibration:
        return head + "\n" + table
    return head + "\n" + table + "\n" + calibration_section(calibration, precision["policy"], code)


def calibration_section(calibration: dict[str, Any], policy: str | None, code: bool) -> str:
    """The precision the run measured on its calibration problems
    (``curate.calibration.measure``'s shape), with its interval and what limits it; ``policy``
    judged them (``None``: a code report from before code had a policy); ``code``: hidden
    tests, not known answers, grade them."""
    problems, kept = calibration["problems"], calibration["kept"]
    low, high = calibration["interval"]
    sources = ", ".join(calibration["source"])
    mixed = f"{problems} problem{'' if problems == 1 else 's'}"
    if code:
        same = f", by the same policy ({policy})" if policy else ""
        how = (
            f"{mixed} with hidden tests ({sources}) were mixed into this run without their "
            f"tests and judged like its own (tests from its test writer, run in the sandbox"
            f"{same}); each kept solution then ran every hidden test, and is right when it "
            "passes them all. None of them is in the data. "
        )
    else:
        how = (
            f"{mixed} with known answers ({sources}) were mixed into this run "
            f"without their answers and judged by the same policy ({policy}); none of them is "
            "in the data. "
        )
    if calibration["precision"] is None:
        measured = (
            f"No kept sample of theirs could be checked ({kept} kept): precision unknown "
            f"(95% interval {low:.0%}–{high:.0%}).\n"
        )
    else:
        unchecked = calibration["unchecked"]
        measured = (
            f"Kept samples: {kept}, right: {calibration['correct']}"
            + (f" ({unchecked} could not be checked)" if unchecked else "")
            + f". **Precision {calibration['precision']:.1%}** (95% Wilson interval "
            f"{low:.1%}–{high:.1%}); problems with a right kept sample: "
            f"{calibration['problems_correct']} of {problems}.\n"
        )
    limits = (
        "\nFew problems give a wide interval, and the bank's problems are not this run's: "
        "the number measures the run's verification with these models on problems like the "
        "bank's" + ("; and hidden tests are only as thorough as the bank's.\n" if code else ".\n")
    )
    return "### Measured precision (calibration)\n\n" + how + measured + limits


def _contamination(summary: dict[str, Any]) -> str:
    settings = summary["settings"].get("decontam")
    if settings is None:
        return "## Decontamination\n\nNot run.\n"
    hits = summary["contamination"]
    head = (
        f"## Decontamination\n\nWord {settings['ngram']}-gram overlap against "
        f"{', '.join(settings['benchmarks'])}: {len(hits)} problems removed"
    )
    if not hits:
        return head + ".\n"
    rows = [
        [h["problem_id"], h["benchmark"], h["item"], f"`{h['ngram']}`"] for h in hits[:_MAX_LISTED]
    ]
    more = (
        f"\n({len(hits) - _MAX_LISTED} more in curation.json)\n" if len(hits) > _MAX_LISTED else ""
    )
    return head + ":\n\n" + _table(["problem", "benchmark", "item", "matched n-gram"], rows) + more


def _yield_table(yields: dict[str, dict[str, Any]], what: str) -> str:
    rows = [
        [name or "(none)", y["judged"], y["verified"], y["kept"], y["yield"]]
        for name, y in yields.items()
    ]
    return _table([what, "judged", "verified", "kept", "yield"], rows)


def _table(header: list[str], rows: list[list[Any]] | list[tuple[Any, ...]]) -> str:
    if not rows:
        return "(none)\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
