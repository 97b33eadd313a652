"""Time limits scaled from an anchor's measured runtime (EvalPlus, BigCodeBench).

A fixed limit confuses slow-but-correct code with a hang when it is tight, and lets every hang
cost the whole budget when it is loose. Measured against a solution known (or agreed) to be right,
per test: ``max(floor, factor × the anchor's slowest passing test)``, never above ``timeout_s``.

Mutants get a lower floor (``MUTANT_FLOOR_S``): the floor protects a correct solution from a
loaded machine, but a mutant's timeout can only count it killed, and a mutant that loops forever
(a flipped loop condition) would otherwise cost the whole floor — most of mutation testing's
time on HumanEval.
"""

from __future__ import annotations

from dataclasses import replace

from verigen.verify.code.execute import Run
from verigen.verify.code.options import CodeOptions


def per_test_limit(anchor: Run, options: CodeOptions) -> float:
    """The per-call limit for solutions judged against ``anchor``'s runtimes."""
    times = [t.time_s for t in anchor.outcomes.values() if t.outcome == "passed"]
    scaled = options.time_factor * max(times, default=0.0)
    return min(options.timeout_s, max(options.time_floor_s, scaled))


MUTANT_FLOOR_S = 0.25
"""Lowest per-call limit for a mutant: still 100× a typical test's call."""


def mutant_call_limit(anchor: Run, options: CodeOptions) -> float:
    """The per-call limit for mutants of ``anchor``: its scaled runtimes, floored lower."""
    floored = replace(options, time_floor_s=min(options.time_floor_s, MUTANT_FLOOR_S))
    return per_test_limit(anchor, floored)


def job_limit(anchor: Run, options: CodeOptions) -> float:
    """The wall limit of a whole run of the suite, from the anchor's whole run (harness start
    included, so the floor is doubled to cover it on a busy machine)."""
    scaled = options.time_factor * anchor.wall_s
    return min(options.timeout_s, max(2 * options.time_floor_s, scaled))
