"""The bubblewrap backend: a long-lived ``bwrap`` whose PID 1 is the fork server.

The profile (``sandboxes/python/bwrap-profile.md`` explains each flag): every namespace unshared
(user, pid, net, ipc, uts, cgroup) and nested user namespaces disabled; a new session, so no
controlling terminal; die-with-parent; all capabilities dropped; a clean environment; ``/`` and
``/dev`` read-only; only the interpreter's tree (``/usr`` and its symlinks, ``/etc/ld.so.*``) bound
read-only from ``root`` — the offline-built image root when there is one, else the host's ``/``;
size-capped tmpfs on ``/tmp`` and ``/dev/shm``. As root on the host, ``bwrap`` itself runs as
``nobody`` (so even a sandbox escape holds no host privilege) inside a per-worker cgroup that caps
memory and processes for the whole sandbox; the seccomp filter is installed by the server.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from verigen.errors import SandboxError
from verigen.sandbox import cgroup
from verigen.sandbox.base import Limits
from verigen.sandbox.transport import JobFacts, Shape, Transport, server_source

NOBODY = 65534
SANDBOX_UID = 1000
SERVER_HEADROOM_PIDS = 3
"""The bwrap monitor, the fork server and its zygote live in the cgroup beside the job."""

# Runs as root before bwrap: join the cgroup, drop to `nobody`, become bwrap. A separate process
# (not preexec_fn) because the pool starts sandboxes from threads.
_LAUNCH = """
import os, sys
procs, uid = sys.argv[1], int(sys.argv[2])
for path in filter(None, procs.split(":")):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
os.execvp(sys.argv[3], sys.argv[3:])
"""


def _root_binds(root: Path) -> list[str]:
    args = ["--ro-bind", str(root / "usr"), "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        path = root / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), f"/{name}"]
        elif path.is_dir():
            args += ["--ro-bind", str(path), f"/{name}"]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d"):
        args += ["--ro-bind-try", str(root / "etc" / name), f"/etc/{name}"]
    return args


def profile_args(root: Path, shape: Shape) -> list[str]:
    """The bwrap flags, up to (not including) the command."""
    return [
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/local/bin:/usr/bin:/bin",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        *_root_binds(root),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(shape.scratch_mb << 20),
        "--tmpfs",
        "/tmp",
        "--size",
        str(min(shape.scratch_mb, 16) << 20),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
    ]


@dataclass(frozen=True)
class BwrapBackend:
    """Picklable description; ``start`` makes a running sandbox from it."""

    root: Path = Path("/")
    bwrap: str = "bwrap"
    name: str = field(default="bwrap", init=False)

    def shape(self, limits: Limits) -> Shape:
        # Memory and pids live in the cgroup and change per job; only scratch is fixed at start.
        return Shape(scratch_mb=limits.scratch_mb, memory_mb=0, pids=0)

    def start(self, shape: Shape, tag: str) -> BwrapTransport:
        exe = shutil.which(self.bwrap)
        if exe is None:
            raise SandboxError("bubblewrap is not installed (apt-get install bubblewrap)")
        group = cgroup.create(tag)
        procs = (
            ""
            if group is None
            else ":".join(str(d / "cgroup.procs") for d in {group.memory_dir, group.pids_dir})
        )
        uid = NOBODY if os.geteuid() == 0 else -1
        command = ["python3", "-I", "-S", "-c", server_source()]
        argv = [
            sys.executable,
            "-I",
            "-S",
            "-c",
            _LAUNCH,
            procs,
            str(uid),
            exe,
            *profile_args(self.root, shape),
            "--",
            *command,
        ]
        return BwrapTransport(argv, group)


class BwrapTransport(Transport):
    backend = "bwrap"

    def __init__(self, argv: list[str], group: cgroup.Cgroup | None) -> None:
        super().__init__()
        self._group = group
        self._oom0 = 0
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in kill()
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            close_fds=True,
            start_new_session=True,
            cwd="/",
        )

    def _send_all(self, data: bytes) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise EOFError("fork server's stdin is closed") from exc

    def _recv_some(self, timeout: float) -> bytes:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        if not select.select([fd], [], [], timeout)[0]:
            raise TimeoutError("no answer from the fork server")
        return os.read(fd, 1 << 16)

    def before_job(self, limits: Limits) -> None:
        if self._group is not None:
            self._group.set_limits(limits.memory_mb, limits.pids + SERVER_HEADROOM_PIDS)
            self._oom0 = self._group.oom_kills()

    def facts(self) -> JobFacts:
        if self._group is None:
            return JobFacts()
        return JobFacts(self._group.oom_kills() - self._oom0, self._group.peak_mb())

    def diagnostics(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-4000:].decode("utf-8", errors="replace")

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()
        if self._group is not None:
            self._group.remove()
