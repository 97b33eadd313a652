"""The real thing: serve the pinned 0.5B model with llama.cpp, complete through litellm.

The model comes from ``make model`` (a 491 MB download on a first run, reused from the cache
after that, so CI should cache that directory); without it the test skips, or in CI fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys

import psutil
import pytest

from tests.parts import LOCAL_MODEL, model_cache_dir, require
from verigen.local import local_server

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_the_local_model_completes_through_litellm_over_http() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported
    import litellm

    require("model")
    with local_server(LOCAL_MODEL, cache_dir=model_cache_dir()) as server:
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


# Serves the model, prints the server's pid, and waits to be killed by the test.
SERVE_THEN_WAIT = """
import sys, time
from pathlib import Path
from verigen.local import local_server
with local_server(sys.argv[1], cache_dir=Path(sys.argv[2])) as server:
    print(server.process.pid, flush=True)
    time.sleep(600)
"""


def test_the_llama_cpp_server_dies_when_verigen_is_killed() -> None:
    require("model")
    argv = [sys.executable, "-c", SERVE_THEN_WAIT, LOCAL_MODEL, str(model_cache_dir())]
    parent = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        server = psutil.Process(int(parent.stdout.readline()))
        assert "llama_cpp.server" in server.cmdline()
        parent.kill()  # no handler, no context manager exit: only the kernel can stop the server
        parent.wait()
        psutil.wait_procs([server], timeout=5)
        with contextlib.suppress(psutil.NoSuchProcess):  # else a zombie, dead all the same
            assert server.status() == psutil.STATUS_ZOMBIE, "the server outlived verigen"
    finally:
        parent.kill()
        parent.wait()
