"""Throughput of a local model as verigen sees it: served by llama_cpp, called through litellm.

    .venv/bin/python bench/local_model.py [--model qwen2.5-coder-0.5b] [--runs 3]

Per run, two requests with the same fixed prompt behind a fresh nonce (so llama.cpp cannot reuse
the previous run's prompt cache): a one-token request gives the exact prompt token count and the
prompt-processing time; a streamed request gives the completion rate (tokens after the first,
over the time after the first) and the wall time of a whole answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

from verigen.local import local_server

SYSTEM = (
    "You are a careful Python programmer and mathematician. Think step by step, show your "
    "reasoning briefly, and give complete, runnable code when asked for code."
)
PROMPT = (
    "A shop sells pencils in boxes of 12 and loose pencils at 30 cents each. A box costs $3.00. "
    "Mia needs 40 pencils for her class and wants to pay as little as possible.\n"
    "1. Work out the cheapest way to buy at least 40 pencils and what it costs.\n"
    "2. Write a Python function `cheapest(n: int, box_size: int, box_price: int, "
    "loose_price: int) -> int` that returns the minimum cost in cents of buying at least n "
    "pencils, with a docstring and two assert-based examples.\n"
    "Put the final cost for Mia in \\boxed{} and the code in a ```python fence."
)


def messages(nonce: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": f"[session {nonce}] {SYSTEM}"},
        {"role": "user", "content": PROMPT},
    ]


async def one_run(
    litellm: Any, model: str, api_base: str, nonce: int, max_tokens: int
) -> dict[str, float]:
    common = {"model": model, "api_base": api_base, "api_key": "local", "temperature": 0.0}
    start = time.perf_counter()
    probe = await litellm.acompletion(messages=messages(2 * nonce), max_tokens=1, **common)
    prompt_seconds = time.perf_counter() - start

    start = time.perf_counter()
    stream = await litellm.acompletion(
        messages=messages(2 * nonce + 1), max_tokens=max_tokens, stream=True, **common
    )
    first, tokens = 0.0, 0
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            tokens += 1  # llama_cpp streams one token per chunk
            first = first or time.perf_counter()
    end = time.perf_counter()
    return {
        "prompt_tokens": probe.usage.prompt_tokens,
        "prompt_tps": probe.usage.prompt_tokens / prompt_seconds,
        "completion_tokens": tokens,
        "completion_tps": (tokens - 1) / (end - first),
        "first_token_s": first - start,
        "answer_s": end - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=300)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-map download
    import litellm

    start = time.perf_counter()
    with local_server(args.model, cache_dir=args.cache_dir) as server:
        print(f"{args.model}: fetched/verified and serving in {time.perf_counter() - start:.1f}s")
        runs = [
            asyncio.run(one_run(litellm, server.model, server.api_base, nonce, args.max_tokens))
            for nonce in range(args.runs)
        ]
    for number, run in enumerate(runs, start=1):
        print(
            f"run {number}: prompt {run['prompt_tokens']:.0f} tok at {run['prompt_tps']:.0f} "
            f"tok/s; completion {run['completion_tokens']:.0f} tok at "
            f"{run['completion_tps']:.1f} tok/s; first token {run['first_token_s']:.2f}s, "
            f"whole answer {run['answer_s']:.1f}s"
        )
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(
        f"median: prompt {median['prompt_tps']:.0f} tok/s, completion "
        f"{median['completion_tps']:.1f} tok/s, {median['completion_tokens']:.0f}-token answer "
        f"in {median['answer_s']:.1f}s"
    )


if __name__ == "__main__":
    main()
