"""Code calibration in a run, end to end: ``verigen generate`` synthesizes code problems
against the scripted server, with two calibration problems from a user's file mixed in.

The scripted test writer writes easy tests for both, and the scripted solvers write, for one,
a right solution and, for the other, one that passes those tests but fails two of the hidden
ones: the run's verification keeps both, and only the hidden tests tell them apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pytest

from tests.backends import require
from tests.fakellm import FakeLLM, code_responder, last_user
from tests.test_calibration_code import FIRST, RIGHT_SHOUT, SHOUT, WRONG_FIRST
from tests.test_calibration_run import _accepted_by_statement, _all_text, _generate
from tests.test_generate_code import CONFIG, REPO

CALIBRATION = "calibration: {{share: 0.5, source: {source}}}\n"
"""Both problems of a 2-problem file in a run of 4 problems of its own."""
WRITTEN_TESTS = {  # what the test writer writes: ordinary cases, no leading whitespace
    SHOUT["statement"]: [{"args": [w], "expected": w.upper() + "!"} for w in ("hi", "abc", "Yo")],
    FIRST["statement"]: [
        {"args": [text], "expected": text.split()[0]} for text in ("hello world", "one", "a  b")
    ],
}
SOLUTIONS = {SHOUT["statement"]: RIGHT_SHOUT, FIRST["statement"]: WRONG_FIRST}
REWRITTEN = {  # the second model's programs: the same behaviour, written another way
    SHOUT["statement"]: "def shout(word: str) -> str:\n    return f'{word.upper()}!'\n",
    FIRST["statement"]: "def first_word(text: str) -> str:\n    words = text.split(' ')\n"
    "    return words[0]\n",
}
HIDDEN_WORDS = ("quokka", "axolotl", "okapi", "tapir", "narwhal", "tusk", "pangolin")
"""Every word of the hidden tests' arguments and expected values, none in a statement."""


def scripted(body: dict[str, Any]) -> str:
    """The calibration problems' scripted replies; the run's own problems as ``code_responder``
    answers them."""
    text = last_user(body)
    statement = next((s for s in SOLUTIONS if s in text), None)
    if statement is None:
        return code_responder(body)
    if "test cases" in text:
        return "```json\n" + json.dumps({"tests": WRITTEN_TESTS[statement]}) + "\n```"
    programs = REWRITTEN if body["model"] == "coder-b" else SOLUTIONS
    return f"```python\n{programs[statement]}```"


@pytest.mark.slow
def test_a_code_run_measures_precision_on_hidden_tests_and_exports_no_calibration_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("bwrap")
    monkeypatch.chdir(REPO)
    source = tmp_path / "hidden.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in (SHOUT, FIRST)))
    config = tmp_path / "code.yaml"
    with FakeLLM(responder=scripted) as server:
        run = CONFIG.format(
            run_dir=tmp_path / "run", api_base=server.api_base, topics="strings, arrays"
        )
        config.write_text(run + CALIBRATION.format(source=source))
        report = _generate(config, tmp_path / "r.json")
        requests = list(server.state.requests)
    run_dir = tmp_path / "run"

    sent = json.dumps(requests).lower()
    assert not [w for w in HIDDEN_WORDS if w in sent], "a hidden test reached a model"
    for statement in SOLUTIONS:
        writers = [b["model"] for b in requests if statement in last_user(b)]
        assert writers.count("tester") == 1, "the test writer writes its tests, once"
    accepted = _accepted_by_statement(run_dir)
    assert accepted == {SHOUT["statement"]: 4, FIRST["statement"]: 4}, "kept, both of them"

    policy = report["precision"]
    kept = {row["problem"] for row in datasets.load_from_disk(str(run_dir / "dataset"))}
    assert policy["policy"] == "strict" and policy["problems"] == {"judged": 4, "kept": len(kept)}
    assert [s["step"] for s in policy["steps"]] == ["agreement", "crash_check", "dispute_check"]
    calibration = policy["calibration"]
    assert calibration["problems"] == 2 and calibration["kept"] == 8
    assert (calibration["correct"], calibration["unchecked"]) == (4, 0)
    assert calibration["precision"] == pytest.approx(0.5) and calibration["problems_correct"] == 1
    assert calibration["source"] == [str(source)]
    (wrong,) = calibration["wrong"]
    assert wrong["statement"] == FIRST["statement"]
    assert wrong["hidden_tests"] == 4 and wrong["kept"] == {"failed 2": 4}
    low, high = calibration["interval"]
    shown = f"**Precision 50.0%** (95% Wilson interval {low:.1%}–{high:.1%})"
    assert shown in (run_dir / "report.md").read_text()

    statements = [str(SHOUT["statement"]), str(FIRST["statement"])]
    exported = run_dir / "export" / "rl"
    card = (exported / "README.md").read_text()
    assert shown in card and "2 problems with hidden tests" in card
    assert "## Precision policy: strict" in card and "| dispute_check |" in card
    assert not any(s in _all_text(exported) for s in statements)
    dataset = _all_text(run_dir / "dataset")
    assert report["dataset_rows"] > 0 and not any(s in dataset for s in statements)
    counts = report["counts"]
    assert counts["problems"] == 4 and counts["attempts"] == 16, "the run's own problems only"
    assert counts["verdicts"]["accepted"] == report["dataset_rows"]
    generated, verified = report["exports"]["funnel"][:2]
    assert (generated["samples"], generated["problems"]) == (16, 4)
    assert verified["samples"] == report["dataset_rows"]
