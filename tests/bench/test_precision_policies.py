"""The precision bench's policies become configs verigen accepts, each as its file says."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.precision import load_policy, run_config
from verigen.config import RunConfig


def test_the_judge_policy_gives_the_code_checks_to_the_judge_model_and_needs_one(
    tmp_path: Path,
) -> None:
    """``policies/judge.yaml`` hands the crash and dispute checks to the ``--judge`` model, so
    a run measures a stronger judge over a weak solver's samples. Without ``--judge`` the
    bench refuses it rather than run a judge-less policy under the judge policy's name."""
    args = ("code-none", load_policy("judge"), ["openai/small"], "http://h/v1", tmp_path,
            tmp_path / "p.jsonl", None)  # fmt: skip
    config = RunConfig.model_validate(run_config(*args, "openai/big"))
    for role in (config.code.crash_check, config.code.dispute_check):
        assert role is not None and (role.models, role.temperature) == (["openai/big"], 0.0)
    assert config.solver is not None and config.solver.models == ["openai/small"]
    with pytest.raises(SystemExit, match="--judge"):
        run_config(*args)


@pytest.mark.parametrize("name", ["default", "strict", "balanced", "off"])
def test_the_solver_judges_under_every_other_policy(tmp_path: Path, name: str) -> None:
    args = ("code-none", load_policy(name), ["openai/small"], "http://h/v1", tmp_path,
            tmp_path / "p.jsonl", None)  # fmt: skip
    config = RunConfig.model_validate(run_config(*args))
    roles = [config.code.crash_check, config.code.dispute_check]
    if name == "off":
        assert roles == [None, None]
    else:
        assert all(r is not None and r.models == ["openai/small"] for r in roles)
