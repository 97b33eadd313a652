"""The parts of the machine some tests need, and the one rule for when a part is missing.

On a developer's machine a missing part skips the tests that need it, with the reason. In CI
(``CI`` set to true, as every CI service does) a missing part ends the whole run at once, with
one line naming what is missing: CI that passes without the sandbox, the conformance data or the
model has not tested what matters. ``VERIGEN_REQUIRE_DOCKER=1`` (``make test``) does the same
for the sandbox parts alone. ``make test`` installs and starts every part but ``../shared``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""The shared conformance data, read in place beside the checkout (never copied into it)."""
LOCAL_MODEL = "qwen2.5-coder-0.5b"
SANDBOX_PARTS = frozenset({"docker", "bwrap", "dockerd", "sandbox-image"})


def require(part: str, *, module: bool = False) -> None:
    """Return when ``part`` works here; else skip (the module, when ``module``) or, where it is
    required, end the run naming what is missing."""
    problem = PROBES[part]()
    if problem is None:
        return
    demand = demanded_by(part)
    if demand:
        pytest.exit(f"{part} is missing, and {demand}: {problem}", returncode=1)
    pytest.skip(f"{part} unavailable: {problem}", allow_module_level=module)


def demanded_by(part: str) -> str:
    """What makes ``part`` mandatory here, or "" when a missing one may be skipped."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return "CI requires every part"
    if part in SANDBOX_PARTS and os.environ.get("VERIGEN_REQUIRE_DOCKER", "") == "1":
        return "VERIGEN_REQUIRE_DOCKER=1 requires the sandbox"
    return ""


def shared_path(*names: str) -> Path:
    return SHARED.joinpath(*names)


def model_cache_dir() -> Path:
    """Where ``make model`` (``verigen model fetch``) put the model: the CLI's own rule."""
    from verigen.local.catalog import default_cache_dir

    return Path(os.environ.get("VERIGEN_CACHE_DIR") or default_cache_dir())


def _docker() -> str | None:
    from verigen.sandbox.doctor import docker_problem

    return docker_problem()


def _bwrap() -> str | None:
    from verigen.errors import SandboxError
    from verigen.sandbox.doctor import probe_bwrap_root

    try:
        probe_bwrap_root(None)
    except SandboxError as exc:
        return str(exc)
    return None


def _sandbox_image() -> str | None:
    from verigen.sandbox.image import built_rootfs

    if built_rootfs() is None:
        return "the offline sandbox root is not built (verigen sandbox build --offline)"
    return None


def _dockerd() -> str | None:
    """A private engine needs the daemon's binary, root, and the offline image root to import."""
    if shutil.which("dockerd") is None:
        return "no dockerd binary (run scripts/setup-system.sh)"
    if os.geteuid() != 0:
        return "starting a private dockerd needs root"
    return _sandbox_image()


def _shared() -> str | None:
    where = shared_path("conformance")
    return None if where.is_dir() else f"the shared conformance data is not at {where}"


def _llama_cpp() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama_cpp is not importable (pip install 'verigen[local]', or make install)"
    return None


def _model() -> str | None:
    from verigen.local.catalog import get_spec
    from verigen.local.fetch import cached_model

    if cached_model(get_spec(LOCAL_MODEL), model_cache_dir()) is None:
        return f"{LOCAL_MODEL} is not cached in {model_cache_dir()} (make model)"
    return _llama_cpp()


def _ray() -> str | None:
    if importlib.util.find_spec("ray") is None:
        return "ray is not importable (pip install 'verigen[ray]', or make install)"
    return None


def _netns() -> str | None:
    from tests.executor.netns import problem

    return problem()


PROBES: dict[str, Callable[[], str | None]] = {
    "docker": _docker,
    "bwrap": _bwrap,
    "dockerd": _dockerd,
    "sandbox-image": _sandbox_image,
    "shared": _shared,
    "llama_cpp": _llama_cpp,
    "model": _model,
    "ray": _ray,
    "netns": _netns,
}
