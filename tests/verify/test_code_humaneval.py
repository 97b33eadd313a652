"""HumanEval through the code verifier, on every backend: all 164 canonical solutions verified at
the default ``min_tests``, the mutator's wrong variant of each rejected, and ``verigen verify``
counting the same.

``min_tests`` counts checks (asserts executed), so a loop of 100 random cases is 100 checks; the
three checks that hold one or two asserts pass because a benchmark's own suite is trusted
(``HumanEvalProblem.task`` says so). The ``verigen verify`` run cannot say it yet (no column
for it), so it keeps ``--min-tests 1``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.backends import BACKENDS, require
from tests.verify.cli_runs import verify_argv, write_jsonl
from verigen.verify.code import (
    CodeOptions,
    CodeVerifier,
    humaneval_rows,
    load_humaneval,
    wrong_variant,
)

pytestmark = pytest.mark.slow
EVALUATES = "HumanEval/160"


def test_loader_gives_164_problems_with_a_wrong_variant_each() -> None:
    problems = load_humaneval()
    assert len(problems) == 164
    assert all(wrong_variant(p.solution, p.entry_point) for p in problems)


@pytest.mark.parametrize("backend", BACKENDS)
def test_canonical_verified_and_wrong_variants_rejected(backend: str) -> None:
    require(backend)
    problems = load_humaneval()
    options = CodeOptions(backend=backend)  # type: ignore[arg-type]
    assert options.min_tests == 3
    with CodeVerifier(options, workers=2) as cv:
        right = cv.verify_many([p.task() for p in problems])
        wrong = cv.verify_many([p.task(wrong_variant(p.solution, p.entry_point)) for p in problems])
    not_verified = {
        p.task_id: v[0] for p, v in zip(problems, right, strict=True) if not v[0].accepted
    }
    # do_algebra evaluates its input with ``eval``: a program that can reach any name is no
    # measure of its suite (``introspect.py``), so that suite's strength stays unmeasured
    assert {k: v.reason for k, v in not_verified.items()} == {EVALUATES: "weak_tests"}
    assert not_verified[EVALUATES].details["mutation"]["refused"] == {"0": "`eval` at line 30"}
    slipped = [
        p.task_id
        for p, v in zip(problems, wrong, strict=True)
        if v[0].reason in ("accepted", "sandbox_error")
    ]
    assert not slipped


def test_loops_count_every_assert_they_execute() -> None:
    """Not trusted, the six suites once rejected for their size: the three loops of 100 random
    cases now count 100 checks and pass; the suites of one or two asserts are still too few."""
    require("bwrap")
    few = {"HumanEval/29", "HumanEval/34", "HumanEval/35"}
    loops = {"HumanEval/32", "HumanEval/38", "HumanEval/50"}
    problems = [p for p in load_humaneval() if p.task_id in few | loops]
    options = CodeOptions(backend="bwrap", mutants=0, differential=False)
    with CodeVerifier(options, workers=2) as cv:
        verdicts = cv.verify_many([{**p.task(), "trusted_suite": False} for p in problems])
    got = {p.task_id: v[0] for p, v in zip(problems, verdicts, strict=True)}
    assert {i for i, v in got.items() if v.reason == "too_few_trusted_tests"} == few
    assert all(got[i].accepted and got[i].details["checks_passed"] == 100 for i in loops)
    assert got["HumanEval/34"].details["tests_total"] == 1  # known without running it


def test_cli_summary_counts_match(tmp_path: Path) -> None:
    require("bwrap")
    source = write_jsonl(tmp_path / "humaneval.jsonl", humaneval_rows())
    summary = tmp_path / "summary.json"
    done = subprocess.run(
        verify_argv(source, tmp_path / "out", summary, "bwrap", "--mutants", "2"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    counts = json.loads(summary.read_text())
    assert (counts["rows"], counts["verified"], counts["rejected"], counts["infra_error"]) == (
        328,
        163,
        165,
        0,
    )
    import datasets

    out = datasets.load_from_disk(str(tmp_path / "out"))
    assert out.column_names[:4] == ["id", "solution", "tests", "entry_point"]
    verified = dict(zip(out["id"], out["verified"], strict=True))
    assert all(not verified[f"{p.task_id}/wrong"] for p in load_humaneval())
    assert [p.task_id for p in load_humaneval() if not verified[p.task_id]] == [EVALUATES]
