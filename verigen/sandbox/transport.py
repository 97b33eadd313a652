"""The host end of one warm sandbox: frames to and from its fork server, and a way to kill it.

A backend (``docker.py``, ``bwrap.py``) starts the sandbox with ``harness/server.py`` as PID 1
and hands back a ``Transport``; the pool speaks the same length-prefixed JSON protocol to both.
Every read has a deadline, so a sandbox that stops answering is killed from outside rather than
waited on forever.
"""

from __future__ import annotations

import base64
import json
import struct
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from verigen.errors import SandboxError
from verigen.sandbox.base import Limits

MAX_FRAME = 64 << 20
HARNESS_MODULES = ("codec", "solhost", "runner")
"""Loaded, in this order, by the server's zygote from the init frame."""


@dataclass(frozen=True, slots=True)
class Shape:
    """The limits fixed when a sandbox starts; a job needing another shape gets a new sandbox."""

    scratch_mb: int
    memory_mb: int
    pids: int

    def writable_mounts(self) -> dict[str, str]:
        """Every writable place in a sandbox, with its tmpfs options: capped in bytes *and* in
        inodes, since a size cap alone lets a program fill the host's kernel memory with
        hundreds of thousands of empty files. The same options on both backends."""
        shm_mb = min(self.scratch_mb, SHM_MAX_MB)
        return {"/tmp": _tmpfs_options(self.scratch_mb), "/dev/shm": _tmpfs_options(shm_mb)}


SHM_MAX_MB = 16
INODES_PER_MB = 64
"""One inode per 16 KiB of scratch on average, with at least ``MIN_INODES``: enough for any
program that writes files for a reason, far short of an inode flood."""
MIN_INODES = 1024


def inode_cap(size_mb: int) -> int:
    return max(MIN_INODES, size_mb * INODES_PER_MB)


def _tmpfs_options(size_mb: int) -> str:
    return f"size={size_mb}m,nr_inodes={inode_cap(size_mb)},mode=1777"


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What the host side can add about a finished job (from the cgroup or the engine)."""

    oom_kills: int | None = None
    peak_memory_mb: float | None = None


@cache
def server_source() -> str:
    """The fork server's source, passed to ``python3 -c`` so no host path is mounted for it."""
    return resources.files("verigen.sandbox.harness").joinpath("server.py").read_text()


@cache
def harness_sources() -> dict[str, str]:
    """The harness modules' sources, sent in the init frame (no host path is mounted for them)."""
    pkg = resources.files("verigen.sandbox.harness")
    return {name: pkg.joinpath(f"{name}.py").read_text() for name in HARNESS_MODULES}


class Transport(ABC):
    """A started sandbox. Not thread-safe: one pool worker owns it."""

    backend: str = ""

    def __init__(self) -> None:
        self._buf = bytearray()

    @abstractmethod
    def _send_all(self, data: bytes) -> None:
        """Write to the server's stdin."""

    @abstractmethod
    def _recv_some(self, timeout: float) -> bytes:
        """Bytes from the server's stdout; ``b""`` at end of stream; TimeoutError past timeout."""

    @abstractmethod
    def kill(self) -> None:
        """Destroy the sandbox and everything in it. Idempotent; never raises."""

    def before_job(self, limits: Limits) -> None:  # noqa: B027 - optional hook
        """Adjust per-job limits the sandbox allows to change in place (the bwrap cgroup)."""

    def facts(self) -> JobFacts:
        """Host-side counters since ``before_job``; the default knows nothing."""
        return JobFacts()

    def diagnostics(self) -> str:
        """The server's own stderr, if the backend captures it (for sandbox_error messages)."""
        return ""

    def send(self, frame: dict[str, Any]) -> None:
        body = json.dumps(frame).encode()
        self._send_all(struct.pack(">I", len(body)) + body)

    def recv(self, deadline: float) -> dict[str, Any]:
        """One frame. EOFError when the server is gone, TimeoutError when it is past deadline."""
        while True:
            if len(self._buf) >= 4:
                (size,) = struct.unpack(">I", self._buf[:4])
                if size > MAX_FRAME:
                    raise SandboxError(f"fork server sent an oversized frame ({size} bytes)")
                if len(self._buf) >= 4 + size:
                    body = bytes(self._buf[4 : 4 + size])
                    del self._buf[: 4 + size]
                    frame: dict[str, Any] = json.loads(body)
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("fork server did not answer in time")
            chunk = self._recv_some(left)
            if not chunk:
                raise EOFError("fork server closed its output")
            self._buf += chunk

    def handshake(self, seccomp: bytes, timeout: float) -> dict[str, Any]:
        """Send the init frame (the seccomp program, the harness) and wait until the server and
        its zygote are ready."""
        self.send({"seccomp": base64.b64encode(seccomp).decode(), "harness": harness_sources()})
        try:
            ready = self.recv(time.monotonic() + timeout)
        except (EOFError, TimeoutError) as exc:
            detail = self.diagnostics().strip()[-2000:]
            self.kill()
            raise SandboxError(f"{self.backend} sandbox did not start: {exc}. {detail}") from exc
        if not ready.get("ready"):
            self.kill()
            raise SandboxError(f"{self.backend} sandbox sent an unexpected greeting: {ready}")
        return ready
