"""The end of a run: export the verified dataset, count the funnel, write report.json and .md.

The report is written even when the run stopped early (budget, endpoint down), so a stopped run
still says what it produced and why it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from itertools import groupby
from typing import Any

from verigen import __version__
from verigen.config import RoleConfig, RunConfig
from verigen.curate.calibration import code_judge, math_judge, measure
from verigen.export.card import precision_section
from verigen.export.verified import write_verified
from verigen.pipeline.base import Services
from verigen.pipeline.verifying import verify_settings
from verigen.records import Domain
from verigen.store import Journal
from verigen.verify.code import policy as code_policy
from verigen.verify.math import policy as math_policy
from verigen.verify.steps import removed_by_step

_REQUEST_FAILURES = (":request_failed", ":malformed_reply", ":http_")


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, as the driver knows it."""

    verifier: str
    version: str
    """The judged version its verdicts are filed under."""
    stop_reason: str | None
    started: float
    executor: dict[str, Any]
    """Where verification ran (``Executor.describe``)."""


def finish_run(services: Services, end: RunEnd) -> dict[str, Any]:
    cfg, journal = services.config, services.journal
    verifier, version, stop_reason = end.verifier, end.version, end.stop_reason
    journal.flush()  # the exports below read through connections of their own
    dataset_dir, rows = write_verified(cfg.run_dir, verifier, version, list(cfg.output.formats))
    precision = precision_report(cfg, journal, verifier, version)
    journal.set_meta("precision", precision)  # for cards built from the journal later
    exports = _export(services, verifier, version)
    counts = journal.counts(verifier, version)
    failed = any(any(tag in k for tag in _REQUEST_FAILURES) for k in counts["failures"])
    status = "stopped" if stop_reason else ("failures" if failed else "ok")
    spend = asdict(services.llm.spend)
    spend.pop("started")
    report = {
        "status": status,
        "stop_reason": stop_reason,
        "run_dir": str(cfg.run_dir),
        "dataset_dir": str(dataset_dir),
        "dataset_rows": rows,
        "domain": cfg.problems.domain.value,
        "fingerprint": cfg.fingerprint(),
        "verigen_version": __version__,
        "verifier": verifier,
        "verifier_version": version,
        "seconds": round(time.time() - end.started, 3),
        "executor": end.executor,
        "counts": counts,
        "yield": journal.yields(verifier, version),
        "precision": precision,
        "exports": exports,
        "spend": spend,
    }
    journal.set_meta("last_report", report)
    (cfg.run_dir / "report.json").write_text(json.dumps(report, indent=2))
    (cfg.run_dir / "report.md").write_text(markdown(report))
    journal.close()
    return report


def precision_report(
    config: RunConfig, journal: Journal, verifier: str, version: str
) -> dict[str, Any] | None:
    """What every report and card carries about precision: the policy the run judged problems
    without a reference by (math: no reference answer; code: every problem, none has a
    reference solution), per step how many of them it removed, and the precision its
    calibration problems measured (``None`` when it had none)."""
    domain = config.problems.domain
    calibration = _measured(config, journal, verifier, version)
    judged = (
        (problem, verdict)
        for problem, _, verdict in journal.judged(verifier, version)
        if problem.reference_answer is None
    )
    by_problem = ([v for _, v in group] for _, group in groupby(judged, lambda pv: pv[0].id))
    if domain is Domain.CODE:
        steps, fallback, rules = code_policy.POLICY_STEPS, None, _code_rules(config)
    else:
        steps, fallback, rules = math_policy.POLICY_STEPS, "vote", _math_rules(config)
    counts = removed_by_step(by_problem, steps, fallback)
    return {
        "domain": domain.value,
        "policy": config.precision,
        "problems": counts["problems"],
        "steps": [
            {"step": name, "rule": rules[name], **counts[name]}
            for name, _ in steps
            if name in rules
        ],
        "calibration": calibration,
    }


def _measured(
    config: RunConfig, journal: Journal, verifier: str, version: str
) -> dict[str, Any] | None:
    """The calibration problems' measured precision, judged with the run's own settings (its
    math checker's, its sandbox's); ``None`` when the run had none."""
    if not journal.calibration():
        return None
    settings = verify_settings(config)
    if config.problems.domain is Domain.CODE:
        judge = code_judge(settings.code, settings.sandbox_workers)
    else:
        judge = math_judge(settings.math)
    return measure(journal, verifier, version, judge)


def _role(value: RoleConfig | None, suffix: str = "") -> str:
    return "off" if value is None else ", ".join(value.models) + suffix


