"""``verigen check-math``: compare one pair, or every line of a JSONL file, from the shell.

Exit codes for a single pair: 0 equivalent, 1 not equivalent, 2 error (bad usage, or the
checker itself failed). In ``--jsonl`` mode one JSON object per input line is printed, in
input order, and the exit code is 0 once every line has a result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from verigen.errors import InputError
from verigen.records import MathDetails, Outcome, Verdict
from verigen.verify.math import MathOptions, MathVerifier


def register(app: typer.Typer) -> None:
    """Add the ``check-math`` command to the root app."""
    app.command("check-math")(check_math)


def check_math(
    gold: Annotated[str | None, typer.Argument(help="Reference answer or solution text.")] = None,
    pred: Annotated[str | None, typer.Argument(help="Answer or solution text to judge.")] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option("--jsonl", help="File of JSON lines with 'gold' and 'pred' fields."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 2,
    audit: Annotated[
        bool,
        typer.Option("--audit", help="Also run math-verify on each pair and report disagreements."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full verdict as JSON.")
    ] = False,
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=0.1, max=600, help="Seconds per check.")
    ] = 2.0,
) -> None:
    """Decide whether PRED's final answer equals GOLD's (symbolically, never hanging)."""
    options = MathOptions(timeout_s=timeout_s)
    if jsonl is not None:
        if gold is not None or pred is not None:
            raise InputError("give either GOLD PRED or --jsonl FILE, not both")
        _check_file(jsonl, options, workers, audit)
        return
    if gold is None or pred is None:
        raise InputError("check-math needs GOLD and PRED (or --jsonl FILE)")
    with MathVerifier(options, workers=1) as verifier:
        verdict = verifier.check(gold, pred)
    if as_json:
        typer.echo(verdict.model_dump_json())
    else:
        typer.echo(f"{verdict.outcome.value}: {verdict.reason}")
    raise typer.Exit(_exit_code(verdict))


def _exit_code(verdict: Verdict) -> int:
    if verdict.outcome is Outcome.INFRA_ERROR:
        return 2
    return 0 if verdict.accepted else 1


def _read_pairs(path: Path) -> Iterator[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # not at U+2028 inside a string
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            yield str(row["gold"]), str(row["pred"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number}: expected a JSON object with 'gold' and 'pred' ({exc})"
            ) from exc


def _check_file(path: Path, options: MathOptions, workers: int, audit: bool) -> None:
    pairs = list(_read_pairs(path))
    with MathVerifier(options, workers=workers) as verifier:
        verdicts = verifier.check_many(pairs)
    rows: list[dict[str, Any]] = [_row(v) for v in verdicts]
    if audit:
        _add_audit(rows, pairs, workers, options.timeout_s)
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))


def _row(verdict: Verdict) -> dict[str, Any]:
    math = MathDetails.of(verdict)
    return {
        "equivalent": verdict.accepted,
        "reason": verdict.reason,
        "outcome": verdict.outcome.value,
        "gold_answer": math.gold,
        "pred_answer": math.pred,
    }


def _add_audit(
    rows: list[dict[str, Any]], pairs: list[tuple[str, str]], workers: int, timeout_s: float
) -> None:
    """Run math-verify on the same pairs (its own killable pool) and mark disagreements."""
    from verigen.verify.math.audit import math_verify_equal, require_math_verify, warm_math_verify
    from verigen.verify.math.worker import WorkerPool

    require_math_verify()
    pool = WorkerPool(workers, warm=warm_math_verify)
    try:
        futures = [pool.submit(math_verify_equal, (g, p), max(timeout_s, 10.0)) for g, p in pairs]
        disagreements = 0
        for row, future in zip(rows, futures, strict=True):
            try:
                theirs: bool | None = bool(future.result())
            except Exception:  # their timeout or crash: no opinion, reported as null
                theirs = None
            row["math_verify"] = theirs
            row["agree"] = theirs is None or theirs == row["equivalent"]
            disagreements += not row["agree"]
    finally:
        pool.close()
    print(f"audit: {disagreements} of {len(rows)} pairs disagree with math-verify", file=sys.stderr)
