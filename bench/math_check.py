"""Benchmark: verigen's math verifier against Math-Verify: false accepts, false rejects, speed.

Run as ``.venv/bin/python bench/math_check.py [--workers N] [--cases PATH] [--repeats 3]``.
First the commands as users run them: ``verigen check-math --jsonl FILE --workers N`` against a
Math-Verify script doing the same (``parse``/``verify`` on each line, its own defaults, a pool of
N processes), over every calm case below, whole processes timed, cold (first run) and warm
(median), in the same run. Then three tables: the shared conformance cases; verigen's own
adversarial tables (``tests/verify/cases/math_*.jsonl``, one per class of attack, where the
goal is zero false accepts and at least 98% right); hostile inputs, where the goal is a bounded
worst case. Both checkers run in the same kind of killable pool with the same number of worker
processes, warmed up before the clock starts; latency is measured inside the worker (so
queueing does not count), throughput is cases over wall time. Each table runs ``--repeats``
times: verdicts are from the first run, speed is the median run (min/median/max of the
throughput shown). verigen uses one default ``MathOptions``; Math-Verify gets each
conformance case's upstream harness ``config`` (its best setting) and its defaults elsewhere.
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0] == __file__.rpartition("/")[0]:
    del sys.path[0]  # bench/ holds scripts named like modules (sandbox.py): never import them

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verigen.verify.math import MathOptions
from verigen.verify.math.audit import (
    INSTALL_HINT,
    math_verify_equal,
    require_math_verify,
    warm_math_verify,
)
from verigen.verify.math.judge import judge_texts, warm_up
from verigen.verify.math.worker import WorkerPool

DEFAULT_CASES = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "conformance"
    / "math_verify_cases.jsonl"
)
TABLES = Path(__file__).resolve().parents[1] / "tests" / "verify" / "cases"
HOSTILE = [
    ("1", r"10^{5^{5^{5^5}}}"),
    ("1", "5^5^5^5^5"),
    ("1", r"$9^{9^{9^{9}}}$"),
    ("1", "$" + "{" * 200 + "1" + "}" * 200 + "$"),
    ("1", "9" * 100_000),
    ("1", r"$\def\a{\a\a}\a$"),
    ("1", r"$\sum_{k=1}^{10^{9}} k^{k}$"),
    ("1", r"$1000000!$"),
]
VERIGEN_LIMIT_S = MathOptions().timeout_s
"""verigen's default per-check kill limit, exactly as ``MathVerifier`` applies it."""
LIMIT_S = 30.0
"""Outer kill limit for Math-Verify, whose own SIGALRM limits are 5 s per parse and verify."""


@dataclass
class Run:
    name: str
    results: list[bool | None]
    latencies: list[float]
    wall_s: float
    spread: str = ""
    """Throughput min/median/max over repeated runs ("" for a single run)."""


def timed_verigen(gold: str, pred: str, _config: dict[str, Any]) -> tuple[bool, float]:
    """Worker task: verigen's judgement with the default options, and its time."""
    start = time.perf_counter()
    equal = judge_texts(gold, pred, MathOptions()).equivalent
    return equal, time.perf_counter() - start


def timed_verigen_as_written(gold: str, pred: str, config: dict[str, Any]) -> tuple[bool, float]:
    """Worker task: verigen in the mode the case was written for: upstream's two strictness
    switches mapped to verigen's (``match_types: [latex]`` reads no answer outside LaTeX;
    ``allow_set_relation_comp`` takes a relation for a gold interval)."""
    start = time.perf_counter()
    options = MathOptions(
        plain_text_math=config.get("match_types") != ["latex"],
        pred_relation_as_set=bool(config.get("allow_set_relation_comp", False)),
    )
    equal = judge_texts(gold, pred, options).equivalent
    return equal, time.perf_counter() - start


def timed_math_verify(gold: str, pred: str, config: dict[str, Any]) -> tuple[bool, float]:
    """Worker task: Math-Verify's judgement with the case's upstream config, and its time."""
    start = time.perf_counter()
    equal = math_verify_equal(gold, pred, config)
    return equal, time.perf_counter() - start


