"""``verigen verify``: verify the rows of an existing dataset, as a pipeline step.

INPUT is a JSONL file, a Parquet file or a ``datasets`` directory; OUT is a ``datasets``
directory with every input row plus the verdict columns, code and math alike. Their types come
from ``verigen/schema.py`` and are given to ``datasets`` up front, never guessed from the
first rows: an input whose first rows are all rejected (every ``mutation_score`` null) is written
like any other.
A summary table is printed and, with ``--summary-json``, written as JSON.

Rows are verified in parts, each kept beside OUT (``.OUT.parts/``) as soon as it is done, so an
interrupted or crashed run loses at most the part in flight: rerunning the same command resumes
(``verigen/verify/parts.py``). With ``--executor ray`` INPUT (which may also be a directory or a
glob of Parquet files) is streamed to the cluster as a Ray Dataset, never loaded whole, and each
finished shard of ``--rows-per-part`` rows is written to ``OUT/shards/`` as Parquet, kept beside
the ``datasets`` files; a rerun skips the finished shards (``verigen/executor/ray_rows.py``).

Exit codes: 0 every row judged; 1 the run finished but some rows hit infra errors (their
``verified`` is null, never false: rerun them); 2 bad input (via ``InputError``); 130
interrupted (the finished parts are kept).
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from verigen.errors import InputError, Interrupted
from verigen.schema import TYPES, VERDICT
from verigen.verify.code.datasets import CodeBatchVerifier, Columns
from verigen.verify.code.judge import VERIFIER_VERSION as CODE_VERSION
from verigen.verify.code.options import CodeOptions
from verigen.verify.math.verifier import VERIFIER_VERSION as MATH_VERSION
from verigen.verify.parts import finish, map_in_parts

Domain = Literal["code", "math"]


def register(app: typer.Typer) -> None:
    """Add the ``verify`` command to the root app."""
    app.command("verify")(verify)


def verify(
    input_path: Annotated[Path, typer.Argument(help="JSONL, Parquet or datasets directory.")],
    out: Annotated[Path, typer.Option("--out", help="Output datasets directory.")],
    domain: Annotated[str, typer.Option("--domain", help="code or math.")] = "code",
    solution_column: Annotated[str, typer.Option("--solution-column")] = "solution",
    tests_column: Annotated[str, typer.Option("--tests-column")] = "tests",
    entry_point_column: Annotated[str, typer.Option("--entry-point-column")] = "entry_point",
    io_cases_column: Annotated[str, typer.Option("--io-cases-column")] = "io_cases",
    reference_column: Annotated[str, typer.Option("--reference-column")] = "reference",
    signature_column: Annotated[str, typer.Option("--signature-column")] = "signature",
    answer_column: Annotated[str, typer.Option("--answer-column", help="math only")] = "answer",
    workers: Annotated[int, typer.Option("--workers", min=1, max=256)] = 2,
    backend: Annotated[str, typer.Option("--backend", help="auto, docker or bwrap")] = "auto",
    timeout_s: Annotated[float, typer.Option("--timeout", min=0.1, max=600)] = 10.0,
    memory_mb: Annotated[int, typer.Option("--memory", min=32)] = 512,
    min_tests: Annotated[int, typer.Option("--min-tests", min=1)] = 3,
    mutants: Annotated[int, typer.Option("--mutants", min=0, help="0: no mutation")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Hypothesis seed")] = 0,
    summary_json: Annotated[Path | None, typer.Option("--summary-json")] = None,
    rows_per_part: Annotated[
        int, typer.Option("--rows-per-part", min=1, help="rows verified between two saves")
    ] = 1000,
    trusted_suite: Annotated[
        bool,
        typer.Option(
            "--trusted-suite", help="the tests are a benchmark's own suite: one check suffices"
        ),
    ] = False,
    executor: Annotated[
        str, typer.Option("--executor", help="local, or ray (a node actor per Ray node)")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="ray: auto, HOST:PORT, or none for a local Ray"),
    ] = None,
) -> None:
    """Verify every row of INPUT and write it, with verdict columns, to OUT."""
    if domain not in ("code", "math"):
        raise InputError(f"--domain must be code or math, not {domain!r}")
    if backend not in ("auto", "docker", "bwrap"):
        raise InputError(f"--backend must be auto, docker or bwrap, not {backend!r}")
    if executor not in ("local", "ray"):
        raise InputError(f"--executor must be local or ray, not {executor!r}")
    needed = [solution_column] if domain == "code" else [solution_column, answer_column]
    either = (tests_column, io_cases_column) if domain == "code" else None
    if domain == "code":
        options = CodeOptions(
            backend=backend,  # type: ignore[arg-type]  # checked against the literals above
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            min_tests=min_tests,
            mutants=mutants,
            seed=seed,
        )
        columns = Columns(
            solution=solution_column,
            tests=tests_column,
            entry_point=entry_point_column,
            io_cases=io_cases_column,
            reference=reference_column,
            signature=signature_column,
        )
        make: Any = functools.partial(
            CodeBatchVerifier, options, columns=columns, trusted_suite=trusted_suite
        )
        settings: dict[str, Any] = {
            "verifier": CODE_VERSION,
            "options": {k: v for k, v in asdict(options).items() if k != "backend"},
            "columns": asdict(columns),
            "trusted_suite": trusted_suite,
        }
    else:
        from verigen.verify.rewards import MathBatchVerifier

        make = functools.partial(
            MathBatchVerifier, None, completion_column=solution_column, answer_column=answer_column
        )
        settings = {"verifier": MATH_VERSION, "columns": [solution_column, answer_column]}
    settings["schema"] = {name: TYPES[name] for name in VERDICT}  # parts of another layout: redo
    if executor == "ray":
        data = _checked(_ray_input(input_path), input_path, needed, either)
        _verify_on_ray(data, make, settings, out, ray_address, domain, rows_per_part, summary_json)
    fn = make(workers)
    fn.start()  # the sandboxes start while the input is read
    parts_dir = out.with_name(f".{out.name}.parts")
    try:
        data = _checked(_load(input_path), input_path, needed, either)
        started = time.perf_counter()
        # a whole part per call: its rows keep every worker busy (a smaller batch waits on its
        # slowest row while the other workers idle)
        result = map_in_parts(
            data,
            fn,
            parts_dir=parts_dir,
            settings=json.dumps(settings, sort_keys=True),
            rows_per_part=rows_per_part,
            batch_size=rows_per_part,
            incomplete=lambda part: "infra_error" in part["outcome"],
        )
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the finished parts are kept in {parts_dir}; rerun the same command "
            "to resume"
        ) from None
    finally:
        fn.close()
    elapsed = time.perf_counter() - started
    finish(result, out, parts_dir)
    summary = _summary(result.dataset, elapsed) | {"resumed_rows": result.resumed_rows}
    _print(summary)
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    raise typer.Exit(1 if summary["infra_error"] else 0)


def _checked(data: Any, path: Path, needed: list[str], either: tuple[str, str] | None) -> Any:
    """``data``, when it has rows and every column the verifier reads; else the one-line error.
    ``either``: of these two, one is enough (stdin/stdout rows need no tests)."""
    if len(data) == 0:
        raise InputError(f"{path}: no rows to verify")
    names = data.column_names
    missing = [c for c in needed if c not in names]
    if either is not None and not any(c in names for c in either):
        missing.append(f"{either[0]} or {either[1]}")
    if missing:
        raise InputError(f"{path}: no column {missing} (has {names})")
    return data


def _ray_input(path: Path) -> Any:
    """INPUT checked and cut into pieces for Ray Data, never loaded whole (``executor.inputs``);
    the same one-line errors as ``_load``."""
    from verigen.executor.inputs import open_input

    return open_input(path)


def _verify_on_ray(
    source: Any,
    make: Any,
    settings: dict[str, Any],
    out: Path,
    address: str | None,
    domain: str,
    rows_per_shard: int,
    summary_json: Path | None,
) -> None:
    """The batch verifier built on every Ray node, the rows streamed to them shard by shard,
    each finished shard written to ``OUT/shards`` (``executor.ray_rows``); exits like the
    local path."""
    from verigen.executor import verify_rows
    from verigen.records import Domain

    columns = settings["columns"]  # what the verifier reads: all that travels to the nodes
    started = time.perf_counter()
    bar = Progress(
        TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True),
    )  # fmt: skip
    rows = bar.add_task("rows", total=len(source))
    try:
        with bar:
            result = verify_rows(
                source,
                make,
                settings=json.dumps(settings, sort_keys=True),
                out=out,
                address=address,
                domain=Domain(domain),
                rows_per_shard=rows_per_shard,
                send=list(columns.values() if isinstance(columns, dict) else columns),
                progress=lambda done: bar.advance(rows, done),
            )
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: the finished shards are kept in {out / 'shards'}; rerun the same "
            "command to resume"
        ) from None
    tally = result.tally
    summary = _counted(tally.outcomes, tally.reasons, tally.rows, time.perf_counter() - started)
    summary["resumed_rows"] = result.resumed_rows
    _print(summary)
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    raise typer.Exit(1 if summary["infra_error"] else 0)


def _load(path: Path) -> Any:
    """INPUT as a ``datasets.Dataset``, checked by ``executor.inputs`` (the reader the Ray path
    streams), so both paths take the same inputs with the same one-line errors. A ``datasets``
    directory and a Parquet file load memory-mapped through ``datasets``; JSONL and Parquet
    directories or globs are read through the same pieces the Ray path reads."""
    import datasets

    from verigen.executor.inputs import open_input

    source = open_input(path)
    if path.is_dir() and (path / "state.json").is_file():
        return datasets.load_from_disk(str(path))
    if path.is_file() and path.suffix == ".parquet":
        try:
            return datasets.Dataset.from_parquet(str(path))
        except Exception as exc:  # pyarrow and datasets raise many kinds for a bad file
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    return datasets.Dataset(source.table())


def _summary(result: Any, elapsed: float) -> dict[str, Any]:
    return _counted(Counter(result["outcome"]), Counter(result["reason"]), len(result), elapsed)


def _counted(
    outcomes: Counter[str], reasons: Counter[str], rows: int, elapsed: float
) -> dict[str, Any]:
    return {
        "rows": rows,
        "verified": outcomes.get("accepted", 0),
        "rejected": outcomes.get("rejected", 0),
        "infra_error": outcomes.get("infra_error", 0),
        "reasons": dict(sorted(reasons.items())),
        "seconds": round(elapsed, 3),
        "samples_per_s": round(rows / elapsed, 3) if elapsed > 0 else None,
    }


def _print(summary: dict[str, Any]) -> None:
    table = Table(title="verigen verify")
    table.add_column("")
    table.add_column("rows", justify="right")
    for key in ("rows", "resumed_rows", "verified", "rejected", "infra_error"):
        table.add_row(key, str(summary[key]))
    for reason, count in summary["reasons"].items():
        table.add_row(f"  reason: {reason}", str(count))
    table.add_row("samples/s", str(summary["samples_per_s"]))
    Console().print(table)
