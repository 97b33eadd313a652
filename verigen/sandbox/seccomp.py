"""A seccomp-BPF deny list, assembled by hand with ``struct`` (no libseccomp binding needed).

The fork server installs it on itself before any job exists, so every job process inherits it and
cannot remove it. It removes kernel attack surface that test code never needs: eBPF, perf, io_uring,
userfaultfd, keyrings, module and kexec loading, mounts and new namespaces (``unshare``, ``setns``,
``clone`` with namespace flags; ``clone3`` answers ENOSYS so libc falls back to ``clone``),
``ptrace`` and cross-process memory access, ``TIOCSTI`` terminal injection, clock and host
changes, and SysV / POSIX message-queue IPC (which would otherwise outlive a job inside a warm
sandbox; every ``mq_*`` call, not only ``mq_open``, since ``open()`` on a mounted mqueue filesystem
makes a queue too). Some calls are allowed on the caller only (pid 0): ``prlimit64``,
``setpriority``, ``ioprio_set``, ``sched_setaffinity``, ``sched_setscheduler``,
``sched_setparam`` and ``sched_setattr`` reach any
process of the same uid, which in a warm sandbox includes the fork server and its zygote, so a job
could otherwise lower their limits, priority or CPU share for every later job (a library that
pins its own threads by thread id gets EPERM). Everything else is
allowed: this is a deny list on top of namespaces and an unprivileged uid, not a whitelist.

Only x86_64 is described (a foreign architecture or the x32 ABI is refused by the filter itself,
and ``program()`` raises on other machines) — syscall numbers differ per architecture.
"""

from __future__ import annotations

import errno
import platform
import struct

from verigen.errors import SandboxError

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_JGT_K = 0x25
_RET_K = 0x06

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000

_OFF_NR, _OFF_ARCH = 0, 4


def _arg_low(i: int) -> int:
    """Offset of the low 32 bits of syscall argument ``i`` in ``struct seccomp_data`` (LE)."""
    return 16 + 8 * i


DENIED_X86_64: dict[str, int] = {
    "shmget": 29,
    "semget": 64,
    "msgget": 68,
    "ptrace": 101,
    "syslog": 103,
    "uselib": 134,
    "personality": 135,
    "ustat": 136,
    "sysfs": 139,
    "vhangup": 153,
    "pivot_root": 155,
    "_sysctl": 156,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "create_module": 174,
    "init_module": 175,
    "delete_module": 176,
    "query_module": 178,
    "quotactl": 179,
    "nfsservctl": 180,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "mq_open": 240,
    "mq_unlink": 241,
    "mq_timedsend": 242,
    "mq_timedreceive": 243,
    "mq_notify": 244,
    "mq_getsetattr": 245,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
    "quotactl_fd": 443,
}
NR_CLONE, NR_CLONE3, NR_IOCTL, NR_SETPRIORITY, NR_IOPRIO_SET = 56, 435, 16, 141, 251
SELF_ONLY_X86_64: dict[str, int] = {
    "prlimit64": 302,
    "sched_setaffinity": 203,
    "sched_setscheduler": 144,
    "sched_setparam": 142,
    "sched_setattr": 314,
}
"""Allowed only with 0 (the caller) as first argument."""
PRIO_PGRP = 1
IOPRIO_WHO_PGRP = 2
CLONE_NAMESPACE_FLAGS = (
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
)
"""NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET."""
TIOCSTI, TIOCLINUX = 0x5412, 0x541C


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def _deny(nr: int, action: int) -> bytes:
    """``if nr == A: return action`` — two instructions, so no jump ever exceeds one."""
    return _insn(_JEQ_K, nr, 0, 1) + _insn(_RET_K, action)


def program() -> bytes:
    """The filter as ``struct sock_filter[]`` bytes, ready for ``prctl(PR_SET_SECCOMP)``."""
    if platform.machine() not in ("x86_64", "AMD64"):
        raise SandboxError(
            f"the seccomp filter is only described for x86_64, not {platform.machine()}: "
            "run verigen's sandbox on an x86_64 host"
        )
    eperm = RET_ERRNO | errno.EPERM
    out = [
        _insn(_LD_W_ABS, _OFF_ARCH),
        _insn(_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _insn(_RET_K, RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _OFF_NR),
        _insn(_JGE_K, X32_SYSCALL_BIT, 0, 1),
        _insn(_RET_K, eperm),
    ]
    out += [_deny(nr, eperm) for nr in sorted(DENIED_X86_64.values())]
    out.append(_deny(NR_CLONE3, RET_ERRNO | errno.ENOSYS))
    # clone: allowed unless a namespace flag is set in its first argument.
    out += [
        _insn(_JEQ_K, NR_CLONE, 0, 4),
        _insn(_LD_W_ABS, _arg_low(0)),
        _insn(_JSET_K, CLONE_NAMESPACE_FLAGS, 0, 1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, RET_ALLOW),
    ]
    # ioctl: allowed unless it pushes input into a terminal.
    out += [
        _insn(_JEQ_K, NR_IOCTL, 0, 5),
        _insn(_LD_W_ABS, _arg_low(1)),
        _insn(_JEQ_K, TIOCSTI, 2, 0),
        _insn(_JEQ_K, TIOCLINUX, 1, 0),
        _insn(_RET_K, RET_ALLOW),
        _insn(_RET_K, eperm),
    ]
    # limits and scheduling: only of the caller (pid 0), as setrlimit and os.sched_* use them.
    for nr in sorted(SELF_ONLY_X86_64.values()):
        out += [
            _insn(_JEQ_K, nr, 0, 4),
            _insn(_LD_W_ABS, _arg_low(0)),
            _insn(_JEQ_K, 0, 0, 1),
            _insn(_RET_K, RET_ALLOW),
            _insn(_RET_K, eperm),
        ]
    # setpriority and ioprio_set: only on the caller's own process or process group (who == 0),
    # never a uid (``which`` above its process-group value).
    for nr, highest_which in ((NR_SETPRIORITY, PRIO_PGRP), (NR_IOPRIO_SET, IOPRIO_WHO_PGRP)):
        out += [
            _insn(_JEQ_K, nr, 0, 6),
            _insn(_LD_W_ABS, _arg_low(0)),
            _insn(_JGT_K, highest_which, 3, 0),
            _insn(_LD_W_ABS, _arg_low(1)),
            _insn(_JEQ_K, 0, 0, 1),
            _insn(_RET_K, RET_ALLOW),
            _insn(_RET_K, eperm),
        ]
    out.append(_insn(_RET_K, RET_ALLOW))
    return b"".join(out)
