"""The math precision policy end to end: ``verigen generate`` on imported problems without
answers, against a real HTTP server whose scripted judges and solvers make each policy step
fire once. Every step must remove what it should and keep what agrees; ``off`` keeps what a
plain vote keeps and sends no judge a request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from tests.fakellm import FakeLLM, last_user
from tests.test_generate import _rows, _run
from verigen.records import Outcome, Verdict
from verigen.verify.code import policy as code_policy
from verigen.verify.math import policy as math_policy
from verigen.verify.math.policy import (
    apply_check,
    rederivation_result,
    require_models,
    well_posed_result,
)
from verigen.verify.steps import removed_by_step

PROBLEMS = {
    "kept": "Sam has 12 marbles and finds 5 more. How many marbles does Sam have?",
    "ill_posed": "Tom is twice as old as his sister. How old is Tom?",
    "rederive": "Ann has 20 apples and buys 30 more. How many apples does Ann have?",
    "program": "A crate holds 8 pears and another holds 9 pears. How many pears in all?",
    "one_model": "Bo picks 6 plums, then 7 more. How many plums did Bo pick?",
    "undecided": "A cart has 3 melons and 4 more are added. How many melons are there?",
}
"""What the scripted models do with each: every solver agrees on the first number plus the
second (42 without numbers), except solver-b on plums (each sample its own wrong answer);
the judges call Tom's statement ill-posed and cannot be read on melons; the re-derivation
finds another answer for apples; the program for pears prints one more than the vote."""


def responder(body: dict[str, Any]) -> str:
    text = last_user(body)
    if "Can this problem be answered" in text:
        if "melons" in text:
            return "Hmm, that depends on how you read it."
        return json.dumps({"missing": "none", "well_posed": "twice as old" not in text})
    numbers = [int(n) for n in re.findall(r"\d+", text.split("Student's")[0])]
    truth = sum(numbers[:2]) if numbers else 42
    if "Student's final answer" in text:
        found = truth + 1 if "apples" in text else truth
        return f"Substituting back into the conditions gives {found}.\n\\boxed{{{found}}}"
    if "program prints the final answer" in text:
        return f"```python\nprint({truth + 1 if 'pears' in text else truth})\n```"
    if "plums" in text and body["model"] == "solver-b":
        return f"So the answer is \\boxed{{{truth + 1 + body['seed'] % 9973}}}."
    return f"Adding up, the answer is \\boxed{{{truth}}}."


CONFIG = """\
name: policy
run_dir: {run_dir}
seed: 3
precision: {precision}
llm: {{api_base: "{api_base}", max_concurrency: 4, backoff_base_s: 0.01, timeout_s: 10}}
problems:
  domain: math
  source: {{path: {source}}}
  reasks: 1
