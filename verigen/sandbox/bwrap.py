"""The bubblewrap backend: a long-lived ``bwrap`` whose PID 1 is the fork server.

The profile (``sandboxes/python/bwrap-profile.md`` explains each flag): every namespace unshared
(user, pid, net, ipc, uts, cgroup) and nested user namespaces disabled; a new session, so no
controlling terminal; die-with-parent; all capabilities dropped; a clean environment; ``/`` and
``/dev`` read-only; only the interpreter's tree (``/usr`` and its symlinks, ``/etc/ld.so.*``) bound
read-only from ``root`` — the offline-built image root when there is one, else the host's ``/``;
``/tmp`` and ``/dev/shm`` are tmpfs capped in size and inodes. As root on the host, ``bwrap``
itself runs as ``nobody`` (so even a sandbox escape holds no host privilege) inside a per-worker
cgroup that caps memory and processes for the whole sandbox; the seccomp filter is installed by
the server.

bwrap's own ``--tmpfs`` takes a size but no inode count, so the launcher mounts the two tmpfs
itself (``nr_inodes=``) in a mount namespace of its own — a user namespace too when not root, where
tmpfs may be mounted unprivileged — and bwrap binds them. The mounts exist only in that namespace
and vanish with the sandbox; on the host the mount points stay empty directories.

The sandbox's PID 1 is killed before bwrap, never bwrap first: bwrap reaps its child and exits, so
no zombie is left re-parented to the host's init (which, in a container, may never reap it).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
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
KILL_WAIT_S = 5.0
"""How long bwrap may take to notice its child was killed, reap it and exit."""

# Runs before bwrap: join the cgroup; in a private mount namespace (and, unprivileged, a user
# namespace mapping only our own ids) mount each capped tmpfs; as root drop to `nobody`; become
# bwrap. A separate process (not preexec_fn) because the pool starts sandboxes from threads.
_LAUNCH = """
import ctypes, json, os, sys
procs, uid, mounts = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for path in filter(None, procs.split(":")):
    with open(path, "w") as f:
        f.write(str(os.getpid()))
libc = ctypes.CDLL(None, use_errno=True)
def check(ret, what):
    if ret != 0:
        sys.exit(f"verigen bwrap launcher: {what}: {os.strerror(ctypes.get_errno())}")
CLONE_NEWNS, CLONE_NEWUSER = 0x20000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 0x4000, 1 << 18
if os.geteuid() == 0:
    check(libc.unshare(CLONE_NEWNS), "unshare(mount namespace)")
else:
    ids = os.getuid(), os.getgid()
    check(libc.unshare(CLONE_NEWNS | CLONE_NEWUSER), "unshare(user and mount namespaces)")
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (ids[0], ids[0])),
                       ("gid_map", "%d %d 1" % (ids[1], ids[1]))):
        with open("/proc/self/" + name, "w") as f:
            f.write(text)
check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
for target, options in mounts:
    ret = libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode())
    check(ret, "mounting a tmpfs with " + options)
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
os.execvp(sys.argv[4], sys.argv[4:])
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


PROC_COVERS = [
    *("--ro-bind-try", "/proc/sys", "/proc/sys"),
    *("--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"),
    *("--ro-bind-try", "/proc/irq", "/proc/irq"),
    *("--ro-bind-try", "/proc/bus", "/proc/bus"),
]
"""Read-only over the new ``/proc``: bwrap covers these itself only where the sandbox's root could
write the directory, and ``/proc/sys`` is not such a directory, yet the files in it that its
namespaces own (``kernel.pid_max``, ``kernel.msgmax``, ``fs.mqueue.*``, ``net.*``) are writable,
and a value written there stays for every later job of the warm sandbox (attack 102). The source
is the launcher's ``/proc``: a sysctl file shows (and would set) the value of the namespaces of
the process that opens it, so the job still reads its own."""


def profile_args(root: Path, scratch: Mapping[str, Path]) -> list[str]:
    """The bwrap flags, up to (not including) the command; ``scratch`` maps each writable path in
    the sandbox to the capped tmpfs the launcher mounted for it."""
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
        *PROC_COVERS,
        "--dev",
        "/dev",
        *(arg for inside, source in scratch.items() for arg in ("--bind", str(source), inside)),
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
    ]


