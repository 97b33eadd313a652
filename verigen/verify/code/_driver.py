"""Differential-testing driver: runs inside the sandbox (standard library only), never on the host.

Calls the entry point of each candidate (``cand_<i>.py``) on every input, each candidate in a
forked process with its own session whose stdin, stdout and stderr are ``/dev/null`` (a
candidate's prints can neither reach the frame nor fill the job's output), and writes one JSON
frame with every outcome to fd 1. Where it matters the host sends one candidate per job (the
sandbox kills every process of a job after it, so nothing one candidate leaves running can
touch another's run).

What this job reports is *evidence of disagreement*, not a verdict: a candidate can lie about its
own outputs here, but every disagreement becomes a test that then runs through the sandbox's
harness, where it cannot. Outcomes: ``{"v": value}`` (plain data, see ``codec``), ``{"h":
digest, "n": size}`` for a value whose canonical text (``codec.canonical``: sizes do not move
with float noise or dict order) is longer than the spec's ``inline`` characters (0: no limit),
``{"e": "ExceptionName"}`` (the call raised), ``{"x": "TypeName"}`` (it returned a value that is
not plain data: the codec's failure, never counted as the candidate raising), ``{"t": 1}`` (the
call timed out or the process died).
"""

import contextlib
import json
import os
import select
import signal
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # after the path insert: the sandbox copy sits beside this file


class _CallTimeout(BaseException):
    """Raised in the candidate's process by the alarm; a BaseException so ``except Exception``
    in a candidate does not swallow it."""


def _alarm(*_: Any) -> None:
    raise _CallTimeout


def _child(path: str, entry: str, inputs: list[Any], timeout: float, inline: int, out: int) -> None:
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    signal.signal(signal.SIGALRM, _alarm)
    namespace: dict[str, Any] = {"__name__": "solution"}
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        with open(path, encoding="utf-8") as f:
            exec(compile(f.read(), path, "exec"), namespace)
        signal.setitimer(signal.ITIMER_REAL, 0)
        fn = namespace[entry]
    except BaseException as exc:
        os.write(out, (json.dumps({"load": type(exc).__name__}) + "\n").encode())
        os._exit(0)
    for args in inputs:
        answer: dict[str, Any]
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            value = fn(*codec.decode(args))
            signal.setitimer(signal.ITIMER_REAL, 0)
        except _CallTimeout:
            answer = {"t": 1}
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            answer = {"e": type(exc).__name__}
        else:
            try:
                answer = _answer(value, inline)
            except Exception:  # NotPlainData, or too big to encode
                answer = {"x": type(value).__name__}
        os.write(out, (json.dumps(answer) + "\n").encode())
    os._exit(0)


def _answer(value: Any, inline: int) -> dict[str, Any]:
    encoded = codec.encode(value)  # raises for a value that is not plain data
    text = codec.canonical(value)
    if inline and len(text) > inline:
        return {"h": codec.text_digest(text), "n": len(text)}
    return {"v": encoded}


def _collect(
    path: str, entry: str, inputs: list[Any], timeout: float, budget: float, inline: int
) -> list[Any]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(path, entry, inputs, timeout, inline, w)
    os.close(w)
    deadline = time.monotonic() + min(timeout * (len(inputs) + 1) + 1, budget)
    buf = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([r], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            break
        part = os.read(r, 1 << 16)
        if not part:
            break
        buf += part
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(r)
    answers: list[Any] = []
    for line in buf.splitlines()[: len(inputs) + 1]:
        try:
            answers.append(json.loads(line))
        except ValueError:
            break
    if answers and "load" in answers[0]:
        return [{"e": answers[0]["load"]}] * len(inputs)
    return answers + [{"t": 1}] * (len(inputs) - len(answers))


def main() -> None:
    spec = json.loads(sys.stdin.read())
    outputs = [
        _collect(
            path,
            spec["entry_point"],
            spec["inputs"],
            spec["call_timeout"],
            spec["deadline_s"],
            spec["inline"],
        )
        for path in spec["candidates"]
    ]
    frame = json.dumps({"nonce": spec["nonce"], "outputs": outputs}).encode()
    while frame:
        frame = frame[os.write(1, frame) :]


if __name__ == "__main__":
    main()
