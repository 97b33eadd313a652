"""The fork server: PID 1 of every warm sandbox, one job at a time, each started fresh by a fork.

Runs *inside* the sandbox (``python3 -I -S -c <this file>``), standard library only. The host sends
length-prefixed JSON frames on stdin and reads answers on stdout; no job ever holds those two fds.

Why PID 1: the kernel delivers no signal to a namespace's init from inside that it has not asked
for, so a job cannot kill its supervisor (attack 22); orphans are re-parented here and reaped
(an unreaped zombie per run would exhaust the pids cap); and ``kill(-1, SIGKILL)`` from PID 1 ends
every other process in the sandbox, so nothing of a job (daemonised or not) outlives it.

Per job: a fresh scratch directory, a new session, rlimits (address space, processes, file size,
open files, CPU, no core dumps), ``oom_score_adj=1000`` (the OOM killer takes the job, not us), a
clean environment, stdin from a pipe that is closed after the job's input, and output capped per
stream. The seccomp filter and ``no_new_privs`` are installed on this process at start and so
inherited by everything it forks; it also marks itself non-dumpable, which keeps a job (same uid)
from reading ``/proc/1/{environ,mem,fd}``. After the job: kill all, reap all, take what is left in
the output pipes (never waiting for end of file: a write end can outlive every process in a unix
socket's queue), wipe every writable place (``/tmp``, ``/dev/shm``); what cannot be wiped, or unix
sockets beyond the server's own (objects that outlived every process), make the sandbox unclean:
the host replaces it, and the job's own result stands. A job whose main process is stopped (SIGSTOP
from a process of the job) is ended at once with reason ``stopped``: it could never finish, and
only the job can have stopped it. The host decides the final status from the facts reported here.

Two kinds of job main process. A command is forked from here and exec'd. A harness job (``argv[0]``
is ``HARNESS``) is the test runner, forked by the *zygote* without an exec: a second interpreter,
forked from this one after the seccomp filter and before any job frame was read, which has the
harness modules (sent in the init frame) imported, holds no fd of the host's channel, and only ever
receives from here a job's argv, limits, environment and three pipe ends; the runner is told the
job's wall limit, so it reports a slow solution itself before it is killed. Per job the zygote
forks once and *itself* becomes the runner, while its fork carries on as the zygote: the runner is
then PID 1's own child, reaped and measured like any job, at the cost of one fork (a runner forked
from the zygote would be its child, not PID 1's); the new zygote's pid comes back with the answer.
The runner then forks its own per-job zygote for the solution before it reads the tests
(``runner.py``), so no process a solution runs in has held a test, a nonce or anything of an
earlier job. The zygote outlives jobs: ``kill_all`` freezes everything, kills all but the
zygote, thaws it; a job that kills or damages it makes this sandbox report itself unclean, and the
host restarts it. Signals a job sent the blocking zygote stay pending in it: the runner it becomes
drops them before it unblocks any (a fork, as the new zygote, starts with none).
"""

import base64
import contextlib
import ctypes
import gc
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback
import types
from typing import Any

SCRATCH_ROOT = "/tmp"
JOB_DIR = "/tmp/job"
WIPE_DIRS = ("/tmp", "/dev/shm")
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2
CHUNK = 1 << 16
HARNESS = "verigen-harness"
"""``argv[0]`` of a harness job (``verdict.tests_job``): run by the zygote, not exec'd."""
HARNESS_MODULES = ("codec", "solhost", "runner")
ZYGOTE_TIMEOUT_S = 30.0
KILL_ROUNDS = 200
Reaped = tuple[int, int, Any]
"""(pid, wait status, resource usage) of a reaped child."""


