"""Shared fixtures: a real local OpenAI-compatible server, and litellm kept offline."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.fakellm import FakeLLM

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server
