"""Which sandbox backends work on this machine, and if not, why: for ``auto`` and for the user.

Every check is a real attempt (the engine is pinged, bwrap is run), because "installed" is not
"works": a kernel without unprivileged user namespaces, or a container without the right
capabilities, breaks bwrap in ways only a run reveals.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from verigen.errors import SandboxError
from verigen.sandbox import cgroup
from verigen.sandbox.transport import Shape


def docker_problem(image: str | None = None) -> str | None:
    """None when an engine answers and has the image, else the reason."""
    from docker.errors import DockerException

    from verigen.sandbox import docker as backend
    from verigen.sandbox import image as images

    try:
        tag = image or images.image_tag()
        api = backend.client(timeout=5)
        try:
            api.ping()
            if not images.image_present(api, tag):
                return f"image {tag} is not built (run `verigen sandbox build --offline`)"
        finally:
            api.close()
    except (DockerException, SandboxError, OSError) as exc:
        return f"no Docker engine answers ({exc})".replace("\n", " ")
    return None


def probe_bwrap_root(root: Path | None) -> Path:
    """The root bwrap should bind (given, else the built image root, else the host's), after a
    trial run proves a sandbox starts there; SandboxError with the reason otherwise."""
    from verigen.sandbox import image as images
    from verigen.sandbox.bwrap import MountPoints, launch_argv

    if shutil.which("bwrap") is None:
        raise SandboxError("bubblewrap is not installed (run scripts/setup-system.sh)")
    root = root or images.built_rootfs() or Path("/")
    if not (root / "usr" / "bin" / "python3").exists():
        raise SandboxError(f"no usr/bin/python3 in {root}: run `verigen sandbox build --offline`")
    points = MountPoints(Shape(1, 0, 0))
    try:
        argv = launch_argv(root, points, ["python3", "-I", "-S", "-c", "pass"])
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"bwrap could not run: {exc}") from exc
    finally:
        points.remove()
    if done.returncode != 0:
        raise SandboxError(f"bwrap failed: {done.stderr.decode(errors='replace').strip()}")
    return root


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def checks(image: str | None = None) -> list[Check]:
    """What ``verigen sandbox doctor`` prints."""
    out = []
    problem = docker_problem(image)
    out.append(Check("docker", problem is None, problem or "engine answers, image present"))
    try:
        root = probe_bwrap_root(Path(image) if image and image.startswith("/") else None)
        out.append(Check("bwrap", True, f"works, binding {root}"))
    except SandboxError as exc:
        out.append(Check("bwrap", False, str(exc)))
    why = cgroup.probe()
    out.append(
        Check(
            "bwrap aggregate cap (cgroup)",
            why is None,
            why or "per-worker cgroup caps memory and processes of the whole job",
        )
    )
    arch = platform.machine()
    out.append(
        Check(
            "seccomp filter",
            arch == "x86_64",
            f"{arch}: " + ("filter available" if arch == "x86_64" else "unsupported"),
        )
    )
    return out
