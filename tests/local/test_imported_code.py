"""Imported code statements without tests, against the real local model: the test writer writes
their tests, the solvers' code is judged against them in the sandbox, and every kept solution
also passes hidden tests the pipeline never saw (issue 13: imported problems get what
synthesized ones get). A few minutes on 2 cores."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from tests.backends import require
from tests.test_generate import _run
from verigen.generate.structured import extract_code
from verigen.verify.code import CodeOptions, CodeVerifier

pytestmark = [pytest.mark.model, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
CONFIG = """\
run_dir: {run_dir}
seed: 0
llm: {{local_model: qwen2.5-coder-0.5b, max_concurrency: 2, timeout_s: 300}}
problems:
  domain: code
  source: {{path: {path}}}
  test_writer: {{models: [openai/qwen2.5-coder-0.5b], max_tokens: 400}}
  tests_per_problem: 5
solver: {{models: [openai/qwen2.5-coder-0.5b], samples: 2, temperature: 0.7, max_tokens: 300}}
code: {{backend: bwrap, workers: 2, min_tests: 3}}
"""
PROBLEMS = {
    "sum_list": (
        "Return the sum of the integers in the list numbers (0 for an empty list).",
        "def sum_list(numbers: list[int]) -> int:",
        [([[1, 2, 3]], 6), ([[]], 0), ([[-5, 5, 10]], 10), ([[7]], 7)],
    ),
    "reverse_string": (
        "Return the string s reversed.",
        "def reverse_string(s: str) -> str:",
        [(["abc"], "cba"), ([""], ""), (["racecar"], "racecar"), (["ab cd"], "dc ba")],
    ),
    "max_of_three": (
        "Return the largest of the three integers a, b and c.",
        "def max_of_three(a: int, b: int, c: int) -> int:",
        [([1, 2, 3], 3), ([3, 2, 1], 3), ([-1, -5, -3], -1), ([4, 4, 2], 4)],
    ),
    "is_even": (
        "Return True when the integer n is even, and False otherwise.",
        "def is_even(n: int) -> bool:",
        [([2], True), ([7], False), ([0], True), ([-3], False)],
    ),
}


def test_imported_statements_without_tests_yield_solutions_that_pass_hidden_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("model")
    require("bwrap")
    monkeypatch.chdir(REPO)
    source = tmp_path / "statements.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": name, "statement": text, "entry_point": name, "signature": sig})
            + "\n"
            for name, (text, sig, _) in PROBLEMS.items()
        )
    )
    config = tmp_path / "import.yaml"
    config.write_text(CONFIG.format(run_dir=tmp_path / "run", path=source))
    done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr
    counts = json.loads((tmp_path / "r.json").read_text())["counts"]
    assert counts["problems"] == len(PROBLEMS)
    assert counts["verdicts"].get("infra_error", 0) == 0, counts
    rows = datasets.load_from_disk(str(tmp_path / "run" / "dataset")).to_list()
    assert rows, f"no imported statement yielded a verified solution: {counts}"
    assert all(json.loads(r["verdict_details"])["tests_total"] >= 3 for r in rows)
    hidden = {text: (name, cases) for name, (text, _, cases) in PROBLEMS.items()}
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=0), workers=2) as verifier:
        for row in rows:
            name, cases = hidden[row["problem"]]
            tests = [{"args": args, "expected": expected} for args, expected in cases]
            code = extract_code(row["solution"], name)
            (verdict,) = verifier.verify([code], tests, entry_point=name, trusted_suite=True)
            assert verdict.accepted, (name, code, verdict.reason)
