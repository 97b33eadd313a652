"""Fixtures for the local-model tests: a private pip index, so fetches run offline."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``--find-links`` directory that is pip's only source (no index, no user config)."""
    directory = tmp_path / "index"
    directory.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(directory))
    return directory


@pytest.fixture
def parts() -> list[bytes]:
    """Three parts of unequal size, incompressible so damage cannot hide in a zip's slack."""
    rng = random.Random(8)
    return [rng.randbytes(size) for size in (40_000, 40_000, 12_345)]
