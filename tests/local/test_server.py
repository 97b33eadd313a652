"""The server lifecycle, against a stand-in process and (for load failures) real llama_cpp."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.parts import require
from verigen.errors import ConfigError, ModelError
from verigen.local import LocalServer, local_server, start_server
from verigen.local.server import llama_cpp_command

STANDIN = Path(__file__).with_name("standin.py")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(mode: str, *, timeout: float = 60.0) -> LocalServer:
    port = _free_port()
    command = [sys.executable, str(STANDIN), mode, str(port), "standin"]
    return start_server(command, name="standin", port=port, startup_timeout=timeout)


def _gone(pid: int) -> bool:
    """Dead or a zombie: a container's init may never reap the orphaned grandchild."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _ends(pid: int, within: float = 5.0) -> bool:
    """``_gone`` once a SIGKILL sent to it has been delivered: delivery is asynchronous, and on
    a loaded machine the process can still be running when ``kill`` returns."""
    deadline = time.monotonic() + within
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _gone(pid)


def _grandchild(server: LocalServer) -> int:
    match = re.search(r"grandchild (\d+)", server.log_tail())
    assert match, server.log_tail()
    return int(match.group(1))


def test_a_ready_server_answers_and_stopping_ends_its_process_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("API_KEY", "a user's unrelated secret")
    server = _start("ok")
    try:
        assert server.api_base == f"http://127.0.0.1:{server.port}/v1"
        assert server.model == "openai/standin"
        with urllib.request.urlopen(f"{server.api_base}/models") as response:
            assert json.load(response)["data"][0]["id"] == "standin"
        grandchild = _grandchild(server)
    finally:
        server.stop()

    assert server.process.returncode is not None
    assert _ends(grandchild)
    assert not server.log_path.exists()
    server.stop()  # idempotent


def test_a_server_ignoring_sigterm_is_killed() -> None:
    server = _start("stubborn")
    server.stop(grace=0.5)
    assert server.process.returncode == -9


def test_a_server_that_exits_early_is_reported_with_its_log() -> None:
    with pytest.raises(ModelError, match=r"exited with code 3 before answering:\n.*boom"):
        _start("crash")


def test_a_server_that_never_answers_is_stopped_and_reported() -> None:
    with pytest.raises(ModelError, match=r"did not answer .* within 1s"):
        _start("silent", timeout=1.0)


def test_a_server_that_dies_later_is_reported_by_wait() -> None:
    server = _start("ok")
    server.process.kill()
    with pytest.raises(ModelError, match="exited with code -9"):
        server.wait()
    server.stop()


# Starts the server from a thread that then ends (the kernel's parent-death signal follows the
# thread that forked), prints its pid, and waits to be ended by the test.
PARENT = """
import sys, threading, time
from verigen.local import start_server
started = []
def start():
    started.append(start_server(sys.argv[1:], name="standin", port=int(sys.argv[4])))
worker = threading.Thread(target=start)
worker.start()
worker.join()
print(started[0].process.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_server_dies_with_verigen_however_verigen_ends(sig: signal.Signals) -> None:
    command = [sys.executable, str(STANDIN), "lone", str(_free_port()), "standin"]
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, *command], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        time.sleep(1)
        assert not _gone(pid), "the server died with the thread that started it"
        parent.send_signal(sig)
        parent.wait(timeout=10)
        assert _ends(pid), f"the server outlived its parent ({sig.name})"
    finally:
        parent.kill()
        parent.wait()


def test_llama_cpp_refusing_a_bad_gguf_is_reported(tmp_path: Path) -> None:
    require("llama_cpp")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF but not really" * 100)
    port = _free_port()
    command = llama_cpp_command(bad, name="bad", port=port)
    with pytest.raises(ModelError, match=r"(?s)bad server exited with code \d+ before answering"):
        start_server(command, name="bad", port=port)


def test_an_unknown_model_is_a_usage_error() -> None:
    with (
        pytest.raises(ConfigError, match=re.escape("known models: qwen2.5-coder-0.5b")),
        local_server("gpt-5"),
    ):
        pass


def test_a_taken_port_is_refused_before_anything_is_fetched(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(ModelError, match=rf"port {port} .* is not free"),
            local_server("qwen2.5-coder-0.5b", cache_dir=tmp_path, port=port),
        ):
            pass
    assert list(tmp_path.iterdir()) == []
