"""Pacing under provider limits: buckets, 429 storms through real HTTP, provider headers."""

from __future__ import annotations

import asyncio
import time

from tests.fakellm import FakeLLM, Fault
from verigen.config import LLMConfig, ModelLimit
from verigen.llm import ChatRequest, LLMClient
from verigen.ratelimit import ModelLimiter, RateLimits, TokenBucket


def test_bucket_gives_a_minutes_worth_then_makes_you_wait() -> None:
    bucket = TokenBucket(per_minute=60)
    assert all(bucket.wait_for(1) == 0.0 for _ in range(60))
    assert bucket.wait_for(1) > 0.5
    bucket.adjust(-30)  # a refund after an over-estimate
    assert bucket.wait_for(10) == 0.0


def test_oversized_requests_wait_for_a_full_bucket_instead_of_forever() -> None:
    bucket = TokenBucket(per_minute=100)
    assert bucket.wait_for(5_000) == 0.0  # capped at capacity
    assert bucket.wait_for(5_000) > 0


def test_unconfigured_models_are_not_paced_and_configured_ones_are() -> None:
    limits = RateLimits({"openai/slow": (60.0, None)})
    assert limits.for_model("openai/other").rpm is None
    assert limits.for_model("openai/slow").rpm is not None
    assert limits.for_model("openai/slow") is limits.for_model("openai/slow")


def test_provider_saying_nothing_remains_pauses_until_its_reset() -> None:
    limiter = ModelLimiter()
    limiter.observe(
        {
            "llm_provider-x-ratelimit-remaining-requests": "0",
            "llm_provider-x-ratelimit-reset-requests": "1m30s",
        }
    )
    assert limiter.paused_until - time.monotonic() > 80
    other = ModelLimiter()
    other.observe({"x-ratelimit-remaining-tokens": "1200", "x-ratelimit-reset-tokens": "2s"})
    assert other.paused_until == 0.0


def test_a_429_storm_is_ridden_out_and_every_request_completes(fake_llm: FakeLLM) -> None:
    fake_llm.inject(*[Fault("429", retry_after=0.05) for _ in range(12)])
    config = LLMConfig(
        max_retries=8,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        limits={"openai/fake": ModelLimit(rpm=6000)},
    )
    client = LLMClient(config)

    async def many() -> list[str]:
        requests = [
            ChatRequest(
                model="openai/fake",
                messages=(("user", f"What is {i} plus 1?"),),
                seed=i,
                api_base=fake_llm.api_base,
            )
            for i in range(8)
        ]
        return [r.text for r in await asyncio.gather(*map(client.complete, requests))]

    texts = asyncio.run(many())
    assert len(texts) == 8 and all("\\boxed" in t for t in texts)
    assert client.spend.retries == 12
    assert client.spend.calls == 8
