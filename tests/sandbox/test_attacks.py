"""Every attack program, on every backend, graded by its own header: the shared suite
(``../shared/conformance/sandbox_attacks``) and verigen's own table (``tests/sandbox/attacks``,
numbered from 101, in the shared header format), side by side.

Containment attacks run as plain jobs under the README's limits; each is checked from the host
side (no canary token in the output, nothing written on the host, no process surviving the run),
against the attack's own ``ATTACK_RESULT`` line where that line is trustworthy, and by the next
jobs in the same sandboxes (nothing of the attack left behind; a sibling job run alongside some of
them finishes untouched). Verdict attacks run through the harness against ``add`` tests of their
header's style and must be graded failing, never as an infrastructure error; the correct ``add``
must pass. The programs are referenced by path and never copied. Without ``../shared`` the own
table still runs and the shared suite's absence is a visible skip (in CI, the end of the run).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import socket
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.parts import demanded_by, require
from tests.sandbox.conftest import ATTACK_LIMITS, ATTACKS, Canaries
from verigen.sandbox import Job, Pool, Result, Status, TestReport, TestSuite
from verigen.sandbox.docker import OWNER_LABEL
from verigen.sandbox.docker import client as docker_client
from verigen.sandbox.doctor import docker_problem

OWN_ATTACKS = Path(__file__).parent / "attacks"
"""verigen's own attack table: the shared header format, numbers from 101."""

if demanded_by("shared"):
    require("shared", module=True)  # CI: without the shared programs the run ends here

ADD_ASSERTS = "assert add(1, 2) == 3\nassert add(-4, 4) == 0\nassert add(10, 5) == 15\n"
ADD_UNITTEST = """import unittest

class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)

    def test_negative(self):
        self.assertEqual(add(-4, 4), 0)
"""
ADD_CHECK = TestSuite.check(
    "def check(candidate):\n"
    "    cases = [(1, 2), (-4, 4), (10, 5)]\n"
    "    assert all(map(lambda p: candidate(*p) == p[0] + p[1], cases))\n",
    "add",
)
"""The ``check`` style: HumanEval's ``check(candidate)``, written the way generated tests often
are (the candidate called inside ``map``)."""
TESTS_BY_STYLE: dict[str, str | TestSuite] = {
    "assert": ADD_ASSERTS,
    "unittest": ADD_UNITTEST,
    "check": ADD_CHECK,
}
CORRECT_ADD = "def add(a, b):\n    return a + b\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n"
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


def number(path: Path) -> str:
    """The attack's number as its file name starts: ``"07"`` (shared), ``"113"`` (own)."""
    return path.name.split("_", 1)[0]


def attack_files(kind: str) -> list[Path]:
    """Shared attacks (where ``../shared`` is present), then the own table, in number order."""
    files = [*ATTACKS.glob("[0-9]*.py"), *OWN_ATTACKS.glob("[0-9]*.py")]
    chosen = [p for p in files if header(p).get("KIND", "").startswith(kind)]
    return sorted(chosen, key=lambda p: int(number(p)))


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


def _ok(r: Result) -> None:
    assert r.status is Status.OK, (r.status, r.error, r.stdout[-1000:], r.stderr[-1000:])


def _prompt(r: Result) -> None:
    """The program exits at once: so must the job (not only once the kernel's unix-socket garbage
    collector, run whenever any unix socket on the host is released, frees what it stashed)."""
    assert r.wall_s < PROMPT_S, r


def _inodes(r: Result) -> None:
    counts = dict(re.findall(r"(/\S+) inodes=(\d+)", r.stdout))
    assert int(counts["/tmp/job"]) <= 4096 and int(counts["/dev/shm"]) <= 1024, r.stdout


def _filled(r: Result) -> None:
    assert max_number(r"total wrote (\d+) MiB", r.stdout) <= 64 + 16, r.stdout


def _ended(r: Result) -> None:
    assert r.status in (Status.OK, Status.NONZERO_EXIT, Status.MEMORY_LIMIT), r


