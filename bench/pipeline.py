"""Is the pipeline ever the bottleneck? verigen generate vs bare litellm on an instant server.

Starts an OpenAI-compatible server (aiohttp, its own process) that answers at once, then in one
run measures:
  1. ``verigen generate`` in-process on a math config sized to make about N calls, with
     journaling, caching, parsing and verification;
  2. bare ``litellm.acompletion`` replaying exactly the requests verigen sent, at the same
     concurrency (the anchor: same payloads, so litellm's own per-call cost is the same).
It prints calls/s and CPU ms per call (this process: the event loop, litellm and verigen) for
both, and the ratios. Goal (issue 6): ≥ 200 calls/s end to end, and verigen's own CPU per call
within 20% of litellm's. Verification CPU, in separate worker processes, is printed apart.

    .venv/bin/python bench/pipeline.py [--calls 2000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import re
import resource
import socket
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _serve(port: int) -> None:
    from aiohttp import web

    async def completions(request: web.Request) -> web.Response:
        body = await request.json()
        text = body["messages"][-1]["content"]
        seed = body.get("seed", 0)
        if "Write one new math problem" in text:
            digest = int(hashlib.sha256(f"{text}{seed}".encode()).hexdigest()[:8], 16)
            a, b = digest % 1000, digest // 1000 % 1000
            reply = f"Problem: A crate holds {a} apples and {b} pears. How many fruits in all?"
        else:
            numbers = [int(n) for n in re.findall(r"\d+", text)[:2]]
            reply = f"Adding them gives \\boxed{{{sum(numbers)}}}."
        return web.json_response(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": reply},
                    }
                ],
                "usage": {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52},
            }
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench server did not start")


async def _bare(api_base: str, requests: list[dict[str, Any]], concurrency: int) -> int:
    """The anchor: the very requests verigen sent, through bare ``litellm.acompletion``."""
    import litellm

    gate = asyncio.Semaphore(concurrency)

    async def one(request: dict[str, Any]) -> None:
        async with gate:
            await litellm.acompletion(
                model=request["model"],
                messages=[{"role": r, "content": c} for r, c in request["messages"]],
                temperature=request["temperature"],
                top_p=request["top_p"],
                max_tokens=request["max_tokens"],
                seed=request["seed"],
                api_base=api_base,
                api_key="none",
                max_retries=0,
                num_retries=0,
            )

    await asyncio.gather(*(one(r) for r in requests))
    return len(requests)


def _measure(label: str, fn: object) -> tuple[float, float, int]:
    """(seconds, CPU seconds of this process) around ``fn()``; fn returns the call count."""
    wall, cpu = time.perf_counter(), time.process_time()
    calls = fn()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    port = _free_port()
    server = mp.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    _wait(port)
    api_base = f"http://127.0.0.1:{port}/v1"
    import verigen.pipeline  # noqa: F401  imports are start-up cost, not per-call cost

    requests: list[dict[str, Any]] = []
    try:
        _verigen(api_base, 100, args.concurrency, [])  # warm-up: imports, connection pool
        ours = _measure(
            "verigen", lambda: _verigen(api_base, args.calls, args.concurrency, requests)
        )
        bare = _measure("bare", lambda: asyncio.run(_bare(api_base, requests, args.concurrency)))
    finally:
        server.terminate()
    rows = [("bare litellm.acompletion", *bare), ("verigen generate (math)", *ours)]
    print(f"instant local server, concurrency {args.concurrency}, {os.cpu_count()} cores")
    print(f"{'':28}{'calls':>7}{'calls/s':>10}{'CPU ms/call':>13}")
    for name, wall, cpu, calls in rows:
        print(f"{name:28}{calls:>7}{calls / wall:>10.0f}{cpu / calls * 1000:>13.2f}")
    (bw, bc, bn), (vw, vc, vn) = bare, ours
    overhead = (vc / vn) / (bc / bn) - 1
    print(
        f"ratio verigen/bare: throughput {(vn / vw) / (bn / bw):.2f}x, "
        f"CPU per call {(vc / vn) / (bc / bn):.2f}x (verigen's own overhead {overhead:+.0%})"
    )
    print("(math verification runs in separate worker processes, not counted above)")


def _verigen(api_base: str, calls: int, concurrency: int, sent: list[dict[str, Any]]) -> int:
    """Run ``verigen generate`` for about ``calls`` calls; ``sent`` receives the requests."""
    from verigen.config import RunConfig
    from verigen.display import Display
    from verigen.pipeline import Endpoint, run_generate

    samples = 4
    problems = max(1, calls // (1 + samples))
    with tempfile.TemporaryDirectory() as tmp:
        config = RunConfig.model_validate(
            {
                "run_dir": tmp,
                "llm": {"api_base": api_base, "max_concurrency": concurrency},
                "max_problems_in_flight": concurrency * 2,
                "problems": {
                    "topics": ["fruit"],
                    "per_topic": problems,
                    "writer": {"models": ["openai/bench"], "max_tokens": 64},
                },
                "solver": {"models": ["openai/bench"], "samples": samples, "max_tokens": 64},
                "math": {"workers": 1},
            }
        )
        report = run_generate(config, Endpoint(api_base, None), Display())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"verigen run: {report['counts']['problems']} problems, peak RSS {peak:.0f} MiB")
        with sqlite3.connect(Path(tmp) / "journal.sqlite") as db:
            sent += [json.loads(r) for (r,) in db.execute("SELECT request FROM llm_calls")]
        return int(report["counts"]["llm_calls"])


if __name__ == "__main__":
    main()
