"""Live progress for a run: a bar per stage and a line of throughput, tokens and spend.

The pipeline only calls ``Display`` methods; whether anything is drawn is decided here, so
``--quiet`` and non-terminal output (CI logs) cost nothing in the pipeline's code.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from verigen.llm import Spend

STAGES = ("proposed", "solved", "verified", "accepted")


class Display:
    """Draws nothing: the base for ``--quiet`` and for library use."""

    def start(self, totals: dict[str, int]) -> None:
        """Stage totals are upper bounds: duplicates and unparseable replies end slots early."""

    def advance(self, stage: str, n: int = 1) -> None:
        pass

    def reject(self, reason: str) -> None:
        pass

    def refresh(self, spend: Spend) -> None:
        pass

    def stop(self) -> None:
        pass


class RichDisplay(Display):
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description:>9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._tasks: dict[str, Any] = {}
        self._totals: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._reasons: Counter[str] = Counter()
        self._line = Text("")
        self._live = Live(
            Group(self._progress, self._line),
            console=self.console,
            refresh_per_second=4,
            transient=False,
        )
        self._started = time.monotonic()

    def start(self, totals: dict[str, int]) -> None:
        self._totals = totals
        for stage in STAGES:
            self._tasks[stage] = self._progress.add_task(stage, total=totals.get(stage))
        self._live.start()

    def advance(self, stage: str, n: int = 1) -> None:
        self._done[stage] += n
        self._progress.advance(self._tasks[stage], n)

    def reject(self, reason: str) -> None:
        self._reasons[reason] += 1

    def refresh(self, spend: Spend) -> None:
        """Throughput, spend with its projection, ETA and the top rejection reasons."""
        elapsed = max(time.monotonic() - self._started, 1e-6)
        total = self._totals.get("verified") or 0
        frac = self._done["verified"] / total if total else 0.0
        cost = f"${spend.cost_usd:.4f}"
        if frac > 0:
            cost += f" (projected ${spend.cost_usd / frac:.4f})"
        if spend.unknown_cost_calls:
            cost += f" +{spend.unknown_cost_calls} calls of unknown cost"
        eta = f"{elapsed * (1 - frac) / frac:.0f}s" if 0 < frac < 1 else "-"
        tokens = spend.prompt_tokens + spend.completion_tokens
        reasons = ", ".join(f"{r} {n}" for r, n in self._reasons.most_common(4)) or "none yet"
        self._line.plain = (
            f"requests {spend.calls} ({spend.calls / elapsed:.1f}/s), cached {spend.cached}, "
            f"retries {spend.retries} | tokens {tokens / elapsed:,.0f}/s | cost {cost} | "
            f"ETA {eta}\nrejected: {reasons}"
        )

    def stop(self) -> None:
        self._live.stop()


def summary_table(report: dict[str, Any]) -> Table:
    """The end-of-run table: the funnel, why samples were rejected, and what it cost."""
    table = Table(title=f"verigen run: {report['status']}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    counts = report["counts"]
    table.add_row("problems", str(counts["problems"]))
    table.add_row("attempts", str(counts["attempts"]))
    for outcome, n in sorted(counts["verdicts"].items()):
        table.add_row(f"  {outcome}", str(n))
    for reason, n in counts["rejection_reasons"].items():
        table.add_row(f"    {reason}", str(n))
    for what, n in counts["failures"].items():
        table.add_row(f"dropped {what}", str(n))
    table.add_row("dataset rows", str(report["dataset_rows"]))
    table.add_row("llm calls", f"{counts['llm_calls']} ({report['spend']['cached']} cached now)")
    table.add_row("tokens in/out", f"{counts['prompt_tokens']:,} / {counts['completion_tokens']:,}")
    unknown = counts["calls_unknown_cost"]
    table.add_row(
        "cost", f"${counts['cost_usd']:.4f}" + (f" + {unknown} unknown" if unknown else "")
    )
    if report.get("stop_reason"):
        table.add_row("stopped because", report["stop_reason"])
    table.add_row("output", str(report["dataset_dir"]))
    return table
