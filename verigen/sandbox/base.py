"""The sandbox seam: what a caller hands in (``Job`` with ``Limits``) and gets back (``Result``).

Every backend (docker, bwrap) runs the same in-sandbox fork server and returns the same
``Result``; callers never see which one ran except through ``Result.backend``. The types are frozen
dataclasses of plain values, so they pickle (Ray actors, ``datasets.map`` workers) and serialise to
JSON (the CLI, the journal).

``Status.SANDBOX_ERROR`` is reserved for failures of the sandbox itself (the engine went away, the
fork server died without the job being the cause). Anything the program did — crash, hang, flood,
OOM — has its own status, so an infrastructure failure is never graded as a wrong program.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from verigen.errors import ConfigError


class Status(StrEnum):
    OK = "ok"
    NONZERO_EXIT = "nonzero_exit"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    KILLED = "killed"
    """Ended by a signal that no limit of ours explains (the program or a sibling sent it)."""
    SANDBOX_ERROR = "sandbox_error"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of one job; the defaults are the ones the attack suite is graded under.

    ``memory_mb`` and ``pids`` cap the whole job (all its processes together) through the
    sandbox's cgroup where there is one, and each process through rlimits in any case
    (address space at ``2 × memory_mb``, because interpreters reserve far more than they touch).
    ``scratch_mb`` is the size of the private writable ``/tmp``; ``output_bytes`` caps each of
    stdout and stderr, and a program that writes past it is killed (``output_limit``).
    """

    wall_s: float = 10.0
    memory_mb: int = 512
    pids: int = 64
    scratch_mb: int = 64
    output_bytes: int = 1 << 20
    cpu_s: float | None = None
    """CPU-time rlimit; ``None`` means ``wall_s`` rounded up (the wall clock bounds it anyway)."""

    def __post_init__(self) -> None:
        if self.wall_s <= 0 or self.memory_mb < 16 or self.pids < 2 or self.scratch_mb < 1:
            raise ConfigError(f"limits out of range: {self}")
        if self.output_bytes < 1:
            raise ConfigError(f"output_bytes must be positive, got {self.output_bytes}")


@dataclass(frozen=True, slots=True)
class Job:
    """One program run: files written into a fresh scratch directory (its cwd), a command, stdin.

    File names are relative paths inside the scratch directory; contents are ``str`` (UTF-8) or
    ``bytes``. The environment is always clean (``PATH``, ``HOME=/tmp``, ``LANG``) plus ``env``.
    """

    files: Mapping[str, str | bytes] = field(default_factory=dict)
    command: tuple[str, ...] | list[str] = ("python3", "main.py")
    stdin: bytes = b""
    limits: Limits = field(default_factory=Limits)
    env: Mapping[str, str] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The frame the fork server receives: bytes as base64, nothing else executable."""
        files = {
            name: _b64(data.encode() if isinstance(data, str) else data)
            for name, data in self.files.items()
        }
        return {
            "files": files,
            "argv": list(self.command),
            "stdin": _b64(self.stdin),
            "env": dict(self.env),
            "limits": asdict(self.limits),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """What happened to one job. Output is kept as bytes; ``stdout``/``stderr`` decode safely."""

    status: Status
    exit_code: int | None = None
    signal: int | None = None
    stdout_bytes: bytes = b""
    stderr_bytes: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_mb: float | None = None
    backend: str = ""
    error: str = ""
    """Why the sandbox failed (``sandbox_error``) or which limit fired; never program output."""

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", errors="replace")

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-safe view (output decoded with replacement characters, control chars escaped
        by the JSON encoder), for the CLI and for logs."""
        data = {k: v for k, v in asdict(self).items() if not k.endswith("_bytes")}
        data["status"] = self.status.value
        data["stdout"] = self.stdout
        data["stderr"] = self.stderr
        return data

    @classmethod
    def from_wire(cls, frame: Mapping[str, Any], backend: str) -> Result:
        """Build a Result from the fork server's answer frame (see ``harness/server.py``)."""
        return cls(
            status=Status(frame["status"]),
            exit_code=frame.get("exit_code"),
            signal=frame.get("signal"),
            stdout_bytes=base64.b64decode(frame.get("stdout", "")),
            stderr_bytes=base64.b64decode(frame.get("stderr", "")),
            stdout_truncated=bool(frame.get("stdout_truncated")),
            stderr_truncated=bool(frame.get("stderr_truncated")),
            wall_s=float(frame.get("wall_s", 0.0)),
            cpu_s=float(frame.get("cpu_s", 0.0)),
            peak_memory_mb=frame.get("peak_memory_mb"),
            backend=backend,
            error=str(frame.get("error", "")),
        )

    @classmethod
    def sandbox_error(cls, message: str, backend: str, wall_s: float = 0.0) -> Result:
        return cls(status=Status.SANDBOX_ERROR, backend=backend, error=message, wall_s=wall_s)


class Sandbox(Protocol):
    """What ``open_sandbox`` returns. Thread-safe; ``close`` removes every container/process."""

    backend: str

    def run(self, job: Job) -> Result: ...

    def run_many(self, jobs: Iterable[Job]) -> list[Result]: ...

    async def arun(self, job: Job) -> Result: ...

    def close(self) -> None: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
