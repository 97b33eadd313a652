"""The sandbox image: built from ``sandboxes/python/``, tagged by a hash of that recipe.

Two ways to build the same thing. With a registry: ``docker build`` of the Dockerfile. Offline (CI,
air-gapped machines): ``build-rootfs.sh`` debootstraps a minimal Debian with python3 (only a Debian
mirror is needed), and the root filesystem is tarred and ``docker import``-ed. The offline root is
kept on disk: the bwrap backend binds it, so both backends run the same interpreter and packages.

The tag is ``verigen-sandbox-python:<first 12 hex of sha256 over the recipe files>``: editing the
recipe (say, adding numpy to ``packages.txt``) changes the tag, and an unchanged recipe is reused
without rebuilding.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

from verigen.errors import SandboxError

REPOSITORY = "verigen-sandbox-python"
RECIPE_FILES = ("Dockerfile", "build-rootfs.sh", "packages.txt")
DEFAULT_MIRROR = "http://deb.debian.org/debian"


def recipe_dir() -> Path:
    """``sandboxes/python`` of the source tree verigen runs from."""
    path = Path(__file__).resolve().parents[2] / "sandboxes" / "python"
    if not (path / "build-rootfs.sh").is_file():
        raise SandboxError(f"sandbox recipe not found at {path}: run verigen from its checkout")
    return path


def recipe_hash(recipe: Path) -> str:
    digest = hashlib.sha256()
    for name in RECIPE_FILES:
        digest.update(name.encode() + b"\0" + (recipe / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def image_tag(recipe: Path | None = None) -> str:
    return f"{REPOSITORY}:{recipe_hash(recipe or recipe_dir())}"


def cache_root() -> Path:
    """Outside ``/root`` and the project when root: bind sources show in the sandbox's
    mountinfo, and neither should be named there."""
    if os.geteuid() == 0:
        return Path("/var/cache/verigen")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "verigen"


def rootfs_path(recipe: Path | None = None) -> Path:
    return cache_root() / f"python-{recipe_hash(recipe or recipe_dir())}"


def built_rootfs(recipe: Path | None = None) -> Path | None:
    """The offline-built root for this recipe, if it exists and is complete."""
    try:
        path = rootfs_path(recipe)
    except SandboxError:
        return None
    return path if (path / ".verigen-complete").exists() else None


def image_present(api: docker.APIClient, tag: str) -> bool:
    try:
        api.inspect_image(tag)
    except ImageNotFound:
        return False
    return True


@dataclass(frozen=True)
class BuildReport:
    tag: str
    rootfs: Path | None
    built: bool
    """False when everything was already there for this recipe hash."""
    docker: bool
    """Whether the image is in a Docker engine (none may answer: then only bwrap can use it)."""


def build_rootfs(recipe: Path, mirror: str = DEFAULT_MIRROR) -> tuple[Path, bool]:
    """Debootstrap the root (needs root); reuse it when this recipe's root is complete."""
    dest = rootfs_path(recipe)
    if (dest / ".verigen-complete").exists():
        return dest, False
    if os.geteuid() != 0:
        raise SandboxError("the offline build runs debootstrap, which needs root")
    if shutil.which("debootstrap") is None:
        raise SandboxError("debootstrap is missing: run scripts/setup-system.sh")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.parent.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=dest.parent))
    try:
        subprocess.run(["bash", str(recipe / "build-rootfs.sh"), str(work), mirror], check=True)
        (work / ".verigen-complete").touch()
        shutil.rmtree(dest, ignore_errors=True)
        work.rename(dest)
    except subprocess.CalledProcessError as exc:
        raise SandboxError(f"offline build failed ({exc}); see the debootstrap output") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    dest.chmod(0o755)
    return dest, True


def import_rootfs(api: docker.APIClient, rootfs: Path, tag: str) -> None:
    repository, _, version = tag.partition(":")
    with tempfile.NamedTemporaryFile(suffix=".tar", dir=rootfs.parent) as tar:
        subprocess.run(
            ["tar", "-C", str(rootfs), "--exclude=./.verigen-complete", "-cf", tar.name, "."],
            check=True,
        )
        api.import_image_from_file(tar.name, repository=repository, tag=version)


def build(
    offline: bool,
    recipe: Path | None = None,
    mirror: str = DEFAULT_MIRROR,
    api: docker.APIClient | None = None,
) -> BuildReport:
    """Build (or reuse) the image for ``recipe``; ``api`` is the engine to put it in, if any."""
    recipe = recipe or recipe_dir()
    tag = image_tag(recipe)
    if not offline:
        if api is None:
            raise SandboxError("a registry build needs a Docker engine (or use --offline)")
        if image_present(api, tag):
            return BuildReport(tag, built_rootfs(recipe), False, True)
        try:
            for line in api.build(path=str(recipe), tag=tag, rm=True, decode=True):
                if "error" in line:
                    raise SandboxError(f"docker build failed: {line['error']}")
        except DockerException as exc:
            raise SandboxError(f"docker build failed: {exc}") from exc
        return BuildReport(tag, built_rootfs(recipe), True, True)
    rootfs, built = build_rootfs(recipe, mirror)
    if api is None:
        return BuildReport(tag, rootfs, built, False)
    if not image_present(api, tag):
        import_rootfs(api, rootfs, tag)
        built = True
    return BuildReport(tag, rootfs, built, True)