def run(
    name: str,
    task: Callable[..., tuple[bool, float]],
    warm: Callable[[], None],
    cases: list[tuple[str, str, dict[str, Any]]],
    workers: int,
    limit: float,
) -> Run:
    pool = WorkerPool(workers, warm=warm)
    try:
        for ready in [pool.submit(warm, (), 120.0) for _ in range(workers)]:
            ready.result()
        start = time.perf_counter()
        futures = [pool.submit(task, case, limit) for case in cases]
        results: list[bool | None] = []
        latencies: list[float] = []
        for future in futures:
            try:
                equal, took = future.result()
            except Exception:  # killed at the limit (a rejection), or crashed: full limit charged
                equal, took = None, limit
            results.append(equal)
            latencies.append(took)
        return Run(name, results, latencies, time.perf_counter() - start)
    finally:
        pool.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def repeated(
    name: str,
    task: Callable[..., tuple[bool, float]],
    warm: Callable[[], None],
    cases: list[tuple[str, str, dict[str, Any]]],
    workers: int,
    limit: float,
    repeats: int,
) -> Run:
    """The median-throughput run of ``repeats``; verdicts are the first run's (they are
    deterministic: a differing verdict between runs would be a timeout, reported as such)."""
    runs = [run(name, task, warm, cases, workers, limit) for _ in range(repeats)]
    by_speed = sorted(runs, key=lambda r: r.wall_s)
    median = by_speed[len(by_speed) // 2]
    tputs = [len(cases) / r.wall_s for r in by_speed]
    median.spread = f"{min(tputs):.1f}/{statistics.median(tputs):.1f}/{max(tputs):.1f}"
    median.results = runs[0].results
    return median


def report(runs: list[Run], expected: list[bool] | None) -> None:
    header = (
        f"{'checker':<12} {'accuracy':>9} {'false_acc':>9} {'false_rej':>9} "
        f"{'no_result':>9} {'cases/s min/med/max':>20} {'median_ms':>9} {'p99_ms':>8} "
        f"{'max_ms':>8}"
    )
    print(header)
    stats: dict[str, dict[str, float]] = {}
    for r in runs:
        n = len(r.results)
        right = fa = fr = 0
        if expected is not None:
            fa = sum(got is True and not exp for got, exp in zip(r.results, expected, strict=True))
            fr = sum(got is not True and exp for got, exp in zip(r.results, expected, strict=True))
            right = sum(bool(got) is exp for got, exp in zip(r.results, expected, strict=True))
        s = {
            "acc": right / n,
            "tput": n / r.wall_s,
            "med": statistics.median(r.latencies),
            "p99": _pct(r.latencies, 0.99),
            "max": max(r.latencies),
        }
        stats[r.name] = s
        accuracy = f"{right}/{n}" if expected is not None else "-"
        spread = r.spread or f"{s['tput']:.1f}"
        print(
            f"{r.name:<12} {accuracy:>9} {fa:>9} {fr:>9} "
            f"{sum(x is None for x in r.results):>9} {spread:>20} "
            f"{s['med'] * 1e3:>9.1f} {s['p99'] * 1e3:>8.1f} {s['max'] * 1e3:>8.1f}"
        )
    ours, theirs = stats[runs[0].name], stats[runs[1].name]
    parts = [
        f"throughput {ours['tput'] / theirs['tput']:.2f}x",
        f"median {ours['med'] / theirs['med']:.2f}x",
        f"p99 {ours['p99'] / theirs['p99']:.2f}x",
        f"max {ours['max'] / theirs['max']:.2f}x",
    ]
    if expected is not None:
        parts.insert(0, f"accuracy {ours['acc'] / theirs['acc']:.3f}x")
    print(f"ratio verigen/math-verify: {', '.join(parts)}")


def by_class(rows: list[dict[str, Any]], results: list[bool | None]) -> None:
    """False accepts and false rejects of one checker, per adversarial class."""
    classes = sorted({r["family"] for r in rows})
    print(f"  {'class':<18} {'rows':>5} {'right':>6} {'false_acc':>9} {'false_rej':>9}")
    for name in classes:
        pairs = [(r, got) for r, got in zip(rows, results, strict=True) if r["family"] == name]
        fa = sum(got is True and not r["expected"] for r, got in pairs)
        fr = sum(got is not True and r["expected"] for r, got in pairs)
        print(f"  {name:<18} {len(pairs):>5} {len(pairs) - fa - fr:>6} {fa:>9} {fr:>9}")


ANCHOR_COMMAND = """
import json, sys
from concurrent.futures import ProcessPoolExecutor


def equal(pair):
    from math_verify import parse, verify
    return bool(verify(parse(pair[0]), parse(pair[1])))


rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
with ProcessPoolExecutor(int(sys.argv[2])) as pool:
    pairs = [(r["gold"], r["pred"]) for r in rows]
    for same in pool.map(equal, pairs, chunksize=8):
        print(json.dumps({"equivalent": same}))
"""
"""The anchor as a user would script it: Math-Verify's defaults, one pool, JSON lines out."""


def commands(pairs: list[tuple[str, str]], workers: int, repeats: int) -> None:
    """Whole commands, cold and warm, on the same file: verigen's CLI and the anchor script."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pairs.jsonl"
        path.write_text("".join(json.dumps({"gold": g, "pred": p}) + "\n" for g, p in pairs))
        argv = {
            "verigen check-math": [
                sys.executable, "-m", "verigen", "check-math", "--jsonl", str(path),
                "--workers", str(workers),
            ],
            "math-verify script": [sys.executable, "-c", ANCHOR_COMMAND, str(path), str(workers)],
        }  # fmt: skip
        walls: dict[str, list[float]] = {name: [] for name in argv}
        for _ in range(repeats):
            for name, command in argv.items():
                t0 = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                walls[name].append(time.perf_counter() - t0)
    print(f"commands: {len(pairs)} calm cases, {workers} workers, {repeats} runs, whole processes")
    print(f"  {'command':<20} {'cold s':>7} {'warm s':>7} {'min/max s':>12}")
    for name, times in walls.items():
        print(
            f"  {name:<20} {times[0]:7.2f} {statistics.median(times):7.2f} "
            f"{min(times):5.2f}/{max(times):<6.2f}"
        )
    ours, theirs = (statistics.median(t) for t in walls.values())
    print(f"ratio math-verify/verigen (warm): {theirs / ours:.2f}x faster\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    try:
        require_math_verify()
    except Exception:
        sys.exit(INSTALL_HINT)
    if not args.cases.exists():
        sys.exit(f"conformance cases not found: {args.cases}")
    rows = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines()]
    scored = [r for r in rows if r["scored"]]
    cases = [(r["gold"], r["pred"], r["config"]) for r in scored]
    n = args.repeats
    calm = [(g, p) for g, p, _ in cases] + [(r["gold"], r["pred"]) for r in _table_rows()]
    commands(calm, args.workers, n)
    print(f"conformance: {len(cases)} scored cases, {args.workers} workers each, {n} runs")
    runs = [
        repeated("verigen", timed_verigen, warm_up, cases, args.workers, VERIGEN_LIMIT_S, n),
        repeated(
            "math-verify", timed_math_verify, warm_math_verify, cases, args.workers, LIMIT_S, n
        ),
        run("verigen@case", timed_verigen_as_written, warm_up, cases, args.workers, 30.0),
    ]
    report(runs, [bool(r["expected"]) for r in scored])
    print(
        "(verigen's defaults accept right answers upstream's strict modes refuse: the 9 of"
        " `Answer $\\n 9 \\n$` and `Answer \\(\\n 9 \\n\\)`, and `-2 \\le x \\le 7` for"
        " `x \\in [-2,7]`; verigen@case runs each case in its upstream mode)"
    )
    adversarial(args.workers, n)
    hostile = [(g, p, {"mode": "default"}) for g, p in HOSTILE]
    print(f"\nhostile: {len(hostile)} inputs, all to be rejected (a kill at the limit rejects)")
    hostile_runs = [
        run("verigen", timed_verigen, warm_up, hostile, args.workers, VERIGEN_LIMIT_S),
        run("math-verify", timed_math_verify, warm_math_verify, hostile, args.workers, LIMIT_S),
    ]
    report(hostile_runs, [False] * len(hostile))


def adversarial(workers: int, repeats: int) -> None:
    """verigen's own adversarial tables: the goal is 0 false accepts and >= 98% right."""
    rows = _table_rows()
    cases = [(r["gold"], r["pred"], {"mode": "default"}) for r in rows]
    print(f"\nadversarial tables: {len(cases)} rows in {len({r['family'] for r in rows})} classes")
    runs = [
        repeated("verigen", timed_verigen, warm_up, cases, workers, VERIGEN_LIMIT_S, repeats),
        repeated("math-verify", timed_math_verify, warm_math_verify, cases, workers, LIMIT_S, 1),
    ]
    report(runs, [bool(r["expected"]) for r in rows])
    for r in runs:
        print(f"{r.name} by class:")
        by_class(rows, r.results)


def _table_rows() -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(TABLES.glob("math_*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


if __name__ == "__main__":
    main()
