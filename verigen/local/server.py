"""Serve a local model over an OpenAI-compatible HTTP API for as long as a block runs.

The server is a child process (``python -m llama_cpp.server``), not an in-process ``Llama``:
litellm then reaches it exactly as it reaches vLLM, Ollama or a hosted API (``openai/<name>`` with
an ``api_base``), so the local path tests the same code as the paid one, and a crash in llama.cpp
(C++) takes down the server, not verigen.

The child gets its own session: Ctrl-C in the terminal reaches only verigen, which then stops the
whole process group (SIGTERM, then SIGKILL after a grace period) on its way out. Its output goes
to a log file, whose tail is quoted whenever the server fails.

Whatever ends verigen — SIGKILL, the OOM killer, a SIGTERM it does not handle — the server dies
with it: the child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``) before
it becomes the server. The kernel means the parent *thread*, so every server is started from one
spawner thread that lives as long as the process; a server started from a short-lived worker
thread would otherwise be killed when that thread ended.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rich.console import Console

from verigen.errors import ModelError
from verigen.local.catalog import default_cache_dir, get_spec
from verigen.local.fetch import fetch_model

HOST = "127.0.0.1"
_LOG_TAIL_LINES = 30
_POLL_SECONDS = 0.25

# Large enough that a prompt plus a rambling small-model answer fits: llama.cpp refuses a request
# whose prompt + max_tokens exceed the context instead of truncating it. The KV cache at this size
# is about 100 MB for 0.5B and 230 MB for 1.5B.
DEFAULT_N_CTX = 8192

# llama_cpp.server reads its settings from unprefixed environment variables (API_KEY, MODEL, PORT,
# CACHE, CONFIG_FILE, ...), so a user's unrelated API_KEY would make it demand authentication. The
# child gets only what a Python process and the GPU runtimes need.
_ENV_NAMES = frozenset(
    {"PATH", "HOME", "USER", "LANG", "TZ", "TMPDIR", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV"}
)
_ENV_PREFIXES = ("LC_", "XDG_", "CUDA_", "NVIDIA_", "HIP_", "ROCR_", "GGML_", "OMP_")

# Runs in the child, then execs the server: SIGKILL on the parent's death survives the exec. A
# parent already gone before the prctl took effect would never send it, hence the check after.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_PDEATHSIG): " + os.strerror(ctypes.get_errno()))
if os.getppid() != int(sys.argv[1]):
    sys.exit("verigen ended before its model server started")
os.execvp(sys.argv[2], sys.argv[2:])
"""
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verigen-server-spawner")
"""One thread, never ended before the process: the parent thread ``PR_SET_PDEATHSIG`` watches."""