def _stderr_flood(r: Result) -> None:
    assert r.status is Status.OUTPUT_LIMIT and r.stderr_truncated, r
    assert len(r.stderr_bytes) <= ATTACK_LIMITS.output_bytes
    assert r.stdout.startswith("ATTACK_INFO: flooding stderr\n"), r.stdout[:200]


def _frame_is_data(r: Result) -> None:
    assert r.status is Status.OK and r.exit_code == 0, r
    assert b'"status": "ok"' in r.stdout_bytes  # the forged frame came back as output


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
    # verigen's own table (tests/sandbox/attacks)
    "101": [_ok, _blocked],
    "102": [_ok, _blocked],
    "103": [_ok],
    "104": [_inodes],
    "105": [_blocked, _filled],
    "106": [_ok],
    "107": [_kill_parent],
    "108": [_ok],
    "109": [_ok, _no_host_writes, _host_shadow],
    "110": [_ok, _blocked],
    "111": [_ok],
    "112": [_ok, _prompt],
    "113": [_ok, _prompt],
    "114": [_ok, _blocked],
    "115": [_ok, _blocked],
    "116": [_ok, _blocked],
    "117": [_ended],
    "118": [_stderr_flood],
    "119": [_frame_is_data, _blocked],
    "120": [_ok, _blocked],
    "121": [_memory],
}
PROMPT_S = 2.0
"""How long a job whose program exits at once may take, however busy the machine."""
VERDICT_CHECKS: dict[str, list[Callable[[TestReport], None]]] = {
    "153": [lambda report: _prompt(report.result)],
}
"""Beyond failing and no infra error, for own verdict attacks."""
ALONGSIDE = {"103", "107", "108"}
"""Attacks run while a sibling job (``VICTIM``) runs in the pool's other sandbox."""
VICTIM = """
import os, secrets, time
token = secrets.token_hex(16)
for place in ("mine.txt", "/dev/shm/mine.txt"):
    with open(place, "w") as f:
        f.write(token)
end = time.monotonic() + 2.5
while time.monotonic() < end:
    time.sleep(0.05)
intact = all(open(p).read() == token for p in ("mine.txt", "/dev/shm/mine.txt"))
foreign = sorted(set(os.listdir(".")) - {"main.py", "mine.txt"})
foreign += sorted(set(os.listdir("/dev/shm")) - {"mine.txt"})
foreign += sorted(set(os.listdir("/tmp")) - {"job"})
print("VICTIM_OK" if intact and not foreign else f"VICTIM_HARMED intact={intact} {foreign}")
"""
"""A sibling job: keeps a file in its scratch and in /dev/shm for 2.5 s and says whether they stayed
its own and nothing foreign appeared."""


def _untouched(victim: Future[Result]) -> None:
    r = victim.result()
    assert r.status is Status.OK and r.stdout.startswith("VICTIM_OK"), (r, r.stdout, r.stderr)


LEFTOVERS = """
import ctypes, json, os, time
time.sleep(0.3)  # long enough that the pool's other worker takes the other probe
me = os.getpid()
def names(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []
procs = []
for p in names("/proc"):
    if p.isdigit() and int(p) not in (1, me):
        try:
            with open(f"/proc/{p}/stat") as f:
                procs.append(f.read().rsplit(")", 1)[1].split()[:2])
        except OSError:
            pass
with open("/proc/net/unix") as f:
    unix = f.read().splitlines()[1:]
try:
    room = len(b"r" * (384 << 20)) >> 20
except MemoryError:
    room = 0
libc = ctypes.CDLL(None, use_errno=True)
print(json.dumps({
    "tmp": [n for n in names("/tmp") if n != "job"],
    "job": [n for n in names("/tmp/job") if n != "main.py"],
    "shm": names("/dev/shm"),
    "mqueue": names("/dev/mqueue"),
    "procs": procs,
    "unix": unix,
    "room_mib": room,
    "ioprio": libc.syscall(252, 1, 0),
    "nice": os.getpriority(os.PRIO_PROCESS, 0),
}))
"""
"""Run after an attack in every sandbox of the pool: what of earlier jobs is still there."""


