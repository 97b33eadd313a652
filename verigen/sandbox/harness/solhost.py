"""The solution's side of the harness: load the solution, then answer calls with plain data only.

Runs inside the sandbox in a process forked from a clean zygote (it never held a test or an
expected value) with its own session; its stdout goes to ``/dev/null`` (as in the differential
job), so ``print`` in a solution is harmless: a right program printing 20 kB a call ran a few
hundred calls past the job's output limit. Everything here is in the solution's reach — it can
patch this module, exit early, print markers or answer garbage — and none of that matters: the
only thing it can influence is the *values* the test process receives, and those arrive as plain
data the test process rebuilds itself and compares with its own, unpatched operators.
"""

import builtins
import contextlib
import os
import socket
import sys
import traceback
from typing import Any

try:
    from . import codec
except ImportError:  # in the sandbox's zygote, which loads codec first
    import codec  # type: ignore[no-redef]


def _describe(exc: BaseException) -> dict[str, str]:
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])
    return {"type": type(exc).__name__, "message": str(exc)[:500], "traceback": tail[-1500:]}


def exported(namespace: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Top-level callables (proxied by name) and plain-data globals (sent by value)."""
    callables, values = [], {}
    for name, value in namespace.items():
        if name.startswith("__"):
            continue
        if callable(value):
            callables.append(name)
            continue
        with contextlib.suppress(TypeError, ValueError, RecursionError):
            values[name] = codec.encode(value)
    return callables, values


def serve(sock: socket.socket, path: str) -> None:
    """Load ``path`` as module ``solution`` and answer call requests until the peer hangs up."""
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": path, "__builtins__": builtins}
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        exec(compile(source, path, "exec"), namespace)
    except BaseException as exc:
        codec.send_msg(sock, {"load_error": _describe(exc)})
        return
    names, values = exported(namespace)
    codec.send_msg(sock, {"ready": names, "values": values})
    while True:
        request = codec.recv_msg(sock)
        if request is None:
            return
        try:
            fn = namespace[request["fn"]]
            args = codec.decode(request["args"])
            kwargs = codec.decode(request["kwargs"])
            answer = {"value": codec.encode(fn(*args, **kwargs))}
        except BaseException as exc:
            answer = {"raised": _describe(exc)}
        codec.send_msg(sock, answer)


def child_main(sock: socket.socket, path: str) -> None:
    """Entered in the freshly forked solution process; never returns."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 1)
        os.close(sink)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - fd 0 lives as long as the process
        serve(sock, path)
    finally:
        os._exit(0)
