"""The warm pool's promises: jobs isolated from one another, nothing surviving a job, a clean
environment, input order, async use, and a picklable spec."""

from __future__ import annotations

import asyncio
import json
import pickle

import pytest

from verigen.sandbox import Job, Limits, Pool, SandboxSpec, Status


def py(source: str, **kw: object) -> Job:
    return Job(files={"main.py": source}, command=("python3", "main.py"), **kw)  # type: ignore[arg-type]


LEAVE_TRACES = """
import os, subprocess
open("/tmp/job/left.txt", "w").write("secret-of-a")
open("/dev/shm/left_shm", "w").write("secret-of-a")
os.environ["A_ONLY"] = "1"
subprocess.Popen(["sleep", "600"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    import time; time.sleep(600)
print("left")
"""
LOOK_FOR_TRACES = """
import json, os
procs = [open(f"/proc/{p}/cmdline").read() for p in os.listdir("/proc")
         if p.isdigit() and int(p) != os.getpid()]
print(json.dumps({"files": sorted(os.listdir("/tmp/job")), "shm": os.listdir("/dev/shm"),
                  "env": "A_ONLY" in os.environ, "procs": procs}))
"""


def test_nothing_of_a_job_survives(sandbox: Pool) -> None:
    for _ in range(4):  # both workers, twice
        assert sandbox.run(py(LEAVE_TRACES)).stdout == "left\n"
        r = sandbox.run(py(LOOK_FOR_TRACES))
        assert r.status is Status.OK, r
        seen = json.loads(r.stdout)
        assert seen["files"] == ["main.py"] and seen["shm"] == [] and not seen["env"]
        # the fork server (PID 1) and its zygote only, both the server's own command line
        assert len(seen["procs"]) == 2, seen["procs"]
        assert all("The fork server" in cmdline for cmdline in seen["procs"]), seen["procs"]


def test_environment_is_clean_and_launcher_env_unreadable(sandbox: Pool) -> None:
    src = (
        "import os\nprint(sorted(os.environ))\n"
        "try:\n    print(open('/proc/1/environ').read())\n"
        "except OSError as e:\n    print('denied', e.errno)\n"
    )
    r = sandbox.run(py(src))
    assert r.status is Status.OK
    names = r.stdout.splitlines()[0]
    assert "VERIGEN_CANARY_ENV" not in names and "denied" in r.stdout


def test_orphans_are_reaped(sandbox: Pool) -> None:
    # Each job leaves a zombie-to-be behind; unreaped, 64 of them would exhaust the pids cap.
    src = "import os\nif os.fork() == 0:\n    os._exit(0)\nprint('ok')"
    results = sandbox.run_many([py(src, limits=Limits(pids=8))] * 80)
    assert {r.status for r in results} == {Status.OK}


def test_run_many_keeps_input_order_and_stdin(sandbox: Pool) -> None:
    jobs = [py("import sys; print(sys.stdin.read())", stdin=str(i).encode()) for i in range(12)]
    assert [r.stdout.strip() for r in sandbox.run_many(jobs)] == [str(i) for i in range(12)]


def test_arun(sandbox: Pool) -> None:
    async def both() -> list[str]:
        rs = await asyncio.gather(sandbox.arun(py("print(1)")), sandbox.arun(py("print(2)")))
        return [r.stdout for r in rs]

    assert asyncio.run(both()) == ["1\n", "2\n"]


def test_other_scratch_size_restarts_a_worker(sandbox: Pool) -> None:
    src = "open('big', 'wb').write(b'0' * (20 << 20)); print('wrote')"
    assert sandbox.run(py(src, limits=Limits(scratch_mb=8))).status is not Status.OK
    assert sandbox.run(py(src, limits=Limits(scratch_mb=64))).stdout == "wrote\n"


def test_statuses(sandbox: Pool) -> None:
    assert sandbox.run(py("raise SystemExit(3)")).exit_code == 3
    assert (
        sandbox.run(py("import os, signal; os.kill(os.getpid(), signal.SIGTERM)")).status
        is Status.KILLED
    )
    r = sandbox.run(py("print('x' * 5000)", limits=Limits(output_bytes=1000)))
    assert r.status is Status.OUTPUT_LIMIT and len(r.stdout_bytes) == 1000


def test_bad_file_name_is_a_sandbox_error(sandbox: Pool) -> None:
    r = sandbox.run(Job(files={"../escape.py": "x"}, command=("true",)))
    assert r.status is Status.SANDBOX_ERROR and "escapes" in r.error
    assert sandbox.run(py("print('fine')")).stdout == "fine\n"


def test_spec_pickles() -> None:
    spec = SandboxSpec("bwrap", workers=1, warm=Limits(wall_s=3))
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_unknown_backend_is_refused() -> None:
    from verigen.errors import SandboxError

    with pytest.raises(SandboxError):
        SandboxSpec("nsjail").resolve()  # type: ignore[arg-type]
