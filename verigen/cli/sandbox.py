"""``verigen sandbox run|build|doctor``: debug one program, build the image, see what works here.

``run`` prints the ``Result`` as JSON (output decoded with replacement characters, escapes
quoted), so a program's binary garbage or terminal escapes never reach the terminal raw.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from verigen.errors import InputError, SandboxError

BACKENDS = ("auto", "docker", "bwrap")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(
        help="Run programs in the sandbox, build its image, check the machine.",
        no_args_is_help=True,
    )
    sub.command("run")(run)
    sub.command("build")(build)
    sub.command("doctor")(doctor)
    app.add_typer(sub, name="sandbox")


def run(
    file: Annotated[Path, typer.Argument(help="Python program to run (as main.py).")],
    backend: Annotated[str, typer.Option(help="auto, docker or bwrap.")] = "auto",
    timeout: Annotated[float, typer.Option(help="Wall-clock limit in seconds.")] = 10.0,
    memory: Annotated[int, typer.Option(help="Memory limit for the whole job, MiB.")] = 512,
    stdin: Annotated[Path | None, typer.Option(help="File to feed on stdin.")] = None,
) -> None:
    """Run FILE.py in the sandbox and print the Result as JSON."""
    from verigen.sandbox import Job, Limits, open_sandbox

    if backend not in BACKENDS:
        raise InputError(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    try:
        source = file.read_bytes()
        data = stdin.read_bytes() if stdin is not None else b""
    except OSError as exc:
        raise InputError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    limits = Limits(wall_s=timeout, memory_mb=memory)
    with open_sandbox(backend, workers=1, warm=limits) as sb:  # type: ignore[arg-type]
        result = sb.run(
            Job(
                files={"main.py": source}, command=("python3", "main.py"), stdin=data, limits=limits
            )
        )
    typer.echo(json.dumps(result.to_json_dict(), indent=2))


def build(
    offline: Annotated[bool, typer.Option(help="debootstrap + docker import, no registry.")] = (
        False
    ),
    mirror: Annotated[str, typer.Option(help="Debian mirror for --offline.")] = (
        "http://deb.debian.org/debian"
    ),
) -> None:
    """Build the sandbox image (or reuse it when the recipe hash matches)."""
    from docker.errors import DockerException

    from verigen.sandbox import docker as backend
    from verigen.sandbox import image

    try:
        api = backend.client(timeout=600)
        api.ping()
    except (SandboxError, OSError, DockerException):
        if not offline:
            raise
        api = None  # offline without an engine: the root for bwrap is still worth building
    report = image.build(offline=offline, mirror=mirror, api=api)
    state = "built" if report.built else "up to date"
    where = "docker and bwrap" if report.docker else "bwrap only (no Docker engine answers)"
    typer.echo(f"{report.tag}: {state}, for {where}")
    if report.rootfs is not None:
        typer.echo(f"root filesystem: {report.rootfs}")


def doctor(
    image: Annotated[str | None, typer.Option(help="Image tag (docker) to check.")] = None,
) -> None:
    """Say which sandbox backends work here, and why not."""
    from verigen.sandbox.doctor import checks

    results = checks(image)
    for check in results:
        mark = "ok  " if check.ok else "FAIL"
        typer.echo(f"{mark} {check.name}: {check.detail}")
    if not any(c.ok for c in results if c.name in ("docker", "bwrap")):
        raise SandboxError("no sandbox backend works here (see above)")
