"""Time limits scaled from an anchor's measured runtime (EvalPlus, BigCodeBench).

A fixed limit confuses slow-but-correct code with a hang when it is tight, and lets every hang
cost the whole budget when it is loose. Measured against a solution known (or agreed) to be right,
per test: ``max(floor, factor × the anchor's slowest passing test)``, never above ``timeout_s``.
"""

from __future__ import annotations

from verigen.verify.code.execute import Run
from verigen.verify.code.options import CodeOptions


def per_test_limit(anchor: Run, options: CodeOptions) -> float:
    """The per-call limit for solutions judged against ``anchor``'s runtimes."""
    times = [t.time_s for t in anchor.outcomes.values() if t.outcome == "passed"]
    scaled = options.time_factor * max(times, default=0.0)
    return min(options.timeout_s, max(options.time_floor_s, scaled))


def job_limit(anchor: Run, options: CodeOptions) -> float:
    """The wall limit of a whole run of the suite, from the anchor's whole run (harness start
    included, so the floor is doubled to cover it on a busy machine)."""
    scaled = options.time_factor * anchor.wall_s
    return min(options.timeout_s, max(2 * options.time_floor_s, scaled))