def read_exact(n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        part = os.read(0, n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


def read_frame() -> Any:
    head = read_exact(4)
    if head is None:
        return None
    body = read_exact(struct.unpack(">I", head)[0])
    return None if body is None else json.loads(body)


def write_frame(obj: Any) -> None:
    body = json.dumps(obj).encode()
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(1, data) :]


def harden(seccomp_b64: str) -> None:
    """no_new_privs + non-dumpable + the seccomp filter, before any job exists."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    program = base64.b64decode(seccomp_b64)
    buf = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.addressof(buf))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def oom_kills() -> int | None:
    for path in OOM_FILES:
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return None


def wipe(path: str) -> bool:
    """Empty a directory the job could write to, whatever modes the job left on its entries and
    however deep its tree: no recursion (a 1500-level tree overflowed the stack) and no paths (a
    deep one exceeds PATH_MAX), only names relative to an open directory, one open at a time
    (climbing back by ``..``: no process of the job is left to move anything). Whether the
    directory is empty now; on any failure it is not, and the sandbox is replaced."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    # per directory entered: its name in its parent, its subdirectories still to empty
    stack: list[tuple[str, list[str]]] = [("", [])]
    try:
        subdirs = stack[-1][1]
        while True:
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(entry.name)
                    else:
                        os.unlink(entry.name, dir_fd=fd)
            while not stack[-1][1] and len(stack) > 1:  # emptied: climb out and remove it
                name, _ = stack.pop()
                parent = os.open("..", flags, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(name, dir_fd=fd)
            if not stack[-1][1]:
                return True
            name = stack[-1][1].pop()
            os.chmod(name, 0o700, dir_fd=fd)  # a directory (not a link): nobody else runs
            child = os.open(name, flags, dir_fd=fd)
            os.close(fd)
            fd = child
            subdirs = []
            stack.append((name, subdirs))
    except Exception:
        return False
    finally:
        os.close(fd)


def kill_all() -> list[Reaped]:
    """SIGKILL every process in the sandbox but this one and the zygote; reap them all; return
    what was reaped. A zygote that cannot be spared is killed too (the sandbox is then unclean)."""
    reaped: list[Reaped] = []
    if ZYGOTE is not None and ZYGOTE.pid is not None:
        done = _kill_all_but(ZYGOTE.pid, reaped)
        if done:
            return reaped
        ZYGOTE.pid = None
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return reaped
        while True:
            try:
                reaped.append(_note(os.wait4(-1, 0)))
            except ChildProcessError:
                break


def _kill_all_but(spare: int, reaped: list[Reaped]) -> bool:
    """Freeze every process (``kill(-1)`` reaches forks in flight too), SIGKILL all but ``spare``,
    thaw it; again until none is left. Frozen processes cannot fork, so the list is complete."""
    for _ in range(KILL_ROUNDS):
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGSTOP)
        victims = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in (1, spare)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(spare, signal.SIGCONT)
        if not victims:
            return True
        late = False
        for pid in victims:
            try:
                reaped.append(os.wait4(pid, 0))
            except ChildProcessError:  # not re-parented to us yet: its parent is still dying
                late = True
        if late:
            time.sleep(0.001)
    return False


def _note(entry: Reaped) -> Reaped:
    """Every reap goes through here: a reaped zygote is gone, and its pid must not be spared."""
    if ZYGOTE is not None and entry[0] == ZYGOTE.pid:
        ZYGOTE.pid = None
    return entry


def write_files(files: dict[str, str]) -> None:
    for name, data in files.items():
        norm = os.path.normpath(name)
        if os.path.isabs(norm) or norm.startswith(".."):
            raise ValueError(f"file name escapes the scratch directory: {name!r}")
        path = os.path.join(JOB_DIR, norm)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def enter_job(limits: dict[str, Any], fds: tuple[int, int, int]) -> None:
    """Become a job's main process: new session, its pipes as fds 0-2 and no other fd, rlimits,
    first in line for the OOM killer, the scratch directory as cwd."""
    stdin_r, out_w, err_w = fds
    os.setsid()
    os.dup2(stdin_r, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.closerange(3, 65536)
    mem = limits["memory_mb"] << 20
    cpu = int(limits["cpu_s"] or limits["wall_s"]) + 1
    for res, value in (
        (resource.RLIMIT_AS, 2 * mem),
        (resource.RLIMIT_NPROC, limits["pids"] + 1),  # + 1: the zygote has this uid too
        (resource.RLIMIT_FSIZE, limits["scratch_mb"] << 20),
        (resource.RLIMIT_NOFILE, 256),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, cpu),
    ):
        resource.setrlimit(res, (value, value))
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    os.chdir(JOB_DIR)
    os.umask(0o077)


def job_env(job: Any) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": JOB_DIR,
        "TMPDIR": JOB_DIR,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(job.get("env") or {})
    return env


def child(job: Any, fds: tuple[int, int, int]) -> None:
    """In the forked child: become the job. Never returns."""
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        enter_job(job["limits"], fds)
        argv = job["argv"]
        os.execvpe(argv[0], argv, job_env(job))
    except BaseException as exc:
        os.write(2, f"verigen sandbox: cannot start {job.get('argv')!r}: {exc}\n".encode())
    os._exit(127)


# --- the zygote -------------------------------------------------------------------------------


class Zygote:
    """PID 1's end of the zygote (see the module docstring)."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid: int | None = pid
        self.sock = sock

    @classmethod
    def start(cls, sources: dict[str, str]) -> "Zygote":
        """Fork it (before any job frame is read: it must never have held one) and wait until
        it has loaded the harness."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            os.close(ours.detach())
            zygote_main(theirs, sources)
        theirs.close()
        ours.settimeout(ZYGOTE_TIMEOUT_S)
        hello = ours.recv(4096)
        if hello != b"R":
            why = hello.decode(errors="replace") or "it exited"
            raise RuntimeError(f"the harness zygote did not start: {why}")
        return cls(pid, ours)

    def spawn(self, job: Any, fds: tuple[int, int, int]) -> int:
        """The pid of a new test runner for ``job``: the zygote we knew, now a runner (our own
        child); its fork, whose pid the answer carries, is the zygote from here on."""
        if self.pid is None:
            raise RuntimeError("the harness zygote is gone")
        request = json.dumps({k: job.get(k) for k in ("argv", "limits", "env")}).encode()
        socket.send_fds(self.sock, [request], list(fds))
        answer = self.sock.recv(32)
        if not answer:
            raise RuntimeError("the harness zygote is gone")
        runner, self.pid = self.pid, int(answer)
        return runner

    def alive(self) -> bool:
        """Whether it still answers. Exact after a job: a SIGKILL the job sent it is already
        pending, so it can no longer answer; every other signal it blocks, and ``kill_all``
        has continued it if it was stopped."""
        if self.pid is None:
            return False
        try:
            self.sock.sendall(b"?")
            answered = self.sock.recv(32) == b"!"
        except OSError:
            answered = False
        if not answered:
            self.pid = None  # the host restarts this sandbox; the pid is reaped in kill_all
        return answered


ZYGOTE: Zygote | None = None
UNIX_SOCKETS = 0
"""Unix sockets in the sandbox's network namespace between jobs: the server's and the zygote's
(counted once the zygote is up)."""


def zygote_main(sock: socket.socket, sources: dict[str, str]) -> None:
    """In the zygote: load the harness, then per request fork, the fork carrying on as the
    zygote and this process becoming the request's test runner. Never returns."""
    try:
        # A job can signal us (same uid): what can be blocked is, and each runner unblocks it.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)  # the host's channel (fds 0 and 1) is PID 1's alone
        os.dup2(null, 1)
        keep = sock.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
        runner = load_harness(sources)
        gc.freeze()  # the harness stays in shared pages: fewer copies per fork
        sock.sendall(b"R")
        while True:
            request, fds, _, _ = socket.recv_fds(sock, CHUNK, 3)
            if not request:
                break
            if request == b"?":
                sock.sendall(b"!")
                continue
            if os.fork() == 0:  # the fork carries on as the zygote
                for fd in fds:
                    os.close(fd)
                sock.sendall(str(os.getpid()).encode())
                continue
            os.close(sock.detach())  # this process becomes the runner: no channel to PID 1
            run_runner(json.loads(request), (fds[0], fds[1], fds[2]), runner)
    except BaseException:
        with contextlib.suppress(OSError):
            sock.sendall(traceback.format_exc()[-2000:].encode())
    os._exit(0)


def load_harness(sources: dict[str, str]) -> Any:
    """The harness modules, compiled from the host's sources, and the site-packages directories
    an exec'd ``python3 -I`` would see (not the scratch directory, nor any other writable one)."""
    import site

    site.main()
    sys.path[:] = [p for p in sys.path if os.path.isabs(p) and not p.startswith(("/tmp", "/dev"))]
    for name in HARNESS_MODULES:
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(sources[name], f"<verigen harness {name}>", "exec"), module.__dict__)
    return sys.modules["runner"]