def _nothing_left_behind(pool: Pool) -> None:
    """The next job in each of the pool's sandboxes finds an empty scratch, /dev/shm and mqueue
    directory, no process but the fork server and its zygote, no unix socket but theirs, its whole
    memory limit (384 MiB of it touched) and default priorities."""
    probes = [pool.submit(_job(LEFTOVERS)) for _ in range(pool.workers)]
    for probe in probes:
        r = probe.result()
        assert r.status is Status.OK, (r, r.stderr[-2000:])
        seen: dict[str, Any] = json.loads(r.stdout)
        assert seen["tmp"] == seen["job"] == seen["shm"] == seen["mqueue"] == [], seen
        assert [ppid for _, ppid in seen["procs"]] in ([], ["1"]), seen["procs"]
        assert len(seen["unix"]) <= 2 and all(len(u.split()) == 7 for u in seen["unix"]), seen
        assert seen["room_mib"] == 384, seen
        assert seen["ioprio"] == 0 and seen["nice"] == 0, seen


def _host_mount_points_empty() -> None:
    """bwrap's tmpfs live in the launcher's namespace only: on the host its mount points stay
    empty directories."""
    for point in glob.glob("/tmp/verigen-bwrap-*/*"):
        with contextlib.suppress(OSError):  # another session's sandbox may close meanwhile
            assert not os.listdir(point), point


def _graded_as_before(pool: Pool) -> None:
    """Later harness jobs still get true verdicts."""
    good = pool.run_tests(CORRECT_ADD, ADD_ASSERTS, limits=ATTACK_LIMITS)
    bad = pool.run_tests(WRONG_ADD, ADD_ASSERTS, limits=ATTACK_LIMITS)
    assert good.passed, good
    assert not bad.passed and not bad.infra_error, bad


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


def test_shared_attack_suite_is_present() -> None:
    require("shared")  # without ../shared only the own table runs: say so, never silently


@pytest.mark.slow
@pytest.mark.parametrize("path", attack_files("containment"), ids=lambda p: p.stem)
def test_containment(path: Path, sandbox: Pool, canaries: Canaries) -> None:
    alongside = sandbox.submit(_job(VICTIM)) if number(path) in ALONGSIDE else None
    r = sandbox.run(_job(path.read_text()))
    if alongside is not None:
        _untouched(alongside)
    text = r.stdout + r.stderr
    assert r.status is not Status.SANDBOX_ERROR, r.error
    assert not canaries.leaked(text), text[-2000:]
    assert "ATTACK_RESULT: ESCAPED" not in text
    _nothing_left_behind(sandbox)  # first: the next job comes right after, on a busy host too
    for check in CHECKS[number(path)]:
        check(r)
    assert not survivors()
    _host_mount_points_empty()
    assert sandbox.run(_job("print('alive')")).stdout == "alive\n"  # the pool survived
    _graded_as_before(sandbox)


def _job(source: str) -> Job:
    return Job(files={"main.py": source}, command=("python3", "main.py"), limits=ATTACK_LIMITS)


@pytest.mark.parametrize("path", attack_files("verdict"), ids=lambda p: p.stem)
def test_verdict_attack_fails(path: Path, sandbox: Pool) -> None:
    tests = TESTS_BY_STYLE[header(path)["STYLE"].split()[0]]
    report: TestReport = sandbox.run_tests(path.read_text(), tests, limits=ATTACK_LIMITS)
    assert not report.passed, report
    assert not report.infra_error, report
    for check in VERDICT_CHECKS.get(number(path), []):
        check(report)
    _nothing_left_behind(sandbox)
    _graded_as_before(sandbox)


@pytest.mark.parametrize(
    "tests",
    [
        ADD_ASSERTS,
        ADD_UNITTEST,
        TestSuite.check("def check(c):\n    assert c(2, 3) == 5\n", "add"),
        ADD_CHECK,
    ],
    ids=["assert", "unittest", "check", "check_map"],
)
def test_correct_add_passes(tests: str | TestSuite, sandbox: Pool) -> None:
    report = sandbox.run_tests(CORRECT_ADD, tests, limits=ATTACK_LIMITS)
    assert report.passed, report
