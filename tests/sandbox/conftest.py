"""Fixtures for the sandbox tests: backends, one warm pool per backend, and host-side canaries.

A backend that does not work here skips its tests, unless CI or ``VERIGEN_REQUIRE_DOCKER=1``
demands it (``tests/parts.py``): then the run ends naming what is missing. The canaries are the
ones the attack suite's README lists; they are planted for the whole session and removed
afterwards, and the attack tests check that no token ever shows up in a sandboxed program's
output.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.backends import BACKENDS, require
from tests.parts import shared_path
from verigen.sandbox import Limits, Pool, open_sandbox

ATTACKS = shared_path("conformance", "sandbox_attacks")
ATTACK_LIMITS = Limits(wall_s=10, memory_mb=512, pids=64, scratch_mb=64, output_bytes=1 << 20)


@pytest.fixture(scope="session")
def pools() -> Iterator[dict[str, Pool]]:
    opened: dict[str, Pool] = {}
    yield opened
    for pool in opened.values():
        pool.close()


@pytest.fixture(params=BACKENDS)
def sandbox(request: pytest.FixtureRequest, pools: dict[str, Pool], canaries: Canaries) -> Pool:
    """A warm two-worker pool of the parametrised backend, shared by the whole session; opened
    after the canaries are planted, so the launcher's environment holds the env canary."""
    name: str = request.param
    require(name)
    if name not in pools:
        pools[name] = open_sandbox(name, workers=2, warm=ATTACK_LIMITS)  # type: ignore[arg-type]
    return pools[name]


@dataclass
class Canaries:
    tokens: dict[str, str]
    files: list[Path]

    def leaked(self, text: str) -> list[str]:
        return [name for name, token in self.tokens.items() if token in text]


def _serve(listener: socket.socket, token: bytes, stop: threading.Event) -> None:
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        with conn:
            conn.sendall(token)


@pytest.fixture(scope="session")
def canaries() -> Iterator[Canaries]:
    """Plant every canary the attack README names (root-only ones only when root)."""
    tokens = {
        name: f"verigen-canary-{name}-{secrets.token_hex(8)}"
        for name in ("etc", "root", "cwd", "tcp", "abstract", "env")
    }
    files: list[Path] = []
    cwd_canary = Path.cwd() / f"verigen_cwd_canary_{secrets.token_hex(4)}"
    plants = [(cwd_canary, tokens["cwd"], 0o644)]
    if os.geteuid() == 0:
        plants += [
            (Path("/etc/verigen_canary"), tokens["etc"], 0o644),
            (Path("/root/verigen_canary_secret"), tokens["root"], 0o600),
        ]
    for path, token, mode in plants:
        path.write_text(token + "\n")
        path.chmod(mode)
        files.append(path)
    os.environ["VERIGEN_CANARY_ENV"] = tokens["env"]
    stop = threading.Event()
    listeners = []
    for family, address, name in (
        (socket.AF_INET, ("127.0.0.1", 47123), "tcp"),
        (socket.AF_UNIX, "\0verigen_canary_abstract", "abstract"),
    ):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if family == socket.AF_INET:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen()
        except OSError:  # another session holds it: its token is as good a canary as ours
            sock.close()
            continue
        listeners.append(sock)
        threading.Thread(
            target=_serve, args=(sock, tokens[name].encode(), stop), daemon=True
        ).start()
    try:
        yield Canaries(tokens, files)
    finally:
        stop.set()
        for sock in listeners:
            sock.close()
        for path in files:
            path.unlink(missing_ok=True)
        os.environ.pop("VERIGEN_CANARY_ENV", None)
