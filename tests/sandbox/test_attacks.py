"""Every program in the shared attack suite, on every backend, graded by its own header.

Containment attacks run as plain jobs under the README's limits; each is checked from the host
side (no canary token in the output, nothing written on the host, no process surviving the run)
and against the attack's own ``ATTACK_RESULT`` line where that line is trustworthy. Verdict attacks
run through the harness against ``add`` tests and must be graded failing; the correct ``add``
must pass. The programs are referenced by path and never copied.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.parts import require
from tests.sandbox.conftest import ATTACK_LIMITS, ATTACKS, Canaries
from verigen.sandbox import Job, Pool, Result, Status, TestSuite
from verigen.sandbox.docker import OWNER_LABEL
from verigen.sandbox.docker import client as docker_client
from verigen.sandbox.doctor import docker_problem

require("shared", module=True)  # without the programs every case below would vanish silently

ADD_ASSERTS = "assert add(1, 2) == 3\nassert add(-4, 4) == 0\nassert add(10, 5) == 15\n"
ADD_UNITTEST = """import unittest

class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_negative(self):
        self.assertEqual(add(-4, 4), 0)
"""
CORRECT_ADD = "def add(a, b):\n    return a + b\n"
PWNED_DIRS = [
    "/",
    "/etc",
    "/usr",
    "/usr/lib",
    "/root",
    "/srv",
    "/var/tmp",
    "/home",
    "/opt",
    "/dev/shm",
    "/tmp",
]


def header(path: Path) -> dict[str, str]:
    fields = {}
    for line in path.read_text().splitlines():
        match = re.match(r"# ([A-Z ]+): (.*)", line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


def attack_files(kind: str) -> list[Path]:
    files = ATTACKS.glob("[0-9]*.py")
    return sorted(p for p in files if header(p).get("KIND", "").startswith(kind))


def max_number(pattern: str, text: str) -> int:
    return max((int(n) for n in re.findall(pattern, text)), default=0)


def _blocked(r: Result) -> None:
    assert "ATTACK_RESULT: BLOCKED" in r.stdout, r.stdout[-2000:]


def _timed_out(r: Result) -> None:
    assert r.status is Status.TIMEOUT, r


def _host_shadow(r: Result) -> None:
    shadow = Path("/etc/shadow")
    if shadow.exists():
        assert hashlib.sha256(shadow.read_bytes()).hexdigest() not in r.stdout


def _no_host_writes(r: Result) -> None:
    assert not [d for d in PWNED_DIRS if (Path(d) / "verigen_pwned").exists()]


def _disk(r: Result) -> None:
    assert max_number(r"wrote (\d+) MiB", r.stdout) <= 64 + 16, r.stdout


def _threads(r: Result) -> None:
    assert r.status is Status.TIMEOUT or "capped" in r.stdout
    assert max_number(r"threads=(\d+)", r.stdout) <= 70, r.stdout


def _memory(r: Result) -> None:
    assert max_number(r"allocated (\d+) MiB", r.stdout) <= 512, r.stdout
    assert r.status in (Status.MEMORY_LIMIT, Status.OK, Status.NONZERO_EXIT), r


def _mmap(r: Result) -> None:
    assert max_number(r"touched (\d+) MiB", r.stdout) <= 512, r.stdout


def _kill_parent(r: Result) -> None:
    assert r.status in (Status.OK, Status.KILLED), r


def _no_attach(r: Result) -> None:
    assert "ATTACHED" not in r.stdout, r.stdout


def _flood(r: Result) -> None:
    assert r.status is Status.OUTPUT_LIMIT and r.stdout_truncated
    assert len(r.stdout_bytes) <= ATTACK_LIMITS.output_bytes


def _garbage(r: Result) -> None:
    assert r.status is Status.NONZERO_EXIT and r.exit_code == 1
    assert isinstance(r.stdout, str) and isinstance(r.to_json_dict()["stderr"], str)


def _closed(r: Result) -> None:
    assert r.status is Status.OK and r.stdout_bytes == b"" and r.stderr_bytes == b""


def _mountinfo(r: Result) -> None:
    if r.backend == "bwrap":
        _blocked(r)
    # docker: overlayfs options name /var/lib/docker (an accepted info leak, docs/sandbox.md)


CHECKS: dict[str, list[Callable[[Result], None]]] = {
    "01": [_blocked],
    "02": [_blocked],
    "03": [_blocked],
    "04": [_blocked],
    "05": [_host_shadow],
    "06": [],
    "07": [],
    "09": [],
    "10": [_no_host_writes],
    "11": [_disk, _blocked],
    "14": [_timed_out],
    "15": [_threads],
    "16": [_memory],
    "17": [_mmap],
    "18": [_timed_out],
    "19": [_timed_out],
    "20": [_timed_out],
    "22": [_kill_parent],
    "24": [_no_attach],
    "25": [_blocked],
    "26": [_blocked],
    "27": [_flood],
    "28": [_garbage],
    "29": [_closed],
    "30": [_timed_out],
    "31": [_blocked],
    "43": [_blocked],
    "44": [_blocked],
    "46": [_blocked],
    "47": [_mountinfo],
    "49": [_blocked],
}


def survivors() -> list[psutil.Process]:
    """Host processes still running an attack program (its command line names main.py) in a
    sandbox of this test session: under a bwrap this process started, or in a container it owns
    (other sessions on the machine may be running attack programs of their own)."""
    found = []
    containers = _own_containers()
    for proc in psutil.process_iter(["cmdline", "uids"]):
        cmd = proc.info["cmdline"] or []
        if "main.py" in cmd and proc.info["uids"] and proc.info["uids"].real != 0:
            with contextlib.suppress(psutil.Error, OSError):
                if _ours(proc, containers):
                    found.append(proc)
    return found


def _own_containers() -> set[str]:
    if docker_problem() is not None:
        return set()
    api = docker_client()
    try:
        owner = f"{OWNER_LABEL}={socket.gethostname()}:{os.getpid()}"
        return {c["Id"] for c in api.containers(all=True, filters={"label": owner})}
    finally:
        api.close()


def _ours(proc: psutil.Process, containers: set[str]) -> bool:
    if any(parent.pid == os.getpid() for parent in proc.parents()):
        return True
    cgroups = Path(f"/proc/{proc.pid}/cgroup").read_text()
    return any(container in cgroups for container in containers)


@pytest.mark.slow
@pytest.mark.parametrize("path", attack_files("containment"), ids=lambda p: p.stem)
def test_containment(path: Path, sandbox: Pool, canaries: Canaries) -> None:
    r = sandbox.run(_job(path.read_text()))
    text = r.stdout + r.stderr
    assert r.status is not Status.SANDBOX_ERROR, r.error
    assert not canaries.leaked(text), text[-2000:]
    assert "ATTACK_RESULT: ESCAPED" not in text
    for check in CHECKS[path.name[:2]]:
        check(r)
    assert not survivors()
    assert sandbox.run(_job("print('alive')")).stdout == "alive\n"  # the pool survived


def _job(source: str) -> Job:
    return Job(files={"main.py": source}, command=("python3", "main.py"), limits=ATTACK_LIMITS)


@pytest.mark.parametrize("path", attack_files("verdict"), ids=lambda p: p.stem)
def test_verdict_attack_fails(path: Path, sandbox: Pool) -> None:
    style = header(path)["STYLE"]
    tests = ADD_UNITTEST if style == "unittest" else ADD_ASSERTS
    report = sandbox.run_tests(path.read_text(), tests, limits=ATTACK_LIMITS)
    assert not report.passed, report
    assert not report.infra_error


@pytest.mark.parametrize(
    "tests",
    [ADD_ASSERTS, ADD_UNITTEST, TestSuite.check("def check(c):\n    assert c(2, 3) == 5\n", "add")],
)
def test_correct_add_passes(tests: object, sandbox: Pool) -> None:
    report = sandbox.run_tests(CORRECT_ADD, tests, limits=ATTACK_LIMITS)  # type: ignore[arg-type]
    assert report.passed, report
