"""How the tests call ``verigen verify`` on HumanEval-style rows, in one place."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def verify_argv(source: Path, out: Path, summary: Path, backend: str, *extra: str) -> list[str]:
    """Two workers, and one test is enough: six HumanEval problems hold fewer than three."""
    return [
        sys.executable,
        "-m",
        "verigen",
        "verify",
        str(source),
        "--out",
        str(out),
        "--backend",
        backend,
        "--workers",
        "2",
        "--min-tests",
        "1",
        "--summary-json",
        str(summary),
        *extra,
    ]
