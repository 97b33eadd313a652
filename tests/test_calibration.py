"""Calibration's parts: the config section, the bank and a user's file, how many problems and
where they go in the stream, the interval, and how the card states the measurement."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from verigen.config import load_config
from verigen.curate import calibration
from verigen.curate.calibration import (
    BANK,
    calibration_count,
    interleave,
    load_bank,
    pick,
    wilson,
)
from verigen.errors import ConfigError, InputError
from verigen.export.card import precision_section
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


def test_on_by_default_for_synthesized_math_only(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path)).calibration.share == 0.05
    assert load_config(_config(tmp_path, domain="code")).calibration.share == 0
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
        ("calibration: {share: 0.1}\n", "code", r"c\.yaml:7: calibration: .*math only"),
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


def test_the_shipped_bank_is_distinct_answerless_problems_the_checker_can_read() -> None:
    bank = load_bank(None)
    assert bank == load_bank(BANK) and len(bank) >= 150
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


def test_a_missing_or_empty_file_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_bank(tmp_path / "nope.jsonl")
    monkeypatch.setattr(calibration, "BANK", tmp_path / "gone.jsonl")
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


def test_wilson_interval_is_inside_zero_one_and_around_the_rate() -> None:
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 500)
        k = rng.randint(0, n)
        lo, hi = wilson(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
