"""The import graph ``docs/architecture.md`` promises: stages never reach up into the wiring.

Why a test: the folders are the pipeline (generate → verify → curate → export), and a stage
that imports ``pipeline/`` or ``cli/`` cannot be used on its own — from a Ray worker, a
``datasets.map`` call or a trainer's reward function — without dragging the whole run along.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "verigen"

WIRING = {"pipeline", "cli", "api", "__main__"}
"""Only these may import anything; nothing may import them but each other."""

LOWER_THAN = {
    "sandbox": {"generate", "verify", "executor", "curate", "export", "store", "llm"},
    "verify": {"generate", "executor", "curate", "export", "store", "llm"},
    "executor": {"generate", "curate", "export", "store", "llm"},
    "generate": {"verify", "executor", "curate", "export", "store", "sandbox"},
    "curate": {"generate", "executor", "export", "llm"},
    "export": {"generate", "executor", "llm"},
}
"""Per stage, the parts it must not import (its siblings and everything downstream of it)."""


def _edges() -> set[tuple[str, str]]:
    edges = set()
    for path in PACKAGE.rglob("*.py"):
        source = _part(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.split(".")[0] == "verigen":
                    edges.add((source, _part(tuple(name.split(".")))))
    return {(a, b) for a, b in edges if a != b}


def _part(parts: tuple[str, ...]) -> str:
    """``verigen.verify.math.vote`` → ``verify``; the package itself → ``verigen``."""
    return parts[1] if len(parts) > 1 and parts[1] != "__init__" else "verigen"


def test_no_stage_imports_the_wiring() -> None:
    upward = sorted((a, b) for a, b in _edges() if b in WIRING and a not in WIRING | {"verigen"})
    assert not upward, f"stages importing pipeline/cli/api: {upward}"


@pytest.mark.parametrize("stage", sorted(LOWER_THAN))
def test_imports_only_point_back(stage: str) -> None:
    wrong = sorted(b for a, b in _edges() if a == stage and b in LOWER_THAN[stage])
    assert not wrong, f"{stage}/ imports {wrong}"


def test_importing_verigen_loads_no_heavy_optional_part() -> None:
    """``import verigen`` is what a reward function or a worker pays: no litellm, no Ray, no
    sympy, no datasets until they are used."""
    code = (
        "import sys, verigen; heavy = {'ray', 'litellm', 'sympy', 'datasets', 'docker'};"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