def run_runner(job: Any, fds: tuple[int, int, int], runner: Any) -> None:
    """In the test runner: become the job as ``child`` does, then run the harness. Never returns."""
    code = 1
    try:
        for sig in signal.sigpending():  # sent to the zygote by an earlier job: not for this one
            previous = signal.signal(sig, signal.SIG_IGN)  # ignoring a pending signal drops it
            signal.signal(sig, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        enter_job(job["limits"], fds)
        os.environ.clear()
        os.environ.update(job_env(job))
        sys.argv = list(job["argv"])
        runner.main(sys.argv[1:], float(job["limits"]["wall_s"]))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def reap_some(stopped: list[int]) -> list[Reaped]:
    """Reap every child that has already exited (orphans included: they are re-parented here);
    the pids of children that were stopped are added to ``stopped``."""
    reaped: list[Reaped] = []
    while True:
        try:
            rpid, status, usage = os.wait4(-1, os.WNOHANG | os.WUNTRACED)
        except ChildProcessError:
            return reaped
        if rpid == 0:
            return reaped
        if os.WIFSTOPPED(status):
            stopped.append(rpid)
        else:
            reaped.append(_note((rpid, status, usage)))


def feed(fd: int, pending: bytes) -> bytes:
    """Write what the pipe takes now of the job's stdin; a reader that left ends the feeding."""
    try:
        return pending[os.write(fd, pending[:CHUNK]) :]
    except BlockingIOError:
        return pending
    except BrokenPipeError:
        return b""


class Collector:
    """Reads one output pipe, keeps at most ``cap`` bytes, notices when the program writes more."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd, self.cap, self.buf, self.over = fd, cap, bytearray(), False

    def pump(self) -> bool:
        """Read what there is; False at end of file, or (once ``drain`` set the pipe
        non-blocking) when nothing is left to read now."""
        try:
            data = os.read(self.fd, CHUNK)
        except BlockingIOError:
            return False
        if not data:
            return False
        room = self.cap - len(self.buf)
        self.buf += data[: max(room, 0)]
        self.over = self.over or len(data) > room
        return True

    def drain(self) -> None:
        """Everything the pipe holds, without waiting for end of file: called once every process
        of the job is gone, when nothing can write any more, but a write end may still be held in
        a unix socket's queue (fds sent, never received) until the kernel's unix GC frees it."""
        os.set_blocking(self.fd, False)
        while self.pump():
            pass


def supervise(
    job: Any, pid: int, stdin_fd: int, pending: bytes, outs: list["Collector"], wake_r: int
) -> tuple[str | None, int | None, float, int]:
    """Feed the rest of stdin (``pending``), collect output, reap, enforce the deadline; once the
    main process is reaped, kill all (nothing it started may outlive it) and take what is left in
    the output pipes.

    Returns (reason the job was stopped or None, main wait status, CPU seconds, peak RSS KiB).
    """
    deadline = time.monotonic() + job["limits"]["wall_s"]
    stdin_w: int | None = stdin_fd
    if not pending:
        os.close(stdin_fd)
        stdin_w = None
    reason: str | None = None
    main_status: int | None = None
    cpu, maxrss = 0.0, 0
    open_outs = list(outs)
    killed = False
    while not killed:
        reaped: list[Reaped] = []
        if main_status is not None:
            reaped += kill_all()  # the main process is done: nothing it started may outlive it
            killed = True
        left = deadline - time.monotonic()
        if left <= 0 and reason is None:
            reason = "timeout"
            reaped += kill_all()
        rlist = [c.fd for c in open_outs] + [wake_r]
        wlist = [stdin_w] if stdin_w is not None else []
        wait = 0.0 if killed else max(left, 0.0) if reason is None else 1.0
        readable, writable, _ = select.select(rlist, wlist, [], wait)
        if writable and stdin_w is not None:
            pending = feed(stdin_w, pending)
            if not pending:
                os.close(stdin_w)
                stdin_w = None
        for c in list(open_outs):
            if c.fd in readable and not c.pump():
                open_outs.remove(c)
            if c.over and reason is None:
                reason = "output_limit"
                reaped += kill_all()
        if wake_r in readable:
            os.read(wake_r, 4096)
        stopped: list[int] = []
        reaped += reap_some(stopped)
        if pid in stopped and reason is None:
            # The job stopped its own main process (a solution can SIGSTOP its test runner):
            # it would never end, and waiting out the wall limit would look like our failure.
            reason = "stopped"
            reaped += kill_all()
        for rpid, status, usage in reaped:
            cpu += usage.ru_utime + usage.ru_stime
            maxrss = max(maxrss, usage.ru_maxrss)
            if rpid == pid:
                main_status = status
    # Every process of the job is gone: nothing writes to the pipes any more, whoever still
    # holds a write end (a pipe stashed in an unreceived unix socket cycle reaches end of file
    # only when the kernel's unix GC runs, maybe never).
    for c in open_outs:
        c.drain()
        if c.over and reason is None:
            reason = "output_limit"
    if stdin_w is not None:
        os.close(stdin_w)
    return reason, main_status, cpu, maxrss


def unix_sockets() -> int:
    """How many unix sockets the sandbox's network namespace holds (``/proc/net/unix``); -1 when
    it cannot be read."""
    try:
        with open("/proc/net/unix") as f:
            return len(f.readlines()) - 1
    except OSError:
        return -1


def tidy() -> bool:
    """After the job, all its processes gone: wipe every writable place; whether nothing of the
    job is left. Objects that outlive every process (fds sent over a unix socket and never
    received, in a cycle no process owns: memfds, pipes, ptys, sockets, a bound abstract name)
    show as unix sockets beyond the server's own (``UNIX_SOCKETS``): such a sandbox is replaced
    rather than cleaned."""
    wiped = [wipe(d) for d in WIPE_DIRS]
    return all(wiped) and unix_sockets() == UNIX_SOCKETS and ZYGOTE is not None and ZYGOTE.alive()


def run_job(job: Any, wake_r: int) -> dict[str, Any]:
    t0 = time.monotonic()
    if not wipe(SCRATCH_ROOT):
        raise RuntimeError(f"cannot empty {SCRATCH_ROOT} before the job")
    os.mkdir(JOB_DIR, 0o700)
    write_files(job["files"])
    oom0 = oom_kills()
    stdin_r, stdin_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    os.set_blocking(stdin_w, False)
    # what the pipe takes of the input goes in now: a test runner reads its spec at once
    pending = feed(stdin_w, base64.b64decode(job["stdin"]))
    try:
        if job["argv"][:1] == [HARNESS]:
            if ZYGOTE is None:
                raise RuntimeError("no harness zygote in this sandbox")
            pid = ZYGOTE.spawn(job, (stdin_r, out_w, err_w))
        else:
            pid = os.fork()
            if pid == 0:
                child(job, (stdin_r, out_w, err_w))
    finally:
        for fd in (stdin_r, out_w, err_w):
            os.close(fd)
    cap = job["limits"]["output_bytes"]
    outs = [Collector(out_r, cap), Collector(err_r, cap)]
    reason, status, cpu, maxrss = supervise(job, pid, stdin_w, pending, outs, wake_r)
    for _, _, usage in kill_all():  # what outlived the main process used CPU too: count it
        cpu += usage.ru_utime + usage.ru_stime
        maxrss = max(maxrss, usage.ru_maxrss)
    for c in outs:
        os.close(c.fd)
    try:  # the job's verdict stands whatever it left behind: a mess only costs the sandbox
        clean = tidy()
    except Exception:
        clean = False
    oom1 = oom_kills()
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
    return {
        "reason": reason,
        "exit_code": code,
        "signal": sig,
        "stdout": base64.b64encode(bytes(outs[0].buf)).decode(),
        "stderr": base64.b64encode(bytes(outs[1].buf)).decode(),
        "stdout_truncated": outs[0].over,
        "stderr_truncated": outs[1].over,
        "wall_s": time.monotonic() - t0,
        "cpu_s": cpu,
        "maxrss_kb": maxrss,
        "oom_kills": None if oom0 is None or oom1 is None else oom1 - oom0,
        "clean": clean,
    }


def main() -> None:
    global ZYGOTE, UNIX_SOCKETS
    init = read_frame()
    if init is None or os.getpid() != 1:
        return  # kill(-1) below would hit every process of this uid outside a sandbox
    harden(init["seccomp"])
    try:
        ZYGOTE = Zygote.start(init["harness"])
        UNIX_SOCKETS = unix_sockets()
        if UNIX_SOCKETS < 0:
            raise RuntimeError("cannot read /proc/net/unix")
    except Exception as exc:
        write_frame({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    # The kernel lets a job signal its namespace's init only where init handles the signal:
    # SIGINT back to the default (Python's KeyboardInterrupt handler would let a job stop us);
    # SIGCHLD only wakes the loop.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    write_frame({"ready": True, "pid": os.getpid(), "python": sys.version.split()[0]})
    while True:
        job = read_frame()
        if job is None:
            kill_all()
            return
        try:
            answer = run_job(job, wake_r)
        except Exception as exc:
            kill_all()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        write_frame(answer)


if __name__ == "__main__":
    main()
