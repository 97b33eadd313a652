"""A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies and injected faults.

Tests drive real litellm over real HTTP against it, so retries, timeouts and parsing are exercised
end to end; nothing inside litellm is patched. Replies are a pure function of the request body
(deterministic), which makes "the same dataset as an uninterrupted run" checkable.

Run standalone for manual experiments: ``python tests/fakellm.py --port 8765``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass
class Fault:
    """One scripted misbehaviour, applied to the next matching request."""

    kind: str  # "429" | "500" | "slow" | "malformed" | "truncated" | "empty" | "401" | "drop"
    retry_after: float | None = None
    delay_s: float = 0.0
    match: str = ""
    """Only requests whose last user message contains this text (empty: any request)."""


@dataclass
class ServerState:
    responder: Responder
    faults: list[Fault] = field(default_factory=list)
    delay_s: float = 0.0
    """Added to every reply: keeps a run going long enough to be killed mid-way."""
    refused_formats: set[str] = field(default_factory=set)
    """``response_format`` types answered with a 500, as llama.cpp's server does for some."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, body: dict[str, Any]) -> Fault | None:
        text = last_user(body)
        with self.lock:
            self.requests.append(body)
            for i, fault in enumerate(self.faults):
                if fault.match in text:
                    return self.faults.pop(i)
        return None

    def request_counts(self) -> Counter[str]:
        """How often each distinct request body (minus transport fields) was received."""
        with self.lock:
            return Counter(body_key(b) for b in self.requests)


def last_user(body: dict[str, Any]) -> str:
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


def body_key(body: dict[str, Any]) -> str:
    keep = {k: body.get(k) for k in ("model", "messages", "temperature", "seed", "max_tokens")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()


def _h(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16)


def math_responder(body: dict[str, Any]) -> str:
    """Problems: 'a plus b' word problems; solutions: right for 3 of 4 seeds, wrong otherwise.

    The precision policy's judges answer as a careful model would, so a run on the default
    (strict) policy keeps the answers the solvers got right: a statement is well-posed when it
    gives two numbers (one number leaves the question without its second quantity), the
    re-derivation finds a + b whatever the student said, and the program prints a + b."""
    text = last_user(body)
    seed = body.get("seed", 0)
    if "Write one new math problem" in text:
        a, b = 2 + _h(text, seed) % 90, 3 + _h(seed, text) % 70
        return f"Problem: Sam has {a} marbles and finds {b} more. How many marbles does Sam have?"
    problem = text.split("Student's final answer")[0]
    numbers = [int(n) for n in re.findall(r"\d+", problem)]
    answer = sum(numbers[:2]) if len(numbers) >= 2 else 0
    if "Can this problem be answered" in text:
        given = ", ".join(map(str, numbers)) or "no numbers"
        missing = "none" if len(numbers) >= 2 else "a second quantity"
        return json.dumps({"given": given, "missing": missing, "well_posed": len(numbers) >= 2})
    if "Student's final answer" in text:
        terms = " + ".join(map(str, numbers[:2]))
        return f"Working backwards: {terms} = {answer}.\n\\boxed{{{answer}}}"
    if "program prints the final answer" in text:
        return f"```python\nprint({' + '.join(map(str, numbers[:2])) or 0})\n```"
    if _h(seed) % 4 == 3:
        answer += 1
    return f"Sam starts with {numbers[:1]} and adds the rest.\nSo the total is \\boxed{{{answer}}}."


def code_responder(body: dict[str, Any]) -> str:
    """Problems ``add_k``; tests from the test writer (one wrong for some seeds, which the
    cross-check must drop); solutions right for 3 of 4 seeds, off by one otherwise, written
    two ways (``x + k``, ``k + x``: two programs, the evidence a model's tests need)."""
    text = last_user(body)
    seed = body.get("seed", 0)
    if "Write one new programming problem" in text:
        k = 1 + _h(text, seed) % 50
        return json.dumps(
            {
                "problem": f"Return x plus {k}. Example: add_{k}(1) == {1 + k}.",
                "entry_point": f"add_{k}",
                "signature": f"def add_{k}(x: int) -> int:",
            }
        )
    k = int(m[1]) if (m := re.search(r"add_(\d+)", text)) else 0
    if "test cases" in text:
        cases = [{"args": [x], "expected": x + k} for x in (0, 1, -5, 7, 100)]
        if _h(seed) % 3 == 0:
            cases.append({"args": [2], "expected": 2 + k + 1})  # a wrong test
        return "Here you go:\n```json\n" + json.dumps({"tests": cases}) + "\n```"
    delta = 1 if _h(seed) % 4 == 3 else 0
    body_ = f"x + {k + delta}" if seed % 2 else f"{k + delta} + x"  # two programs, like a model
    return (
        f"```python\ndef add_{k}(x: int) -> int:\n    return {body_}\n```\n"
        f"Example:\n```python\nprint(add_{k}(1))\n```"
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        state = self.server.state
        fault = state.take_fault(body)
        if fault is not None and self._misbehave(fault):
            return
        kind = (body.get("response_format") or {}).get("type")
        if kind in state.refused_formats:
            self._json(500, {"error": {"message": f"response_format.type {kind!r} unsupported"}})
            return
        time.sleep(state.delay_s)
        text = state.responder(body)
        finish = "stop"
        if fault is not None and fault.kind == "truncated":
            text, finish = text[: max(1, len(text) // 3)], "length"
        self._json(200, completion(body, text, finish))

    def _misbehave(self, fault: Fault) -> bool:
        """Apply the fault; True when the reply has been sent (or deliberately not sent)."""
        if fault.kind == "slow":
            time.sleep(fault.delay_s)
            return False
        if fault.kind == "429":
            headers = {"retry-after": str(fault.retry_after)} if fault.retry_after else {}
            self._json(429, {"error": {"message": "rate limited", "type": "rate_limit"}}, headers)
        elif fault.kind in ("500", "401"):
            self._json(int(fault.kind), {"error": {"message": f"scripted {fault.kind}"}})
        elif fault.kind == "malformed":
            self._raw(200, b'{"id": "x", "choices": [{"message": {"content": "trunc')
        elif fault.kind == "empty":
            self._json(200, {"id": "x", "object": "chat.completion", "choices": []})
        elif fault.kind == "drop":
            self.close_connection = True
        else:
            return False
        return True

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), headers)

    def _raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def completion(body: dict[str, Any], text: str, finish: str) -> dict[str, Any]:
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    return {
        "id": "chatcmpl-" + body_key(body)[:12],
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "fake"),
        "choices": [
            {"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": text}}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(text.split()),
            "total_tokens": prompt_tokens + len(text.split()),
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-reply (a killed or interrupted run) is expected here, not
        worth a traceback in the test log; anything else is reported as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeLLM:
    """Start with ``with FakeLLM() as llm:``; ``llm.api_base`` is the base URL for litellm."""

    def __init__(
        self, responder: Responder = math_responder, port: int = 0, delay_s: float = 0.0
    ) -> None:
        self.state = ServerState(responder=responder, delay_s=delay_s)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def inject(self, *faults: Fault) -> None:
        with self.state.lock:
            self.state.faults.extend(faults)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with FakeLLM(port=args.port) as server:
        print(server.api_base, flush=True)
        threading.Event().wait()
