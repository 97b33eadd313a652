"""``verigen check-math`` through typer's CliRunner on a fresh app."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from verigen.cli.math import register
from verigen.errors import InputError

app = typer.Typer()
register(app)
app.command("noop")(lambda: None)  # two commands, so ``check-math`` is addressed by name
runner = CliRunner()


def test_equivalent_exits_zero() -> None:
    result = runner.invoke(app, ["check-math", r"\dfrac{\pi}{2}", "pi/2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("accepted")


def test_not_equivalent_exits_one_and_json_has_parsed_forms() -> None:
    result = runner.invoke(app, ["check-math", "4", r"4\sqrt{2}", "--json"])
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["reason"] == "not_equivalent"
    assert verdict["details"]["pred_parsed"] == "4*sqrt(2)"


def test_missing_pred_is_a_usage_error() -> None:
    result = runner.invoke(app, ["check-math", "1"])
    assert isinstance(result.exception, InputError) and result.exception.exit_code == 2


def test_jsonl_prints_one_object_per_line_in_order(tmp_path: Path) -> None:
    pairs = [("1/2", "0.5"), ("3", r"\boxed{4}"), ("[0,1)", "[0,1]"), ("x^2", "x*x")]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps({"gold": g, "pred": p}) for g, p in pairs) + "\n")
    result = runner.invoke(app, ["check-math", "--jsonl", str(path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["equivalent"] for r in rows] == [True, False, False, True]
    assert all("reason" in r for r in rows)


def test_jsonl_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"gold": "1", "pred": "1"}\n{"gold": "1"}\n')
    result = runner.invoke(app, ["check-math", "--jsonl", str(path)])
    assert isinstance(result.exception, InputError)
    assert "bad.jsonl:2" in str(result.exception)


@pytest.mark.skipif(
    importlib.util.find_spec("math_verify") is None,
    reason="math-verify (audit extra) not installed",
)
def test_audit_reports_disagreements(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows_in = [{"gold": "4", "pred": r"4\sqrt{2}"}, {"gold": "1/2", "pred": "0.5"}]
    path.write_text("\n".join(json.dumps(r) for r in rows_in) + "\n")
    result = runner.invoke(app, ["check-math", "--jsonl", str(path), "--audit"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["agree"] for r in rows] == [False, True]
    assert rows[0]["math_verify"] is True and rows[0]["equivalent"] is False
