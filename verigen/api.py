"""The Python entry points: what ``verigen generate`` does, for code that embeds verigen.

This module is an edge, like the CLI: it reads the API key named by the config from the
environment and starts the local model server when the config asks for one; everything it
calls below takes plain, validated objects.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from verigen.config import RunConfig, load_config
from verigen.display import Display
from verigen.errors import ConfigError


def generate(
    config: RunConfig | str | Path,
    *,
    overrides: list[str] | None = None,
    display: Display | None = None,
    on_local_server: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) a generate job and return its report (also in ``run_dir/report.json``).

    ``config`` is a validated ``RunConfig`` or a YAML path (then ``overrides`` apply, as
    ``--set`` does). ``on_local_server(api_base)`` is called once a local model serves.
    """
    from verigen.pipeline import Endpoint, run_generate

    cfg = config if isinstance(config, RunConfig) else load_config(Path(config), overrides)
    api_key = _api_key(cfg)
    with ExitStack() as stack:
        api_base = cfg.llm.api_base
        if api_base is None and cfg.llm.local_model:
            from verigen.local.server import local_server

            api_base = stack.enter_context(local_server(cfg.llm.local_model)).api_base
            if on_local_server is not None:
                on_local_server(api_base)
        return run_generate(cfg, Endpoint(api_base=api_base, api_key=api_key), display or Display())


def _api_key(cfg: RunConfig) -> str | None:
    name = cfg.llm.api_key_env
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"llm.api_key_env: environment variable {name} is not set")
    return value
