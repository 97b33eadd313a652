"""Small fake model wheels, built in the test, so assembly is tested without the network.

They have the real layout (``<pkg>/data/partNN.bin`` plus a dist-info), so pip accepts them from
a ``--find-links`` directory exactly as it accepts the published ones.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from verigen.local import ModelSpec

PREFIX = "verigen-test-model-part"
VERSION = "1.0.0"


def fake_spec(parts: list[bytes], *, sha256: str | None = None) -> ModelSpec:
    """A spec pinned to ``parts`` concatenated (or to ``sha256`` when given)."""
    data = b"".join(parts)
    return ModelSpec(
        name="fake-model",
        description="test model",
        wheel_prefix=PREFIX,
        version=VERSION,
        parts=len(parts),
        size=len(data),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
    )


def make_wheel(directory: Path, spec: ModelSpec, part: int, data: bytes) -> Path:
    """Write part ``part`` of ``spec`` as a wheel holding ``data``; returns its path."""
    package = f"{spec.wheel_prefix}{part}".replace("-", "_")
    dist_info = f"{package}-{spec.version}.dist-info"
    files = {
        spec.member(part): data,
        f"{package}/__init__.py": b"",
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {spec.wheel_prefix}{part}\nVersion: {spec.version}\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist_info}/RECORD,,\n"
    path = directory / f"{package}-{spec.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr(f"{dist_info}/RECORD", record)
    return path


def make_wheels(directory: Path, spec: ModelSpec, parts: list[bytes]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [make_wheel(directory, spec, i, data) for i, data in enumerate(parts, start=1)]
