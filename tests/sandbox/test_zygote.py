"""The fork server's zygote: harness runners forked from a long-lived interpreter must be as
isolated as exec'd ones. Nothing a job does to the processes it can reach (patches, signals,
limits, priorities, files in its scratch directory) may change a later job or forge a verdict,
and no process a solution runs in may ever hold a test.

These run on a one-worker pool per backend, so that consecutive jobs share one sandbox.
"""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator

import pytest

from tests.backends import BACKENDS, require
from tests.sandbox.conftest import ATTACK_LIMITS
from verigen.sandbox import Job, Pool, Status, open_sandbox
from verigen.sandbox.harness import server
from verigen.sandbox.verdict import HARNESS_COMMAND

CORRECT_ADD = "def add(a, b):\n    return a + b\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n"
ADD_ASSERTS = "assert add(1, 2) == 3\nassert add(-4, 4) == 0\n"
ADD_UNITTEST = """import unittest

class TestAdd(unittest.TestCase):
    def test_small(self):
        self.assertEqual(add(1, 2), 3)
"""


@pytest.fixture(scope="module", params=BACKENDS)
def lone(request: pytest.FixtureRequest) -> Iterator[Pool]:
    require(request.param)
    with open_sandbox(request.param, workers=1, warm=ATTACK_LIMITS) as pool:
        yield pool


def _py(source: str) -> Job:
    return Job(files={"main.py": source}, command=("python3", "main.py"), limits=ATTACK_LIMITS)


def _graded_as_before(pool: Pool) -> None:
    """A later job still gets true verdicts, and no infrastructure error."""
    good = pool.run_tests(CORRECT_ADD, ADD_ASSERTS, limits=ATTACK_LIMITS)
    bad = pool.run_tests(WRONG_ADD, ADD_ASSERTS, limits=ATTACK_LIMITS)
    assert good.passed, good
    assert not bad.passed and not bad.infra_error, bad


def test_host_and_server_agree_on_the_harness_command() -> None:
    assert server.HARNESS == HARNESS_COMMAND


# A wrong solution that writes a fake ``unittest`` where an exec'd runner used to look first (its
# own directory, then the working directory). The runner must import only from the image.
SHADOW_UNITTEST = '''
import os
FAKE = """
class TestCase:
    def __init__(self, name): self.name = name
    def run(self, result): result.testsRun += 1
    def assertEqual(self, a, b): pass
class TestResult:
    def __init__(self): self.failures, self.errors, self.skipped, self.testsRun = [], [], [], 0
"""
for d in ("/tmp/job/_verigen", "/tmp/job", "/tmp", "/dev/shm"):
    try:
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "unittest.py"), "w") as f:
            f.write(FAKE)
    except OSError:
        pass


def add(a, b):
    return a - b
'''


def test_scratch_files_cannot_shadow_the_runners_imports(lone: Pool) -> None:
    report = lone.run_tests(SHADOW_UNITTEST, ADD_UNITTEST, limits=ATTACK_LIMITS)
    assert not report.passed and not report.infra_error, report


# Looks for secret-shaped strings everywhere a solution can look: its own memory, every other
# process's memory, environment and command line, and every file it can reach. (The pattern
# itself does not match the pattern, so a search never finds its own needle.)
LEAKS = r"""
import ctypes
import os
import re

PATTERN = re.compile(rb"VERIGEN-SECRET-[0-9a-f]{32}")


def _own_memory():
    # /proc/self/mem is closed to a non-dumpable process, but its own pages are not: read every
    # private anonymous region (heap, stack, the interpreter's arenas), where strings live.
    with open("/proc/self/maps") as maps:
        lines = maps.read().splitlines()
    found = set()
    for line in lines:
        parts = line.split()
        path = parts[5] if len(parts) > 5 else ""
        if not parts[1].startswith("r") or path not in ("", "[heap]", "[stack]"):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        found.update(PATTERN.findall(ctypes.string_at(start, end - start)))
    return found


def _elsewhere():
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for name in ("mem", "environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    found.update(PATTERN.findall(f.read(1 << 22)))
            except OSError:
                pass
    for top in ("/tmp", "/dev/shm"):
        for root, _, files in os.walk(top):
            for name in files:
                try:
                    with open(os.path.join(root, name), "rb") as f:
                        found.update(PATTERN.findall(f.read()))
                except OSError:
                    pass
    return found


def leaks():
    return sorted(s.decode() for s in _own_memory() | _elsewhere())
"""


def _secret() -> str:
    return f"VERIGEN-SECRET-{secrets.token_hex(16)}"


def test_no_solution_process_ever_holds_a_test(lone: Pool) -> None:
    earlier = _secret()
    assert lone.run_tests(CORRECT_ADD, f"assert add(1, 2) == 3  # {earlier}\n").passed
    now = _secret()
    report = lone.run_tests(LEAKS, f"assert leaks() == []  # {now}\n", limits=ATTACK_LIMITS)
    assert report.passed, report


