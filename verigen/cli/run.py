"""``verigen generate``, ``verigen stats`` and ``verigen doctor``: the run-level commands."""

from __future__ import annotations

import json
import platform
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from verigen.config import RunConfig, load_config
from verigen.errors import ConfigError, Interrupted, RunIncomplete

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Run config (YAML).")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a config key: dotted.key=value (repeatable)."),
]


def register(app: typer.Typer) -> None:
    app.command()(generate)
    app.command()(stats)
    app.command()(doctor)


def generate(
    config: ConfigOption,
    overrides: SetOption = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Run directory (default: run_dir from the config).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root sampling seed.")] = None,
    round_: Annotated[
        int | None,
        typer.Option("--round", help="Add round N to the run directory (new problems, lineage)."),
    ] = None,
    max_cost_usd: Annotated[float | None, typer.Option(help="Hard budget in USD.")] = None,
    executor: Annotated[
        str | None,
        typer.Option(help="Where verification runs: local, or ray (executor.address for which)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live display.")] = False,
    report_json: Annotated[
        Path | None, typer.Option(help="Also write the run report here, for pipelines.")
    ] = None,
) -> None:
    """Propose problems, sample solutions, verify them, and write the verified dataset.

    Rerunning into the same run directory resumes: finished work is read back from the journal
    and never requested or paid for again. Exit 0 when the run completed, 1 when it stopped early
    (budget, unusable endpoint) or some requests failed for good, 2 for a bad config.
    """
    from verigen.api import generate as run
    from verigen.display import Display, RichDisplay, summary_table

    flags = [*(overrides or [])]
    if run_dir is not None:
        flags.append(f"run_dir={run_dir}")
    if seed is not None:
        flags.append(f"seed={seed}")
    if round_ is not None:
        flags.append(f"round={round_}")
    if max_cost_usd is not None:
        flags.append(f"llm.max_cost_usd={max_cost_usd}")
    if executor is not None:
        flags.append(f"executor.kind={executor}")
    cfg = load_config(config, flags)
    _require_credentials(cfg)
    console = Console(stderr=True)
    display = Display() if quiet or not sys.stderr.isatty() else RichDisplay(console)

    def announce(api_base: str) -> None:
        if not quiet:
            console.print(f"local model serving at {api_base}")

    try:
        report = run(cfg, display=display, on_local_server=announce)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: everything verified so far is in {cfg.run_dir / 'journal.sqlite'}; "
            "rerun the same command to resume"
        ) from None
    if report_json is not None:
        report_json.parent.mkdir(parents=True, exist_ok=True)
        report_json.write_text(json.dumps(report, indent=2))
    if not quiet:
        console.print(summary_table(report))
    if report["status"] != "ok":
        raise RunIncomplete(_why_incomplete(report))


def _models(cfg: RunConfig) -> list[str]:
    """Every model the run may send a request to, in config order."""
    m = cfg.math
    roles = [cfg.problems.writer, cfg.problems.test_writer, cfg.solver]
    roles += [m.well_posed, m.rederive, m.program_check]  # judges may be another provider's
    return [model for role in roles if role is not None for model in role.models]


def _require_credentials(cfg: RunConfig) -> None:
    """Stop before the first request when a provider would refuse it for want of a key: a
    missing key otherwise surfaces as one dropped request after another."""
    from verigen.llm import missing_credentials

    if missing := missing_credentials(cfg.llm, _models(cfg)):
        raise ConfigError(missing)


def _why_incomplete(report: dict[str, Any]) -> str:
    """The one line a run that stopped early, or lost requests, ends with (even ``--quiet``)."""
    where = (
        f"{report['dataset_rows']} verified rows in {report['dataset_dir']}; "
        f"details in {Path(report['run_dir']) / 'report.md'}"
    )
    if report["stop_reason"]:
        return f"the run stopped early ({report['stop_reason']}); {where}"
    failures = sorted(report["counts"]["failures"].items(), key=lambda kv: -kv[1])
    dropped = ", ".join(f"{what} x{n}" for what, n in failures[:3])
    return f"some work was dropped ({dropped}); {where}"


