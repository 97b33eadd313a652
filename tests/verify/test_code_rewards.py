"""``CodeReward`` in the TRL GRPO shape, against the real sandbox."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tests.backends import require
from verigen.verify.code import CodeOptions, load_humaneval, wrong_variant
from verigen.verify.rewards import CodeReward, code_of, compute_score

TESTS = json.dumps([{"args": [2], "expected": 4}, {"args": [3], "expected": 9}])


def test_code_of_takes_the_last_fenced_block() -> None:
    text = "try\n```python\ndef f(x): return 0\n```\nbetter:\n```py\ndef f(x): return x*x\n```"
    assert code_of(text) == "def f(x): return x*x\n"
    assert code_of("def f(x):\n    return x\n") is not None
    assert code_of("no code here, sorry!") is None


def test_reward_is_picklable_before_use() -> None:
    reward = CodeReward(on_infra_error="none")
    clone = pickle.loads(pickle.dumps(reward))
    assert clone.on_infra_error == "none" and clone._verifier is None


@pytest.mark.slow
def test_rewards_per_row_and_none_for_other_domains() -> None:
    require("bwrap")
    reward = CodeReward(
        CodeOptions(backend="bwrap", mutants=0, differential=False, min_tests=1), workers=2
    )
    try:
        got = reward(
            ["p"] * 4,
            [
                "```python\ndef sq(x):\n    return x * x\n```",
                [{"role": "assistant", "content": "```python\ndef sq(x):\n    return x + x\n```"}],
                "I cannot solve this.",
                "\\boxed{4}",
            ],
            tests=[TESTS, TESTS, TESTS, ""],
            entry_point=["sq", "sq", "sq", ""],
            domain=["code", "code", "code", "math"],
        )
    finally:
        reward.close()
    assert got == [1.0, 0.0, 0.0, None]
    assert reward.infra_errors == 0


@pytest.mark.slow
def test_verl_compute_score_runs_code_rows_in_the_sandbox() -> None:
    require("bwrap")
    right = "Here:\n```python\ndef sq(x):\n    return x * x\n```"
    wrong = "```python\ndef sq(x):\n    return x + x\n```"
    info = {"entry_point": "sq"}
    assert compute_score("verigen/code", right, TESTS, info) == 1.0
    assert compute_score("verigen/code", wrong, TESTS, info) == 0.0
    assert compute_score("verigen/code", "no code at all", TESTS, info) == 0.0


@pytest.mark.slow
def test_humaneval_completions_score_one_and_their_wrong_variants_zero() -> None:
    require("bwrap")
    problems = load_humaneval()
    completions = [f"```python\n{p.solution}\n```" for p in problems]
    completions += [f"```python\n{wrong_variant(p.solution, p.entry_point)}\n```" for p in problems]
    reward = CodeReward(
        CodeOptions(backend="bwrap", mutants=0, differential=False, min_tests=1), workers=2
    )
    try:
        got = reward(
            [p.prompt for p in problems] * 2,
            completions,
            tests=[p.test for p in problems] * 2,
            entry_point=[p.entry_point for p in problems] * 2,
        )
    finally:
        reward.close()
    assert got == [1.0] * len(problems) + [0.0] * len(problems)


NO_SANDBOX = """
import json, sys
from verigen.errors import InfraError
from verigen.verify.rewards import CodeReward
args = (["p"], ["```python\\ndef sq(x):\\n    return x * x\\n```"])
columns = {"tests": [sys.argv[1]], "entry_point": ["sq"]}
flagged = CodeReward(on_infra_error="none")
print(json.dumps([flagged(*args, **columns), flagged.infra_errors]))
try:
    CodeReward()(*args, **columns)
except InfraError as exc:
    print("raised:", exc)
"""


def test_no_sandbox_is_raised_or_flagged_never_scored_zero(tmp_path: Path) -> None:
    """A machine where no sandbox works (no bwrap on PATH, no Docker engine): the default
    raises ``InfraError``, ``on_infra_error="none"`` gives ``None`` and counts it."""
    env = {**os.environ, "PATH": str(tmp_path), "DOCKER_HOST": f"unix://{tmp_path}/no.sock"}
    done = subprocess.run(
        [sys.executable, "-c", NO_SANDBOX, TESTS],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    flagged, raised = done.stdout.strip().splitlines()
    assert json.loads(flagged) == [[None], 1]
    assert raised.startswith("raised:") and "bubblewrap" in raised