# Patches everything of the harness a solution's process can reach; the runner's side is patched
# by the tests of the same job. Each runner and each solution process is a fresh fork, so none
# of it may reach the next job.
PATCH_SOLUTION = """
import builtins, sys
for name in ("codec", "solhost", "runner"):
    module = sys.modules.get(name)
    if module is not None:
        for attr in list(vars(module)):
            if callable(getattr(module, attr)) and not attr.startswith("__"):
                setattr(module, attr, lambda *a, **k: None)
builtins.isinstance = lambda *a: True


def add(a, b):
    return a + b
"""
PATCH_TESTS = """
import builtins, sys
runner = sys.modules["runner"]
runner._outcome = lambda exc: ("passed", "")
sys.modules["codec"].decode = lambda data, depth=0: 3
builtins.AssertionError = type("Never", (Exception,), {})
assert add(1, 2) == 3
"""


def test_patches_die_with_their_job(lone: Pool) -> None:
    assert lone.run_tests(CORRECT_ADD, PATCH_TESTS, limits=ATTACK_LIMITS).passed
    _graded_as_before(lone)
    assert not lone.run_tests(PATCH_SOLUTION, ADD_ASSERTS, limits=ATTACK_LIMITS).passed
    _graded_as_before(lone)


def _signal_everyone(sig: int) -> str:
    return (
        "import os\n"
        "for p in os.listdir('/proc'):\n"
        "    if p.isdigit() and int(p) != os.getpid():\n"
        "        try:\n"
        f"            os.kill(int(p), {int(sig)})\n"
        "        except OSError:\n"
        "            pass\n"
        "print('sent')\n"
    )


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGSTOP, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name
)
def test_a_job_that_signals_the_zygote_does_not_reach_the_next(lone: Pool, sig: int) -> None:
    assert lone.run(_py(_signal_everyone(sig))).stdout == "sent\n"
    _graded_as_before(lone)
    # the same from inside a harness job, by the solution itself
    solution = _signal_everyone(sig).replace("print('sent')\n", "") + CORRECT_ADD
    lone.run_tests(solution, ADD_ASSERTS, limits=ATTACK_LIMITS)
    _graded_as_before(lone)


LIMIT_OTHERS = """
import os, resource
allowed = []
for p in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    try:
        resource.prlimit(p, resource.RLIMIT_NOFILE, (8, 8))
        allowed.append(f"prlimit {p}")
    except PermissionError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, p, 19)
        allowed.append(f"renice {p}")
    except PermissionError:
        pass
    try:
        os.sched_setaffinity(p, {min(os.sched_getaffinity(0))})
        allowed.append(f"affinity {p}")
    except PermissionError:
        pass
    try:
        os.sched_setscheduler(p, os.SCHED_IDLE, os.sched_param(0))
        allowed.append(f"policy {p}")
    except PermissionError:
        pass
try:
    os.setpriority(os.PRIO_USER, 0, 19)
    allowed.append("renice uid")
except PermissionError:
    pass
os.nice(1)  # its own priority, limits and scheduling stay its own business
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
os.sched_setaffinity(0, os.sched_getaffinity(0))
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
print(allowed)
"""
PRIORITY_AND_LIMITS = (
    "import os, resource\n"
    "print(os.getpriority(os.PRIO_PROCESS, 0), resource.getrlimit(resource.RLIMIT_NOFILE),\n"
    "      os.sched_getscheduler(0) == os.SCHED_OTHER)\n"
)


def test_limits_and_scheduling_of_other_processes_are_out_of_reach(lone: Pool) -> None:
    r = lone.run(_py(LIMIT_OTHERS))
    assert r.status is Status.OK and r.stdout == "[]\n", r
    assert lone.run(_py(PRIORITY_AND_LIMITS)).stdout == "0 (256, 256) True\n"
    _graded_as_before(lone)


def test_harness_runner_environment_is_the_jobs(lone: Pool) -> None:
    names = ["HOME", "LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "TMPDIR"]
    tests = f"import os\nassert sorted(os.environ) == {names!r}\nassert os.getcwd() == '/tmp/job'\n"
    report = lone.run_tests(CORRECT_ADD, tests, limits=ATTACK_LIMITS)
    assert report.passed, report


def test_the_runner_is_reaped_and_measured_like_any_job(lone: Pool) -> None:
    job = Job(command=(HARNESS_COMMAND, "missing.py"), stdin=b"not json", limits=ATTACK_LIMITS)
    r = lone.run(job)
    assert r.status is Status.NONZERO_EXIT and r.exit_code == 1, r
    assert "JSONDecodeError" in r.stderr
    _graded_as_before(lone)
