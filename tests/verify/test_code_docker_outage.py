"""Stopping the Docker engine in the middle of ``verigen verify``: the samples it hits are
retried or reported as infra errors, and not one is counted as wrong.

The engine is a private ``dockerd`` of this test's own (its own socket, data and exec roots, no
network set-up), so stopping it disturbs no other user of the machine's engine, and the system
dockerd is left exactly as it was. It needs root, the dockerd binary and the offline sandbox root
(imported into the private engine): ``make test`` provides all three, and CI requires them."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parts import require
from tests.verify.cli_runs import verify_argv, write_jsonl
from verigen.errors import SandboxError
from verigen.sandbox import image
from verigen.sandbox.docker import ENGINE_ERRORS, LABEL, client
from verigen.sandbox.doctor import docker_problem
from verigen.verify.code import load_humaneval

pytestmark = [pytest.mark.slow, pytest.mark.docker]
ANSWER_S = 60.0
PACED = "import time\ntime.sleep(0.1)\n"


class PrivateEngine:
    """A dockerd under ``base`` (short: a unix socket path holds at most 107 bytes)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.host = f"unix://{base}/docker.sock"
        self.log = base / "dockerd.log"
        self._process: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        b = self.base
        return [
            "dockerd",
            f"--host={self.host}",
            f"--data-root={b}/data",
            f"--exec-root={b}/exec",
            f"--pidfile={b}/docker.pid",
            "--containerd-namespace=verigen-outage",
            "--containerd-plugins-namespace=verigen-outage-plugins",
            "--bridge=none",
            "--iptables=false",
            "--ip-masq=false",
            "--userland-proxy=false",
        ]

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + ANSWER_S
        while not self.answers():
            assert self._process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.5)

    def answers(self) -> bool:
        try:
            api = client(timeout=5)
        except SandboxError:
            return False
        try:
            return bool(api.ping())
        except ENGINE_ERRORS:
            return False
        finally:
            api.close()

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: dockerd stops its containers, then exits."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=ANSWER_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def remove(self) -> None:
        self.stop()
        for line in reversed(Path("/proc/self/mounts").read_text().splitlines()):
            target = line.split()[1]
            if target.startswith(f"{self.base}/"):
                subprocess.run(["umount", "-l", target], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _tail(run: subprocess.Popen[str]) -> str:
    return run.communicate()[0][-3000:]


def _wait_for_sandboxes(run: subprocess.Popen[str], workers: int = 2) -> None:
    """Until the run's pool is open: its containers run in the engine (however slow the start)."""
    api = client(timeout=30)
    try:
        deadline = time.monotonic() + 300
        while len(api.containers(filters={"label": LABEL})) < workers:
            assert run.poll() is None, "ended before its sandboxes ran: " + _tail(run)
            assert time.monotonic() < deadline, "the run's sandboxes never started"
            time.sleep(0.2)
    finally:
        api.close()


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateEngine]:
    require("dockerd")
    private = PrivateEngine(Path(tempfile.mkdtemp(prefix="vg-dockerd-")))
    monkeypatch.setenv("DOCKER_HOST", private.host)  # this process and the verify run alike
    try:
        private.start()
        api = client(timeout=600)
        try:
            image.build(offline=True, api=api)  # imports the offline root built by `make test`
        finally:
            api.close()
        yield private
    finally:
        private.remove()


def test_engine_stopped_mid_run_is_never_a_wrong_answer(
    engine: PrivateEngine, tmp_path: Path
) -> None:
    assert docker_problem() is None
    # A correct solution that takes its time: the run lasts well past the outage however fast
    # the machine (at least 163 * 3 rows * 0.1 s / 2 workers: 24 s).
    # HumanEval/160 evals its input: never mutated, its suite unmeasured (``weak_tests``)
    computing = [p for p in load_humaneval() if p.task_id != "HumanEval/160"]
    rows = [p.row() | {"solution": PACED + p.row()["solution"]} for p in computing] * 3
    source = write_jsonl(tmp_path / "humaneval.jsonl", rows)
    summary = tmp_path / "summary.json"
    run = subprocess.Popen(
        verify_argv(source, tmp_path / "out", summary, "docker"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_sandboxes(run)
        time.sleep(2)  # verdicts flowing
        assert run.poll() is None, "ended before the engine could be stopped: " + _tail(run)
        engine.stop()
        time.sleep(3)
        assert run.poll() is None, "ended before the engine came back: " + _tail(run)
    finally:
        engine.start()
    output, _ = run.communicate(timeout=900)
    assert run.returncode in (0, 1), output[-3000:]
    assert summary.is_file(), output[-3000:]
    counts = json.loads(summary.read_text())
    assert counts["rejected"] == 0, counts  # every solution here is correct
    assert counts["verified"] + counts["infra_error"] == len(rows)
    assert (run.returncode == 1) == (counts["infra_error"] > 0)
