"""One cgroup per bwrap worker: the aggregate memory and process cap that rlimits cannot give.

bubblewrap has no resource limits of its own (containers/bubblewrap#233). rlimits are per
process, so 64 processes × 512 MiB would still sink the host; a cgroup caps the whole sandbox. Both
hierarchies are supported because both are in the field: cgroup v2 (a sub-group of our own group,
which needs the memory and pids controllers delegated to it) and v1 (memory and pids hierarchies,
as root). ``probe()`` says why neither is usable, and ``verigen sandbox doctor`` prints it; the
bwrap backend then runs with rlimits only and says so.

The limits are rewritten before every job (jobs may differ), the peak is reset, and the OOM-kill
counter is read around the job so a SIGKILL from the OOM killer is reported as ``memory_limit``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class Cgroup:
    """A created cgroup: v2 has one directory, v1 one per controller (memory, pids)."""

    memory_dir: Path
    pids_dir: Path
    v2: bool

    def set_limits(self, memory_mb: int, pids: int) -> None:
        mem = str(memory_mb << 20)
        if self.v2:
            _write(self.memory_dir / "memory.max", mem)
            _write_if_exists(self.memory_dir / "memory.swap.max", "0")
            _write_if_exists(self.memory_dir / "memory.peak", "0")
        else:
            # memsw (memory+swap) must stay >= the memory limit at every step: lowering goes
            # memory first, raising memsw first; trying memsw on both sides covers either.
            memsw = self.memory_dir / "memory.memsw.limit_in_bytes"
            with contextlib.suppress(OSError):
                _write_if_exists(memsw, mem)
            _write(self.memory_dir / "memory.limit_in_bytes", mem)
            _write_if_exists(memsw, mem)
            _write(self.memory_dir / "memory.max_usage_in_bytes", "0")
        _write(self.pids_dir / "pids.max", str(pids))

    def add(self, pid: int) -> None:
        for directory in {self.memory_dir, self.pids_dir}:
            _write(directory / "cgroup.procs", str(pid))

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        for line in (self.memory_dir / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def peak_mb(self) -> float | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        try:
            return int((self.memory_dir / name).read_text()) / (1 << 20)
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """SIGKILL whatever is left inside, then delete the group (retrying while it drains)."""
        for _ in range(200):
            pids = [int(p) for p in (self.pids_dir / "cgroup.procs").read_text().split()]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            try:
                for directory in {self.memory_dir, self.pids_dir}:
                    directory.rmdir()
                return
            except OSError:
                time.sleep(0.01)


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _write_if_exists(path: Path, value: str) -> None:
    if path.exists():
        path.write_text(value)


def _own_path(controller: str) -> str | None:
    """Our own cgroup path in a hierarchy (``""`` names the v2 unified one)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _v2_parent() -> Path | None:
    """Where a v2 sub-group with memory+pids can be made: our own group, if delegated."""
    if not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None
    own = _own_path("")
    if own is None:
        return None
    parent = CGROUP_ROOT / own.lstrip("/")
    wanted = {"memory", "pids"}
    if not wanted <= set((parent / "cgroup.subtree_control").read_text().split()):
        return None
    return parent if os.access(parent, os.W_OK) else None


def _v1_parents() -> tuple[Path, Path] | None:
    parents = []
    for controller in ("memory", "pids"):
        own = _own_path(controller)
        base = CGROUP_ROOT / controller
        if own is None or not base.is_dir():
            return None
        parent = base / own.lstrip("/")
        if not os.access(parent, os.W_OK):
            return None
        parents.append(parent)
    return parents[0], parents[1]


def probe() -> str | None:
    """None when a per-worker cgroup can be created here, else the reason it cannot."""
    try:
        if _v2_parent() is not None or _v1_parents() is not None:
            return None
    except OSError as exc:
        return f"cannot read cgroups: {exc}"
    return (
        "no writable cgroup with memory and pids controllers (v2: our group must have them in "
        "cgroup.subtree_control; v1: needs root): each process is still capped by rlimits, "
        "the job as a whole is not"
    )


def create(tag: str) -> Cgroup | None:
    """A fresh cgroup named after ``tag``, or None where ``probe()`` gives a reason."""
    name = f"verigen-{tag}-{secrets.token_hex(4)}"
    parent = _v2_parent()
    if parent is not None:
        path = parent / name
        path.mkdir()
        return Cgroup(path, path, v2=True)
    v1 = _v1_parents()
    if v1 is None:
        return None
    mem, pids = v1[0] / name, v1[1] / name
    mem.mkdir()
    pids.mkdir()
    return Cgroup(mem, pids, v2=False)