solver: {{models: [openai/solver-a, openai/solver-b], samples: 2, max_tokens: 128}}
math: {{workers: 2, min_share: 0.5{math}}}
code: {{backend: bwrap}}
export: {{formats: [rl], decontaminate: []}}
"""


def _generate(tmp_path: Path, precision: str, math: str = "") -> tuple[dict[str, Any], list[str]]:
    source = tmp_path / "problems.jsonl"
    source.write_text("".join(json.dumps({"statement": s}) + "\n" for s in PROBLEMS.values()))
    with FakeLLM(responder=responder) as server:
        config = tmp_path / "run.yaml"
        config.write_text(
            CONFIG.format(
                run_dir=tmp_path / "run", precision=precision, api_base=server.api_base,
                source=source, math=math,
            )
        )  # fmt: skip
        done = _run("generate", "-c", config, "-q", "--report-json", tmp_path / "r.json")
        prompts = [last_user(b) for b in server.state.requests]
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "r.json").read_text()), prompts


def _kept(tmp_path: Path) -> dict[str, int]:
    """Kept rows per problem name."""
    names = {statement: name for name, statement in PROBLEMS.items()}
    kept: dict[str, int] = {}
    for row in _rows(tmp_path / "run"):
        kept[names[row["problem"]]] = kept.get(names[row["problem"]], 0) + 1
    return kept


def _steps(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {s["step"]: (s["rejected"], s["undecided"]) for s in report["precision"]["steps"]}


@pytest.mark.slow
def test_strict_removes_what_each_step_refutes_and_keeps_what_agrees(tmp_path: Path) -> None:
    require("bwrap")
    report, _ = _generate(tmp_path, "strict")
    assert _kept(tmp_path) == {"kept": 4}
    reasons, infra = report["counts"]["rejection_reasons"], report["counts"]["infra_reasons"]
    for reason in ("ill_posed", "rederivation_disagrees", "program_disagrees", "too_few_models"):
        assert reasons.get(reason, 0) > 0, reason
    assert infra == {"well_posed_undecided": 4}, "an unreadable judge keeps nothing"
    assert report["precision"]["policy"] == "strict"
    assert report["precision"]["problems"] == {"judged": 6, "kept": 1}
    assert _steps(report) == {
        "vote": (0, 0),
        "min_models": (1, 0),
        "well_posed": (1, 1),
        "rederive": (1, 0),
        "program_check": (1, 0),
    }
    card = (tmp_path / "run" / "export" / "rl" / "README.md").read_text()
    md = (tmp_path / "run" / "report.md").read_text()
    for text in (card, md):
        assert "## Precision policy: strict" in text
        assert (
            "| well_posed | openai/solver-a, openai/solver-b (undecided keeps nothing) | 1 | 1 |"
            in text
        )


@pytest.mark.slow
def test_balanced_has_no_program_check_no_model_rule_and_lets_undecided_through(
    tmp_path: Path,
) -> None:
    report, prompts = _generate(tmp_path, "balanced")
    kept = _kept(tmp_path)
    assert set(kept) == {"kept", "program", "one_model", "undecided"}
    assert kept["one_model"] == 2, "solver-a's two samples, solver-b's disagree"
    assert not any("program prints" in p for p in prompts)
    assert _steps(report)["well_posed"] == (1, 0) and _steps(report)["rederive"] == (1, 0)


@pytest.mark.slow
def test_off_is_a_plain_vote_that_sends_no_judge_a_request(tmp_path: Path) -> None:
    report, prompts = _generate(tmp_path, "off")
    assert set(_kept(tmp_path)) == set(PROBLEMS), "every majority is kept, ill-posed included"
    asked = [p for p in prompts if "be answered" in p or "Student's" in p or "program" in p]
    assert not asked
    assert report["precision"]["policy"] == "off"
    assert set(_steps(report).values()) == {(0, 0)}


# --- the judging rules, on real verdicts --------------------------------------------------


def _verdict(outcome: Outcome, reason: str = "majority") -> Verdict:
    return Verdict(outcome=outcome, reason=reason, verifier="math", verifier_version="1")


ACCEPTED, REJECTED = _verdict(Outcome.ACCEPTED), _verdict(Outcome.REJECTED, "no_majority")


def test_a_majority_of_one_model_is_too_few_models() -> None:
    verdicts = [ACCEPTED, ACCEPTED, _verdict(Outcome.REJECTED, "disagrees_with_majority")]
    alone = require_models(verdicts, ["a", "a", "b"], 2)
    assert [v.reason for v in alone] == ["too_few_models"] * 2 + ["disagrees_with_majority"]
    assert alone[0].details["models_agreeing"] == 1
    both = require_models(verdicts, ["a", "b", "b"], 2)
    assert [v.outcome for v in both] == [v.outcome for v in verdicts]


@pytest.mark.parametrize(
    ("judgements", "outcome", "reason"),
    [
        ([True, True], Outcome.ACCEPTED, "well_posed"),
        ([True, False], Outcome.REJECTED, "ill_posed"),
        ([None, False], Outcome.REJECTED, "ill_posed"),
        ([True, None], Outcome.INFRA_ERROR, "well_posed_undecided"),
        ([], Outcome.INFRA_ERROR, "well_posed_undecided"),
    ],
)
def test_well_posed_needs_every_judge(
    judgements: list[bool | None], outcome: Outcome, reason: str
) -> None:
    result = well_posed_result(judgements)
    assert (result.outcome, result.reason) == (outcome, reason)


def test_a_rederivation_confirms_only_with_the_same_answer() -> None:
    same, other = ACCEPTED, _verdict(Outcome.REJECTED, "not_equivalent")
    no_box = _verdict(Outcome.REJECTED, "no_answer")
    assert rederivation_result([same]).outcome is Outcome.ACCEPTED
    assert rederivation_result([same, other]).reason == "rederivation_disagrees"
    for undecided in ([no_box], [None], [same, _verdict(Outcome.INFRA_ERROR, "timeout")]):
        assert rederivation_result(undecided).reason == "rederivation_undecided"


def test_an_undecided_check_blocks_only_when_failing_closed() -> None:
    undecided = well_posed_result([None])
    closed = apply_check([ACCEPTED, REJECTED], "well_posed", undecided, fail_closed=True)
    assert [v.outcome for v in closed] == [Outcome.INFRA_ERROR, Outcome.REJECTED]
    assert closed[0].reason == "well_posed_undecided" and closed[1].reason == "no_majority"
    opened = apply_check([ACCEPTED], "well_posed", undecided, fail_closed=False)
    assert opened[0].accepted and opened[0].details["well_posed"] == "well_posed_undecided"
    refuted = apply_check([ACCEPTED], "well_posed", well_posed_result([False]), False)
    assert refuted[0].reason == "ill_posed" and refuted[0].outcome is Outcome.REJECTED


def test_each_removed_problem_is_charged_to_the_last_step_that_acted() -> None:
    minority = _verdict(Outcome.REJECTED, "disagrees_with_majority")
    problems = [
        [ACCEPTED, minority],
        [REJECTED, REJECTED],
        [_verdict(Outcome.REJECTED, "no_answer")],
        [_verdict(Outcome.REJECTED, "ill_posed"), minority],
        [_verdict(Outcome.INFRA_ERROR, "rederivation_undecided")],
        [_verdict(Outcome.REJECTED, "program_disagrees")],
    ]
    counts = removed_by_step(problems, math_policy.POLICY_STEPS, "vote")
    assert counts["problems"] == {"judged": 6, "kept": 1}
    assert counts["vote"] == {"rejected": 2, "undecided": 0}
    assert counts["well_posed"] == {"rejected": 1, "undecided": 0}
    assert counts["rederive"] == {"rejected": 0, "undecided": 1}
    assert counts["program_check"] == {"rejected": 1, "undecided": 0}


def test_a_code_problem_no_policy_step_acted_on_is_charged_to_none() -> None:
    """Code: a problem whose solutions all failed their tests was not removed by the policy
    (math charges it to the vote, which every answer passes first)."""
    problems = [
        [_verdict(Outcome.REJECTED, "tests_failed")] * 2,
        [_verdict(Outcome.REJECTED, "unresolved_disagreement")] * 3,
        [_verdict(Outcome.REJECTED, "unresolved_disagreement"), _verdict(Outcome.REJECTED,
         "raises_on_covered_input")],
        [_verdict(Outcome.INFRA_ERROR, "dispute_check_undecided"), ACCEPTED],
        [_verdict(Outcome.REJECTED, "disagrees_with_statement")],
    ]  # fmt: skip
    counts = removed_by_step(problems, code_policy.POLICY_STEPS, None)
    assert counts["problems"] == {"judged": 5, "kept": 1}
    assert counts["agreement"] == counts["crash_check"] == {"rejected": 1, "undecided": 0}
    assert counts["dispute_check"] == {"rejected": 1, "undecided": 0}