@dataclass
class LocalServer:
    """A running OpenAI-compatible server; ``api_base`` and ``model`` are what litellm needs."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False, init=False, repr=False)

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def model(self) -> str:
        """The litellm model string: ``openai/`` routes it to an OpenAI-compatible endpoint."""
        return f"openai/{self.name}"

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.strip().splitlines()[-lines:])

    def wait(self) -> None:
        """Block while the server runs; it never exits on its own, so any exit is an error."""
        code = self.process.wait()
        raise ModelError(f"the {self.name} server exited with code {code}:\n{self.log_tail()}")

    def stop(self, grace: float = 10.0) -> None:
        """Stop the whole process group: SIGTERM, SIGKILL after ``grace`` seconds. Idempotent."""
        if self._stopped:  # the group id may belong to someone else by now
            return
        self._stopped = True
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # The leader is gone; anything it left in its group goes too.
        _signal_group(self.process.pid, signal.SIGKILL)
        self.log_path.unlink(missing_ok=True)


def start_server(
    command: Sequence[str], *, name: str, port: int, startup_timeout: float = 180.0
) -> LocalServer:
    """Start ``command`` (any server listing ``name`` at ``GET /v1/models`` on ``port``); wait.

    Raises ``ModelError`` with the log's tail when the process exits first or does not answer
    within ``startup_timeout`` seconds; in both cases it has been stopped.
    """
    fd, log_name = tempfile.mkstemp(prefix=f"verigen-{name}-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        process = _SPAWNER.submit(_spawn, command, log).result()
    server = LocalServer(name=name, port=port, process=process, log_path=Path(log_name))
    try:
        _wait_until_ready(server, startup_timeout)
    except BaseException:
        server.stop()
        raise
    return server


def llama_cpp_command(
    model_path: Path,
    *,
    name: str,
    port: int,
    n_ctx: int = DEFAULT_N_CTX,
    threads: int | None = None,
) -> list[str]:
    """The ``llama_cpp.server`` command line for one GGUF file.

    No ``--chat_format``: Qwen's GGUF files embed their own chat template, which llama_cpp uses
    when none is named. Threads default to half the cores this process may use, for both prompt
    and generation: llama.cpp's threads wait for each other at every step, so a team that needs
    every core stalls whenever anything else runs (the sandbox verifying the previous answer, a
    neighbour). On a shared 2-core machine 1 thread gave a steady 24-30 tokens/s, 2 threads
    anywhere from 3 to 35. ``--interrupt_requests false``: otherwise a streamed answer is cut off
    as soon as a second request waits, which a concurrent pipeline always does.
    """
    threads = threads or max(1, len(os.sched_getaffinity(0)) // 2)
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path), "--model_alias", name,
        "--host", HOST, "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads),
        "--interrupt_requests", "false",
    ]  # fmt: skip


@contextlib.contextmanager
def local_server(
    name: str,
    *,
    cache_dir: Path | None = None,
    port: int | None = None,
    console: Console | None = None,
    startup_timeout: float = 180.0,
) -> Iterator[LocalServer]:
    """Fetch (or reuse) the named model, serve it on ``port`` (default: a free one), stop on exit.

    ``console`` shows fetch progress; the server is stopped however the block ends, Ctrl-C too.
    """
    spec = get_spec(name)
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(
            "llama-cpp-python is not installed in this Python; "
            "install it with: pip install 'verigen[local]'"
        )
    if port is not None:
        _check_port(port)  # before a fetch that may take minutes
    model_path = fetch_model(spec, cache_dir or default_cache_dir(), console=console)
    port = port or _free_port()  # picked late, so nothing else has time to take it
    command = llama_cpp_command(model_path, name=name, port=port)
    server = start_server(command, name=name, port=port, startup_timeout=startup_timeout)
    try:
        yield server
    finally:
        server.stop()


def _spawn(command: Sequence[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ``command`` so that it dies with this process (on the spawner thread only)."""
    shim = [sys.executable, "-I", "-S", "-c", _DIE_WITH_PARENT, str(os.getpid())]
    return subprocess.Popen(
        [*shim, *command],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_server_env(os.environ),
        start_new_session=True,
    )


def _wait_until_ready(server: LocalServer, timeout: float) -> None:
    url = f"{server.api_base}/models"
    deadline = time.monotonic() + timeout
    while not _serves(url, server.name):
        code = server.process.poll()
        if code is not None:
            raise ModelError(
                f"the {server.name} server exited with code {code} before answering:\n"
                f"{server.log_tail()}"
            )
        if time.monotonic() > deadline:
            raise ModelError(
                f"the {server.name} server did not answer {url} within {timeout:.0f}s:\n"
                f"{server.log_tail()}"
            )
        time.sleep(_POLL_SECONDS)


def _serves(url: str, name: str) -> bool:
    """Whether ``url`` lists model ``name``: a server that answers but lists another model is a
    stranger that took the port first, not ours."""
    # No proxies: an http_proxy meant for the internet must not intercept 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            listing = json.load(response)
    except (OSError, http.client.HTTPException, ValueError):  # refused, reset, not JSON
        return False
    models = listing.get("data") if isinstance(listing, dict) else None
    return isinstance(models, list) and any(
        isinstance(model, dict) and model.get("id") == name for model in models
    )


def _server_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        key: value
        for key, value in environ.items()
        if key in _ENV_NAMES or key.startswith(_ENV_PREFIXES)
    }


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _check_port(port: int) -> None:
    """Refuse a taken port up front: the server would otherwise die with a bind error."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise ModelError(
                f"port {port} on {HOST} is not free ({exc}); pass another --port"
            ) from exc
