"""The whole job against the real local model: generate → verify in the sandbox → keep.

One small code run (the riskier domain: JSON problems, tests, code extraction, sandbox) with
the 0.5B model served by llama.cpp for the run's duration. Takes a minute or two on 2 cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from tests.backends import require
from tests.test_generate import _run

pytestmark = [pytest.mark.model, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
CONFIG = """\
run_dir: {run_dir}
llm: {{local_model: qwen2.5-coder-0.5b, max_concurrency: 2, timeout_s: 300}}
problems:
  domain: code
  taxonomy: problems/code.yaml
  topics: [strings]
  per_topic: 2
  writer: {{models: [openai/qwen2.5-coder-0.5b], temperature: 0.8, max_tokens: 300}}
  tests_per_problem: 4
solver: {{models: [openai/qwen2.5-coder-0.5b], samples: 2, temperature: 0.7, max_tokens: 300}}
code: {{backend: bwrap, workers: 2, min_tests: 3}}
"""


def test_a_small_code_run_against_the_local_model_writes_a_consistent_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("model")
    require("bwrap")
    monkeypatch.chdir(REPO)
    config = tmp_path / "demo.yaml"
    config.write_text(CONFIG.format(run_dir=tmp_path / "run"))
    done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    counts = report["counts"]
    assert counts["problems"] >= 1, f"the writer produced no usable problem: {counts}"
    assert counts["attempts"] == 2 * counts["problems"]
    assert sum(counts["verdicts"].values()) == counts["attempts"]
    assert counts["verdicts"].get("infra_error", 0) == 0
    rows = datasets.load_from_disk(str(tmp_path / "run" / "dataset"))
    assert len(rows) == counts["verdicts"].get("accepted", 0) == report["dataset_rows"]
    assert set(report["yield"]["model"]) == {"openai/qwen2.5-coder-0.5b"}
