"""Infrastructure is never a wrong answer on the code path, and a slow machine does not reject a
correct solution. Real sandboxes, really killed or starved; nothing is mocked.

- the sandbox killed from the host in the middle of a job → ``infra_error: sandbox_error``;
- a harness that cannot report before the job's wall limit → ``infra_error`` too;
- a solution that kills or stops its own test runner → rejected (that is the program's doing);
- a test past its limit → run again with limits 3× longer; still past it → ``rejected: timeout``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import BACKENDS, require
from verigen.records import Outcome, Verdict
from verigen.verify.code import CodeOptions, CodeVerifier
from verigen.verify.code.execute import Run

pytestmark = pytest.mark.slow

CASES = [{"args": [i], "expected": i + 1} for i in range(6)]
FAST = "def f(x):\n    return x + 1\n"


def _slow(seconds: float) -> str:
    return f"import time\n\ndef f(x):\n    time.sleep({seconds})\n    return x + 1\n"


def _options(backend: str, **kw: object) -> CodeOptions:
    base: dict[str, object] = {
        "backend": backend,
        "mutants": 0,
        "differential": False,
        "retries": 0,
        "retry_backoff_s": 0.0,
    }
    return CodeOptions(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
def bwrap_cv() -> Iterator[CodeVerifier]:
    require("bwrap")
    with CodeVerifier(_options("bwrap", timeout_s=5), workers=1) as cv:
        yield cv


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{name}/stat").read_text()
            parents[int(name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _is_server(pid: int) -> bool:
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        return argv[:4] == [b"python3", b"-I", b"-S", b"-c"]
    return False


def _sandboxes(backend: str) -> set[str]:
    """Every sandbox this test process owns: docker container ids, or the host pids of the
    bwrap sandboxes' fork servers (PID 1 inside; its zygote, a fork, has the same command)."""
    if backend == "docker":
        label = f"verigen.sandbox.owner={socket.gethostname()}:{os.getpid()}"
        return set(
            subprocess.run(
                ["docker", "ps", "-q", "--filter", f"label={label}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        )
    parents = _parents()
    ours, frontier = [], [os.getpid()]
    while frontier:
        frontier = [p for p, pp in parents.items() if pp in frontier]
        ours += frontier
    return {str(p) for p in ours if _is_server(p) and not _is_server(parents[p])}


def _kill_sandboxes(backend: str, spare: set[str]) -> int:
    """SIGKILL, from the host, every sandbox this process owns but ``spare`` (those that other
    tests' long-lived verifiers keep open in this process)."""
    doomed = _sandboxes(backend) - spare
    if backend == "docker":
        subprocess.run(["docker", "kill", *doomed], capture_output=True, check=False)
    for pid in doomed if backend == "bwrap" else ():
        os.kill(int(pid), signal.SIGKILL)
    return len(doomed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sandbox_killed_mid_job_is_an_infra_error_never_rejected(backend: str) -> None:
    require(backend)
    others = _sandboxes(backend)
    with CodeVerifier(_options(backend, timeout_s=10), workers=1) as cv:
        cv.pool()  # opened, so the kill below lands inside the job, not the start
        verdicts: list[Verdict] = []
        job = threading.Thread(target=lambda: verdicts.extend(cv.verify([_slow(0.5)], CASES, "f")))
        job.start()
        time.sleep(1.0)  # six calls of 0.5 s: the job is in its second or third test
        assert _kill_sandboxes(backend, others) == 1
        job.join(60)
        [v] = verdicts
        assert (v.outcome, v.reason) == (Outcome.INFRA_ERROR, "sandbox_error"), v.details
        assert v.details["infra_error"]
        [after] = cv.verify([FAST], CASES, "f")  # the pool replaced the dead sandbox
        assert after.accepted, after.details


def test_with_retries_the_killed_job_is_run_again_and_judged() -> None:
    require("bwrap")
    options = _options("bwrap", timeout_s=10, retries=2, retry_backoff_s=0.2)
    others = _sandboxes("bwrap")
    with CodeVerifier(options, workers=1) as cv:
        cv.pool()
        verdicts: list[Verdict] = []
        job = threading.Thread(target=lambda: verdicts.extend(cv.verify([_slow(0.5)], CASES, "f")))
        job.start()
        time.sleep(1.0)
        assert _kill_sandboxes("bwrap", others) == 1
        job.join(60)
    assert verdicts[0].accepted, verdicts[0].details


def test_a_harness_that_cannot_report_in_time_is_an_infra_error(bwrap_cv: CodeVerifier) -> None:
    """The test code's own set-up sits in one C call (no signal can interrupt it) past the wall
    limit: the fork server kills the job with no report. Nobody's fault but the test's, so the
    solution is neither rejected nor kept."""
    tests = "_ = sum(range(10**12))\n" + "".join(f"assert f({i}) == {i + 1}\n" for i in range(3))
    [v] = bwrap_cv.verify([FAST], tests, "f")
    assert (v.outcome, v.reason) == (Outcome.INFRA_ERROR, "sandbox_error"), v.details
    assert "did not report" in v.details["infra_error"]


KILL_HARNESS = "import os, signal\n\ndef f(x):\n    os.kill(-1, signal.SIGKILL)\n    return x + 1\n"
STOP_HARNESS = (
    "import os, signal\n\ndef f(x):\n"
    "    runner = int(open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1])\n"
    "    os.kill(runner, signal.SIGSTOP)\n    return x + 1\n"
)


@pytest.mark.parametrize("attack", [KILL_HARNESS, STOP_HARNESS], ids=["kill", "stop"])
def test_a_solution_that_kills_or_stops_its_test_runner_is_rejected(
    bwrap_cv: CodeVerifier, attack: str
) -> None:
    """The program did it: a wrong answer, not the infrastructure's failure (and at once: a
    stopped runner is not waited on until the wall limit)."""
    t0 = time.monotonic()
    [v] = bwrap_cv.verify([attack], CASES, "f")
    assert (v.outcome, v.reason) == (Outcome.REJECTED, "tests_failed"), v.details
    assert time.monotonic() - t0 < 4
    [after] = bwrap_cv.verify([FAST], CASES, "f")
    assert after.accepted, after.details


def test_slow_but_correct_passes_on_the_longer_retry_and_a_hang_does_not() -> None:
    """Six calls of 0.4 s do not fit a 2 s job, but the job was starved (asleep, not
    computing), so it is retried with 6 s: accepted. A hang computes for its whole limit and
    would fit no limit: rejected ``timeout`` (retried only if the machine starved it)."""
    require("bwrap")
    hang = "def f(x):\n    while True:\n        pass\n"
    with CodeVerifier(_options("bwrap", timeout_s=2), workers=1) as cv:
        slow, stuck = cv.verify_many(
            [
                {"solutions": [_slow(0.4)], "tests": CASES, "entry_point": "f"},
                {"solutions": [hang], "tests": CASES, "entry_point": "f"},
            ]
        )
    assert slow[0].accepted, slow[0].details
    assert slow[0].details["timeout_retried"]
    assert (stuck[0].outcome, stuck[0].reason) == (Outcome.REJECTED, "timeout")


def test_only_a_starved_timeout_is_worth_a_longer_retry() -> None:
    """An endless loop uses its whole limit on a CPU: more time only costs more time. A job
    that got little CPU (a loaded machine, a program waiting) may yet pass with more."""
    assert not Run(wall_s=2.0, cpu_s=1.9).starved
    assert Run(wall_s=2.0, cpu_s=0.2).starved
    assert Run(wall_s=2.0, cpu_s=None).starved, "no harness job: CPU unknown, retry"


def test_a_candidate_that_kills_the_differential_driver_is_not_accepted() -> None:
    """Right on the weak tests, wrong from a sum of 50, and it kills the differential job's
    driver (it knows that job by its files): no outputs, so no disagreement to find. That is
    not "no disagreement": it is an infra error, never an accept."""
    require("bwrap")
    sig = "def clamp_sum(xs: list[int], cap: int) -> int:"
    good = sig + "\n    return min(sum(xs), cap)\n"
    bad = (
        sig + "\n    import os, signal\n    if os.path.isdir('_vd'):\n"
        "        os.kill(-1, signal.SIGKILL)\n    s = sum(xs)\n    return s if s < 50 else cap\n"
    )
    weak = [
        {"args": [[1, 2], 10], "expected": 3},
        {"args": [[4], 9], "expected": 4},
        {"args": [[], 3], "expected": 0},
    ]
    with CodeVerifier(_options("bwrap", differential=True), workers=1) as cv:
        [v] = cv.verify([bad], weak, "clamp_sum", sig, reference=good)
    assert (v.outcome, v.reason) == (Outcome.INFRA_ERROR, "sandbox_error"), v.details
    assert "no usable frame" in v.details["differential"]["infra_error"]
