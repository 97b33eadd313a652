"""Calibration's parts: the config section, the bank and a user's file, how many problems and
where they go in the stream, the interval, and how the card states the measurement."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bench.precision import code_bank
from verigen.config import load_config
from verigen.curate import calibration
from verigen.curate.calibration import (
    BANKS,
    calibration_count,
    interleave,
    load_bank,
    pick,
    wilson,
)
from verigen.errors import ConfigError, InputError
from verigen.export.card import precision_section
from verigen.records import CallCase, CaseTests, Domain, read_tests_column
from verigen.verify.math import MathOptions, MathVerifier

SYNTHESIZED = """\
run_dir: {run_dir}
problems:
  domain: {domain}
  topics: [addition]
  writer: {{models: [openai/fake]}}
solver: {{models: [openai/fake]}}
"""


def _config(tmp_path: Path, extra: str = "", domain: str = "math") -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(SYNTHESIZED.format(run_dir=tmp_path / "r", domain=domain) + extra)
    return path


def test_on_by_default_for_synthesized_runs_only(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path)).calibration.share == 0.05
    assert load_config(_config(tmp_path, domain="code")).calibration.share == 0.05
    imported = tmp_path / "in.jsonl"
    imported.write_text('{"statement": "What is 1 + 1?"}\n')
    config = _config(tmp_path)
    text = config.read_text().replace(
        "[addition]\n", f"[addition]\n  source: {{path: {imported}}}\n"
    )
    config.write_text(text)
    assert load_config(config).calibration.share == 0, "an import may carry its own answers"
    config.write_text(config.read_text() + "calibration: {share: 0.1}\n")
    assert load_config(config).calibration.share == 0.1, "but may be calibrated on request"
    off = load_config(_config(tmp_path, "calibration: {share: 0}\n"))
    assert off.calibration.share == 0


@pytest.mark.parametrize(
    ("extra", "domain", "pattern"),
    [
        ("calibration: {share: 0.9}\n", "math", r"c\.yaml:7: calibration\.share: .*0\.5"),
        ("calibration: {sahre: 0.1}\n", "math", r"c\.yaml:7: calibration\.sahre: Extra"),
    ],
)
def test_bad_calibration_settings_are_one_line(
    tmp_path: Path, extra: str, domain: str, pattern: str
) -> None:
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(_config(tmp_path, extra, domain))
    assert "\n" not in str(info.value)


def test_code_calibration_needs_a_model_to_write_its_tests(tmp_path: Path) -> None:
    imported = tmp_path / "in.jsonl"
    imported.write_text('{"statement": "Return 1.", "entry_point": "one"}\n')
    config = tmp_path / "c.yaml"
    head = f"run_dir: {tmp_path / 'r'}\nproblems:\n  domain: code\n"
    tail = f"  source: {{path: {imported}}}\nsolver: {{models: [openai/fake]}}\n"
    config.write_text(head + tail)
    assert load_config(config).calibration.share == 0, "an import may carry its own tests"
    config.write_text(head + tail + "calibration: {share: 0.1}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:6: calibration: .*problems\.test_writer"):
        load_config(config)
    config.write_text(
        head + "  test_writer: {models: [openai/t]}\n" + tail + "calibration: {share: 0.1}\n"
    )
    assert load_config(config).calibration.share == 0.1


def test_the_shipped_bank_is_distinct_answerless_problems_the_checker_can_read() -> None:
    bank = load_bank(None)
    assert bank == load_bank(BANKS / "math.jsonl") and len(bank) >= 150
    assert len({k.problem.id for k in bank}) == len(bank)
    assert all(k.problem.reference_answer is None for k in bank), "the pipeline never sees it"
    assert len({k.problem.topic for k in bank}) == 10
    with MathVerifier(MathOptions(), workers=2) as checker:
        verdicts = checker.check_many((k.answer, k.answer) for k in bank)
    assert [k.answer for k, v in zip(bank, verdicts, strict=True) if not v.accepted] == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"statement": "What is 2 + 2?"', "not valid JSON"),
        ('["What is 2 + 2?", "4"]', "expected a JSON object, got list"),
        ('{"statement": "What is 2 + 2?"}', 'needs a non-empty string "answer"'),
        ('{"statement": " ", "answer": "4"}', 'needs a non-empty string "statement"'),
    ],
)
def test_a_malformed_line_names_the_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "known.jsonl"
    path.write_text(json.dumps({"statement": "What is 1 + 1?", "answer": 2}) + "\n\n" + line)
    with pytest.raises(InputError) as info:
        load_bank(path)
    assert str(info.value).startswith(f"{path}:3: ") and message in str(info.value)
    assert "\n" not in str(info.value)


def test_the_shipped_code_bank_is_distinct_test_less_problems_with_hidden_call_cases() -> None:
    bank = load_bank(None, Domain.CODE)
    assert len(bank) >= 30 and len({k.problem.id for k in bank}) == len(bank)
    assert len({k.problem.entry_point for k in bank}) == len(bank)
    for known in bank:
        problem = known.problem
        assert problem.domain is Domain.CODE and problem.tests is None, "never seen by the run"
        assert problem.signature and problem.signature.startswith(f"def {problem.entry_point}(")
        hidden = read_tests_column(known.answer)
        assert isinstance(hidden, CaseTests) and 8 <= len(hidden.cases) <= 15, problem.id
        assert all(isinstance(case, CallCase) for case in hidden.cases)
        origin = problem.provenance.imported_from or ""
        assert re.fullmatch(rf"{re.escape(str(BANKS / 'code.jsonl'))}#code\d\d", origin)


def test_the_code_bank_shares_no_problem_with_the_precision_bench() -> None:
    bench = code_bank()
    ours = load_bank(None, Domain.CODE)
    assert not {i.entry_point for i in bench} & {k.problem.entry_point for k in ours}
    assert not {i.statement for i in bench} & {k.problem.statement for k in ours}


def test_a_code_line_becomes_a_test_less_problem_and_its_hidden_tests(tmp_path: Path) -> None:
    path = tmp_path / "hidden.jsonl"
    cases = [{"args": [2], "expected": 3}, {"args": [], "kwargs": {"x": -1}, "expected": 0}]
    row = {"id": "h1", "statement": "Return x plus 1.", "entry_point": "inc", "tests": cases}
    path.write_text(json.dumps(row) + "\n")
    (known,) = load_bank(path, Domain.CODE, round_=2)
    problem = known.problem
    assert problem.statement == row["statement"] and problem.entry_point == "inc"
    assert problem.signature is None, "optional: the statement names the function"
    assert problem.tests is None and problem.reference_answer is None
    assert problem.provenance.imported_from == f"{path}#h1" and problem.provenance.round == 2
    assert read_tests_column(known.answer) == CaseTests(
        cases=(CallCase(args=[2], expected=3), CallCase(kwargs={"x": -1}, expected=0))
    )


_CODE_ROW = {"statement": "Return 1.", "entry_point": "one", "tests": [{"args": [], "expected": 1}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entry_point": None}, 'needs a non-empty string "entry_point"'),
        ({"statement": ""}, 'needs a non-empty string "statement"'),
        ({"tests": None}, 'needs "tests": a non-empty list of call cases'),
        ({"tests": []}, 'needs "tests": a non-empty list of call cases'),
        ({"tests": '[{"args": [], "expected": 1}]'}, 'needs "tests": a non-empty list'),
        ({"tests": [{"args": []}]}, "tests[0] is not a call case"),
        ({"tests": [{"args": [], "expected": 1}, {"input": "1", "output": "1"}]}, "tests[1]"),
        ({"tests": [{"args": 1, "expected": 1}]}, "tests[0] is not a call case"),
        ({"signature": 3}, '"signature" must be a string'),
    ],
)
def test_a_malformed_code_line_names_the_file_and_line(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "hidden.jsonl"
    bad = {k: v for k, v in ({**_CODE_ROW, **change}).items() if v is not None}
    path.write_text(json.dumps({**_CODE_ROW, "statement": "Return 2."}) + "\n" + json.dumps(bad))
    with pytest.raises(InputError) as info:
        load_bank(path, Domain.CODE)
    assert str(info.value).startswith(f"{path}:2: ") and message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_or_empty_file_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_bank(tmp_path / "nope.jsonl")
    monkeypatch.setattr(calibration, "BANKS", tmp_path / "gone")
    with pytest.raises(InputError, match=r"bank is missing .*calibration\.share to 0"):
        load_bank(None)
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InputError, match="no calibration problems"):
        load_bank(tmp_path / "empty.jsonl")


@pytest.mark.parametrize(
    ("problems", "share", "available", "count"),
    [(12, 0.05, 188, 1), (100, 0.05, 188, 5), (1000, 0.05, 188, 53), (10_000, 0.05, 188, 188),
     (12, 0.0, 188, 0), (0, 0.05, 188, 0), (6, 0.5, 4, 4)],
)  # fmt: skip
def test_how_many_calibration_problems(
    problems: int, share: float, available: int, count: int
) -> None:
    assert calibration_count(problems, share, available) == count


def test_picks_and_positions_are_seeded_and_keep_every_item() -> None:
    bank = load_bank(None)
    assert pick(bank, 5, seed=1) == pick(bank, 5, seed=1) != pick(bank, 5, seed=2)
    items = list(range(20))
    mixed = list(interleave(items, ["a", "b", "c"], 20, seed=1))
    assert mixed == list(interleave(items, ["a", "b", "c"], 20, seed=1))
    assert [x for x in mixed if isinstance(x, int)] == items
    assert [x for x in mixed if isinstance(x, str)] == ["a", "b", "c"]
    short = list(interleave([0, 1], ["a", "b", "c"], 20, seed=1))  # fewer items than expected
    assert sorted(map(str, short)) == ["0", "1", "a", "b", "c"]


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),  # reference values: Newcombe (1998), Table I; n = 0: no data
    [(0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (5, 10, 0.2366, 0.7634),
     (81, 263, 0.2553, 0.3662), (0, 0, 0.0, 1.0)],
)  # fmt: skip
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    assert wilson(k, n) == pytest.approx((low, high), abs=1e-4)


def _precision(calibration: dict[str, object]) -> dict[str, object]:
    return {"policy": "strict", "problems": {"judged": 3, "kept": 1}, "steps": [],
            "calibration": calibration}  # fmt: skip


def test_the_card_states_precision_interval_policy_and_limits() -> None:
    measured = {
        "source": ["bank"],
        "problems": 4,
        "kept": 6,
        "correct": 5,
        "unchecked": 1,
        "precision": 5 / 6,
        "interval": [0.4365, 0.9699],
        "problems_correct": 3,
    }
    text = precision_section(_precision(measured))
    assert "**Precision 83.3%** (95% Wilson interval 43.6%–97.0%)" in text
    assert "(1 could not be checked)" in text and "3 of 4" in text and "(strict)" in text
    assert "wide interval" in text
    nothing = {**measured, "kept": 0, "correct": 0, "unchecked": 0, "precision": None}
    nothing |= {"interval": [0.0, 1.0], "problems_correct": 0}
    assert "precision unknown (95% interval 0%–100%)" in precision_section(_precision(nothing))
    assert "Measured precision" not in precision_section(_precision({}))


def test_the_card_states_a_code_run_s_precision_and_its_hidden_tests_limit() -> None:
    measured = {"source": ["bank"], "problems": 2, "kept": 8, "correct": 4, "unchecked": 0,
                "precision": 0.5, "interval": [0.2152, 0.7848], "problems_correct": 1}  # fmt: skip
    text = precision_section({"domain": "code", "calibration": measured})
    assert text.startswith("## Precision\n") and "Precision policy" not in text
    assert "2 problems with hidden tests (bank)" in text and "without their tests" in text
    assert "**Precision 50.0%** (95% Wilson interval 21.5%–78.5%)" in text and "1 of 2" in text
    assert "only as thorough as the bank's" in text and "wide interval" in text
    assert "only as thorough" not in precision_section(_precision(measured)), "math has answers"
    with_policy = {"domain": "code", "policy": "strict", "problems": {"judged": 3, "kept": 2},
                   "steps": [], "calibration": measured | {"problems": 1}}  # fmt: skip
    text = precision_section(with_policy)
    assert "## Precision policy: strict" in text and "Problems without a reference solution" in text
    assert "1 problem with hidden tests" in text and "by the same policy (strict)" in text
    assert "only as thorough as the bank's" in text


def test_wilson_interval_is_inside_zero_one_and_around_the_rate() -> None:
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 500)
        k = rng.randint(0, n)
        lo, hi = wilson(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