class MountPoints:
    """Empty host directories the launcher mounts the sandbox's tmpfs on, one per writable path;
    the mounts live in the launcher's namespace only, so here they stay empty directories."""

    def __init__(self, shape: Shape) -> None:
        self.options = shape.writable_mounts()
        self.base = Path(tempfile.mkdtemp(prefix="verigen-bwrap-"))
        self.base.chmod(0o755)  # bwrap, as `nobody` under host root, must reach the mounts
        self.paths = {path: self.base / path.strip("/").replace("/", "-") for path in self.options}
        for path in self.paths.values():
            path.mkdir()

    def launcher_args(self) -> str:
        return json.dumps([[str(self.paths[path]), opts] for path, opts in self.options.items()])

    def remove(self) -> None:
        for path in [*self.paths.values(), self.base]:
            with contextlib.suppress(OSError):
                path.rmdir()


def launch_argv(
    root: Path,
    points: MountPoints,
    command: list[str],
    procs: str = "",
    info_fd: int | None = None,
) -> list[str]:
    """The launcher, then bwrap with the profile, then ``command`` as the sandbox's PID 1."""
    exe = shutil.which("bwrap")
    if exe is None:
        raise SandboxError("bubblewrap is not installed (run scripts/setup-system.sh)")
    uid = NOBODY if os.geteuid() == 0 else -1
    info = [] if info_fd is None else ["--info-fd", str(info_fd)]
    launcher = [sys.executable, "-I", "-S", "-c", _LAUNCH, procs, str(uid), points.launcher_args()]
    return [*launcher, exe, *info, *profile_args(root, points.paths), "--", *command]


@dataclass(frozen=True)
class BwrapBackend:
    """Picklable description; ``start`` makes a running sandbox from it."""

    root: Path = Path("/")
    name: str = field(default="bwrap", init=False)

    def shape(self, limits: Limits) -> Shape:
        # Memory and pids live in the cgroup and change per job; only scratch is fixed at start.
        return Shape(scratch_mb=limits.scratch_mb, memory_mb=0, pids=0)

    def start(self, shape: Shape, tag: str) -> BwrapTransport:
        group = cgroup.create(tag)
        procs = (
            ""
            if group is None
            else ":".join(str(d / "cgroup.procs") for d in {group.memory_dir, group.pids_dir})
        )
        points = MountPoints(shape)
        info_r, info_w = os.pipe()
        try:
            command = ["python3", "-I", "-S", "-c", server_source()]
            argv = launch_argv(self.root, points, command, procs, info_w)
            return BwrapTransport(argv, group, points, info_r, info_w)
        except BaseException:
            os.close(info_r)
            points.remove()
            if group is not None:
                group.remove()
            raise
        finally:
            os.close(info_w)


class BwrapTransport(Transport):
    backend = "bwrap"

    def __init__(
        self,
        argv: list[str],
        group: cgroup.Cgroup | None,
        points: MountPoints,
        info_r: int,
        info_w: int,
    ) -> None:
        super().__init__()
        self._group, self._points = group, points
        self._info: int | None = None
        self._oom0 = 0
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in kill()
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            pass_fds=(info_w,),
            start_new_session=True,
            cwd="/",
        )
        self._info = info_r

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

    def _sandbox_pid(self) -> int | None:
        """The sandbox's PID 1 as the host numbers it, from what bwrap writes on ``--info-fd``
        once the sandbox is set up; None before that. Never blocks: kill() must not hang."""
        fd, self._info = self._info, None
        if fd is None:
            return None
        data = b""
        try:
            os.set_blocking(fd, False)
            while chunk := os.read(fd, 1 << 12):
                data += chunk
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return int(json.loads(data)["child-pid"])
        return None

    def kill(self) -> None:
        """Kill the sandbox's PID 1 (the kernel then kills its whole PID namespace) and let bwrap
        reap it and exit; bwrap itself only if that fails. Killing bwrap first would orphan its
        child, a zombie for the host's init to reap, or nobody where init does not."""
        pid1 = self._sandbox_pid()
        if self._proc.poll() is None and pid1 is not None:
            # bwrap is alive, so it has not reaped pid1 yet: the number is still its child's.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid1, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=KILL_WAIT_S)
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
        self._points.remove()
