"""``verigen verify --domain math``: rows of (solution, answer) in, verdict columns out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verigen import schema

ROWS = [
    {"id": "a", "solution": "So the sum is $\\boxed{\\frac{1}{2}}$.", "answer": "0.5"},
    {"id": "b", "solution": "The final answer is 7.", "answer": "8"},
    {"id": "c", "solution": "I am not sure.", "answer": "3"},
    {"id": "d", "solution": "Answer: $x \\in (1, 2]$", "answer": "(1,2]"},
    {"id": "e", "solution": "\\boxed{[1, 2]}", "answer": "(1,2]"},
]


def _verify(
    tmp_path: Path, *extra: str, rows: list[dict[str, str]] = ROWS
) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return subprocess.run(
        [sys.executable, "-m", "verigen", "verify", str(source), "--domain", "math", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_math_rows_get_verdicts_and_a_summary(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    done = _verify(
        tmp_path, "--out", str(out), "--rows-per-part", "2", "--summary-json", str(summary)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import datasets

    written = datasets.load_from_disk(str(out))
    assert written["id"] == ["a", "b", "c", "d", "e"]
    assert written["verified"] == [True, False, False, True, False]
    assert written["reason"][2] == "no_answer"
    counts = json.loads(summary.read_text())
    assert (counts["rows"], counts["verified"], counts["rejected"]) == (5, 2, 3)
    assert counts["resumed_rows"] == 0
    assert not (tmp_path / ".out.parts").exists()
    stats = subprocess.run(
        [sys.executable, "-m", "verigen", "stats", str(out), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stats.returncode == 0, stats.stderr[-2000:]
    columns = json.loads(stats.stdout)["splits"]["train"]["counts"]
    assert columns["verified"] == {"False": 3, "True": 2}
    assert columns["reason"]["no_answer"] == 1


def test_fifty_wrong_answers_then_a_right_one_have_the_code_verdict_columns(
    tmp_path: Path,
) -> None:
    """One schema for code and math: the same columns and types, the test columns null."""
    wrong = [{"id": f"w{i}", "solution": f"\\boxed{{{i + 1}}}", "answer": "0"} for i in range(50)]
    right = {"id": "r", "solution": "so $\\boxed{\\frac{2}{4}}$", "answer": "0.5"}
    out = tmp_path / "out"
    done = _verify(tmp_path, "--out", str(out), "--rows-per-part", "30", rows=[*wrong, right])
    assert done.returncode == 0, done.stderr[-2000:]
    import datasets

    written = datasets.load_from_disk(str(out))
    assert {n: written.features[n] for n in schema.VERDICT} == schema.features(schema.VERDICT)
    assert written["verified"] == [False] * 50 + [True]
    assert written["outcome"][-1] == "accepted" and written["reason"][0] == "not_equivalent"
    assert written["tests_total"] == [None] * 51 and written["mutation_score"] == [None] * 51
    assert json.loads(written["verdict_details"][-1])["pred"]


def test_a_missing_column_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = _verify(tmp_path, "--out", str(tmp_path / "out"), "--answer-column", "gold")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "gold" in line and "rows.jsonl" in line


def test_an_empty_dataset_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import datasets

    empty = tmp_path / "empty"
    datasets.Dataset.from_dict({"solution": [], "answer": []}).save_to_disk(
        str(empty), num_shards=1
    )
    done = subprocess.run(
        [sys.executable, "-m", "verigen", "verify", str(empty), "--domain", "math", "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "no rows" in line


def test_a_line_separator_inside_a_json_string_is_not_a_line_break(tmp_path: Path) -> None:
    """JSON allows U+2028, U+2029 and U+0085 raw inside strings; only a newline ends a JSONL
    line (``str.splitlines`` would cut the row in two and refuse it as "not JSON")."""
    source = tmp_path / "rows.jsonl"
    text = "First line\u2028second\u2029third\x85 so $\\boxed{3}$"
    source.write_text(json.dumps({"id": "u", "solution": text, "answer": "3"}, ensure_ascii=False))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "verigen", "verify", str(source), "--domain", "math", "--out", out],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import datasets

    written = datasets.load_from_disk(str(out))
    assert written["solution"] == [text] and written["verified"] == [True]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"gold": "3", "pred": text}, ensure_ascii=False) + "\n")
    checked = subprocess.run(
        [sys.executable, "-m", "verigen", "check-math", "--jsonl", str(pairs)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert json.loads(checked.stdout)["equivalent"] is True