def _code_rules(config: RunConfig) -> dict[str, str]:
    code = config.code
    share = f"where samples differ (Hypothesis inputs), a value held by >= {code.min_share:g}"
    undecided = " (undecided keeps nothing)"
    return {
        "agreement": share if code.differential else "off",
        "crash_check": _role(code.crash_check, undecided),
        "dispute_check": _role(code.dispute_check, undecided),
    }


def _math_rules(config: RunConfig) -> dict[str, str]:
    math = config.math
    closed = " (undecided keeps nothing)" if math.fail_closed else " (undecided does not block)"

    # answer_first is an opt-in of synthesis, in no preset: its row appears only when it is on
    answer_first = {"answer_first": "the writer's program, sandboxed"} if math.answer_first else {}
    return {
        "vote": f"share >= {math.min_share:g}, votes >= {math.min_votes}",
        "min_models": f"votes from >= {math.min_models} models" if math.min_models > 1 else "off",
        **answer_first,
        "well_posed": _role(math.well_posed, closed),
        "rederive": _role(math.rederive, closed),
        "program_check": _role(math.program_check, f", {math.program_tries} tries"),
    }


def _export(services: Services, verifier: str, version: str) -> dict[str, Any]:
    """Curate every round in the journal and write the configured training shapes (the card
    takes the precision table from the journal's meta, written just before)."""
    cfg = services.config.export
    if not cfg.formats:
        return {}
    from verigen.curate import CurationOptions, curate
    from verigen.export.writer import ExportOptions, export

    options = CurationOptions.from_settings(
        cfg.decontaminate, cfg.ngram, cfg.near_dup_threshold, cfg.difficulty_band,
        verifier=verifier, verifier_version=version,
    )  # fmt: skip
    result = curate(services.journal, options)
    out: dict[str, Any] = {"funnel": [asdict(stage) for stage in result.funnel]}
    for fmt in cfg.formats:
        written = export(result, services.config.run_dir / "export" / fmt, ExportOptions(fmt))
        out[fmt] = {"path": str(written.path), "rows": written.rows}
    return out


def markdown(report: dict[str, Any]) -> str:
    """The same report for people: funnel, reasons, yield per model and topic, cost."""
    counts = report["counts"]
    verdicts = counts["verdicts"]
    lines = [
        f"# verigen run: {report['status']}",
        "",
        f"- run directory: `{report['run_dir']}`",
        f"- dataset: `{report['dataset_dir']}` ({report['dataset_rows']} rows)",
        f"- verifier: {report['verifier']} {report['verifier_version']}",
    ]
    if report["stop_reason"]:
        lines.append(f"- stopped because: {report['stop_reason']}")
    lines += [
        "",
        "## Funnel",
        "",
        "| stage | count |",
        "|---|---:|",
        f"| problems | {counts['problems']} |",
        f"| attempts | {counts['attempts']} |",
        f"| verified | {sum(verdicts.values())} |",
        f"| accepted | {verdicts.get('accepted', 0)} |",
        f"| rejected | {verdicts.get('rejected', 0)} |",
        f"| not verifiable (infra_error) | {verdicts.get('infra_error', 0)} |",
        "",
        "## Why samples were dropped",
        "",
        "| reason | count |",
        "|---|---:|",
        *(f"| {r} | {n} |" for r, n in counts["rejection_reasons"].items()),
        *(f"| {r} (not verifiable) | {n} |" for r, n in counts["infra_reasons"].items()),
        *(f"| {r} (before solving) | {n} |" for r, n in counts["failures"].items()),
    ]
    for kind, table in report["yield"].items():
        lines += [
            "",
            f"## Yield per {kind}",
            "",
            f"| {kind} | attempts | accepted | yield |",
            "|---|---:|---:|---:|",
        ]
        for name, row in table.items():
            share = row["accepted"] / row["attempts"] if row["attempts"] else 0.0
            lines.append(f"| {name} | {row['attempts']} | {row['accepted']} | {share:.0%} |")
    if report.get("precision"):
        lines += ["", precision_section(report["precision"]).rstrip()]
    exports = {k: v for k, v in report["exports"].items() if k != "funnel"}
    if exports:
        lines += ["", "## Training exports", "", "| format | rows | path |", "|---|---:|---|"]
        lines += [f"| {fmt} | {e['rows']} | `{e['path']}` |" for fmt, e in exports.items()]
    unknown = counts["calls_unknown_cost"]
    lines += [
        "",
        "## Cost",
        "",
        f"- LLM calls: {counts['llm_calls']} ({report['spend']['cached']} answered from cache "
        "in the last invocation)",
        f"- tokens: {counts['prompt_tokens']:,} in, {counts['completion_tokens']:,} out",
        f"- cost: ${counts['cost_usd']:.4f}"
        + (f" plus {unknown} calls of unknown cost" if unknown else ""),
        "",
    ]
    return "\n".join(lines)
