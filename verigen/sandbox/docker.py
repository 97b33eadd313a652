"""The Docker backend: one long-lived container per pool worker, the fork server as its PID 1.

Container settings (each one closes a door the attack suite knocks on): ``network_mode=none``; a
random non-root uid per container (so ``RLIMIT_NPROC``, counted per uid host-wide, is
per-container); read-only root; tmpfs ``/tmp`` and ``/dev/shm`` capped in size *and* inodes;
an empty read-only tmpfs over ``/dev/mqueue``;
memory with swap equal to it (no swap); a pids cap; one CPU; all capabilities dropped;
``no-new-privileges``; Docker's default seccomp profile plus ours; ``log_config=none`` (the
default json-file driver would write the program's output to the host disk); ``auto_remove``.
No host path is mounted: the server's source travels as ``python3 -c`` and job files through
the protocol.

The wall clock is enforced twice from outside the job: by the fork server (kill all at the
deadline) and by the pool, which removes the container when the server itself stops answering —
``Container.wait(timeout=)`` is only an HTTP timeout (docker-py#2964) and is not used. Containers
are removed on close, on interrupt (stdin closes with the attach connection and the server
exits), and, for a crashed verigen, by ``remove_stale()`` at the next start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

import docker
import psutil
from docker.errors import DockerException, NotFound
from docker.types import LogConfig
from requests import RequestException

from verigen.errors import SandboxError
from verigen.sandbox.base import Limits
from verigen.sandbox.transport import JobFacts, Shape, Transport, server_source

ENGINE_ERRORS = (DockerException, RequestException)
"""What a call to the engine raises: API errors, or the connection's own when the engine is gone."""

LABEL = "verigen.sandbox"
OWNER_LABEL = "verigen.sandbox.owner"
STDOUT, STDERR = 1, 2
MQUEUE = "/dev/mqueue"
EMPTY_READ_ONLY = "ro,nosuid,nodev,noexec,size=4k,nr_inodes=16,mode=555"
"""Mounted over Docker's own ``/dev/mqueue`` (a writable mqueue filesystem, mode 1777): ``open()``
with ``O_CREAT`` there makes a message queue that outlives the job (attack 106)."""


def client(timeout: int = 30) -> docker.APIClient:
    """A low-level client for the engine in the environment (``DOCKER_HOST`` or the socket)."""
    try:
        api: docker.APIClient = docker.from_env(timeout=timeout).api
    except ENGINE_ERRORS as exc:
        raise SandboxError(f"no Docker engine answers: {exc}") from exc
    return api


def remove_stale(api: docker.APIClient) -> int:
    """Remove sandbox containers whose owning verigen process on this host is gone."""
    removed = 0
    for info in api.containers(all=True, filters={"label": LABEL}):
        host, _, pid = info["Labels"].get(OWNER_LABEL, ":").partition(":")
        if host == socket.gethostname() and pid.isdigit() and psutil.pid_exists(int(pid)):
            continue
        with contextlib.suppress(NotFound):
            api.remove_container(info["Id"], force=True)
            removed += 1
    return removed


@dataclass(frozen=True)
class DockerBackend:
    """Picklable description; ``start`` makes a running container from it."""

    image: str
    cpus: float = 1.0
    name: str = field(default="docker", init=False)

    def shape(self, limits: Limits) -> Shape:
        return Shape(scratch_mb=limits.scratch_mb, memory_mb=limits.memory_mb, pids=limits.pids)

    def host_config(self, api: docker.APIClient, shape: Shape) -> Any:
        # /dev/shm as a tmpfs of our own (Docker then mounts no shm of its own): ``shm_size``
        # caps bytes only, not inodes.
        tmpfs = {path: f"rw,nosuid,nodev,{opts}" for path, opts in shape.writable_mounts().items()}
        tmpfs[MQUEUE] = EMPTY_READ_ONLY
        return api.create_host_config(
            network_mode="none",
            read_only=True,
            tmpfs=tmpfs,
            mem_limit=f"{shape.memory_mb}m",
            memswap_limit=f"{shape.memory_mb}m",
            pids_limit=shape.pids + 2,
            nano_cpus=int(self.cpus * 1e9),
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            log_config=LogConfig(type="none"),
            auto_remove=True,
            ipc_mode="private",
            init=False,
        )

    def start(self, shape: Shape, tag: str) -> DockerTransport:
        api = client()
        uid = 20000 + secrets.randbelow(40000)
        try:
            container = api.create_container(
                self.image,
                command=["python3", "-I", "-S", "-c", server_source()],
                user=f"{uid}:{uid}",
                stdin_open=True,
                detach=False,
                working_dir="/tmp",
                hostname="sandbox",
                network_disabled=True,
                environment={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
                labels={LABEL: tag, OWNER_LABEL: f"{socket.gethostname()}:{os.getpid()}"},
                host_config=self.host_config(api, shape),
            )["Id"]
        except ENGINE_ERRORS as exc:
            api.close()
            raise SandboxError(f"cannot create a container from {self.image}: {exc}") from exc
        return DockerTransport(api, container)


class DockerTransport(Transport):
    """Speaks to the server over the container's attach stream (stdin in, stdout/stderr muxed)."""

    backend = "docker"

    def __init__(self, api: docker.APIClient, container: str) -> None:
        super().__init__()
        self._api, self._id = api, container
        self._pending = bytearray()
        self._stderr = bytearray()
        self._dead = False
        try:
            params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            attached = api.attach_socket(container, params=params)
            self._sock: socket.socket = getattr(attached, "_sock", attached)
            api.start(container)
        except ENGINE_ERRORS as exc:
            self.kill()
            raise SandboxError(f"cannot start sandbox container: {exc}") from exc

    def _send_all(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise EOFError("container stdin is closed") from exc

    def _recv_some(self, timeout: float) -> bytes:
        """Demultiplex the attach stream: 8-byte headers (stream, size), then the payload."""
        self._sock.settimeout(timeout)
        while True:
            while len(self._pending) >= 8:
                kind, size = struct.unpack(">BxxxI", self._pending[:8])
                if len(self._pending) < 8 + size:
                    break
                payload = bytes(self._pending[8 : 8 + size])
                del self._pending[: 8 + size]
                if kind == STDOUT:
                    return payload
                self._stderr = (self._stderr + payload)[-8000:]
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                self._dead = True
                return b""
            self._pending += chunk

    def facts(self) -> JobFacts:
        """Only when the server died: ask the engine whether the OOM killer did it."""
        if not self._dead:
            return JobFacts()
        with contextlib.suppress(*ENGINE_ERRORS):
            state = self._api.inspect_container(self._id)["State"]
            return JobFacts(oom_kills=1 if state.get("OOMKilled") else 0)
        return JobFacts()

    def diagnostics(self) -> str:
        return self._stderr.decode("utf-8", errors="replace")

    def kill(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self._sock.close()
        with contextlib.suppress(*ENGINE_ERRORS):
            self._api.remove_container(self._id, force=True)
        self._api.close()