def stats(
    path: Annotated[
        Path, typer.Argument(help="A run directory, or a datasets directory (export or verify).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """The funnel and distributions of a run (from its journal) or of a dataset."""
    from verigen.stats import stats as collect

    data = collect(path)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    if data["kind"] == "run":
        title = f"{path} ({data['status']})"
        console.print(_pairs(title, _flatten(data["counts"])))
        for kind, table in data["yield"].items():
            console.print(_yield_table(kind, table))
        return
    funnel = data.get("curation", {}).get("funnel", [])
    if funnel:
        rows = [(s["stage"], f"{s['samples']} samples, {s['problems']} problems") for s in funnel]
        console.print(_pairs(f"{path}: curation funnel", rows))
    for split, info in data["splits"].items():
        console.print(_distribution_table(f"{path} [{split}]: {info['rows']} rows", info))


def _pairs(title: str, rows: list[tuple[str, Any]]) -> Table:
    table = Table(title=escape(title), show_header=False, title_justify="left")
    for key, value in rows:
        table.add_row(str(key), str(value))
    return table


def _distribution_table(title: str, info: dict[str, Any]) -> Table:
    """One table for a split: value counts of the categorical columns, then histograms."""
    table = Table("column", "value", "rows", "share", title=escape(title), title_justify="left")
    total = info["rows"]
    for column, counts in info["counts"].items():
        for k, (value, n) in enumerate(counts.items()):
            table.add_row(column if k == 0 else "", value, str(n), f"{n / total:.0%}")
        table.add_section()
    for column, hist in info["histograms"].items():
        table.add_row(column, f"mean {hist['mean']:g}", str(hist["n"]), "")
        for b in hist["bins"]:
            table.add_row("", f"{b['from']:g} – {b['to']:g}", str(b["count"]), "")
        table.add_section()
    return table


def _yield_table(kind: str, rows: dict[str, dict[str, int]]) -> Table:
    table = Table(kind, "attempts", "accepted", "yield", title=f"yield per {kind}")
    table.title_justify = "left"
    for name, row in rows.items():
        share = row["accepted"] / row["attempts"] if row["attempts"] else 0.0
        table.add_row(name, str(row["attempts"]), str(row["accepted"]), f"{share:.0%}")
    return table


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append((prefix + key, value))
    return rows


def doctor(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Also check this config's endpoint.")
    ] = None,
) -> None:
    """Check what verigen needs: Python, sandbox backends, Docker, the LLM endpoint, disk."""
    checks: list[tuple[str, bool, str]] = []
    checks.append(("python", sys.version_info >= (3, 11), platform.python_version()))
    checks.extend(_sandbox_checks())
    if config is not None:
        cfg = load_config(config)
        checks.append(_endpoint_check(cfg))
        checks.append(_credentials_check(cfg))
        disk_path = cfg.run_dir if cfg.run_dir.exists() else Path.cwd()
    else:
        disk_path = Path.cwd()
    free_gb = shutil.disk_usage(disk_path).free / 2**30
    checks.append(("disk", free_gb > 1.0, f"{free_gb:.1f} GiB free at {disk_path}"))
    table = Table("check", "ok", "detail", title="verigen doctor", title_justify="left")
    for name, ok, detail in checks:
        table.add_row(name, "[green]yes[/]" if ok else "[red]no[/]", detail)
    Console().print(table)
    sandboxes = [ok for name, ok, _ in checks if name in ("sandbox:docker", "sandbox:bwrap")]
    others = [ok for name, ok, _ in checks if not name.startswith("sandbox:")]
    if not all(others) or not any(sandboxes):
        raise typer.Exit(1)


def _sandbox_checks() -> list[tuple[str, bool, str]]:
    """The sandbox's own checks (a real docker ping, a real bwrap run); see ``sandbox doctor``."""
    from verigen.sandbox.doctor import checks

    return [(f"sandbox:{c.name}", c.ok, c.detail) for c in checks()]


def _endpoint_check(cfg: RunConfig) -> tuple[str, bool, str]:
    base = cfg.llm.api_base
    if base is None:
        what = f"local model {cfg.llm.local_model}" if cfg.llm.local_model else "provider default"
        return ("llm endpoint", True, f"{what} (started per run / not probed)")
    url = base.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return ("llm endpoint", True, f"{url} answered {resp.status}")
    except urllib.error.HTTPError as exc:
        return ("llm endpoint", exc.code in (401, 403), f"{url} answered {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return ("llm endpoint", False, f"{url} unreachable: {exc}")


def _credentials_check(cfg: RunConfig) -> tuple[str, bool, str]:
    from verigen.llm import missing_credentials

    missing = missing_credentials(cfg.llm, _models(cfg))
    return ("llm credentials", missing is None, missing or "every model has what it needs")
