"""Per-model request and token budgets (RPM / TPM), so a run stays under a provider's limits.

Why client-side buckets when the provider already answers 429: a 429 storm wastes minutes of
backoff for every in-flight request, while pacing costs nothing. Limits come from the config;
the provider's ``x-ratelimit-remaining-*`` / ``x-ratelimit-reset-*`` headers, when present,
tighten them (a remaining count of zero pauses the model until the reset), and a 429 pauses the
model for its ``Retry-After`` so the other coroutines do not all hit the same wall.

Token costs are estimated before a request (prompt characters / 4 + ``max_tokens``) and settled
with the true count after it, so a bucket never drifts.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Continuous refill at ``per_minute / 60`` per second, holding at most ``per_minute``."""

    per_minute: float
    level: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.level = self.per_minute

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.per_minute, self.level + (now - self.stamp) * self.per_minute / 60)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (0 when it is); takes it when available."""
        self._refill()
        amount = min(
            amount, self.per_minute
        )  # a request larger than a minute's worth waits a minute
        if self.level >= amount:
            self.level -= amount
            return 0.0
        return (amount - self.level) * 60 / self.per_minute

    def adjust(self, delta: float) -> None:
        """Charge (positive) or refund (negative) after the true cost is known."""
        self.level = min(self.per_minute, self.level - delta)


@dataclass
class ModelLimiter:
    rpm: TokenBucket | None = None
    tpm: TokenBucket | None = None
    paused_until: float = 0.0

    async def acquire(self, tokens: int) -> None:
        while True:
            pause = self.paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            wait = self.rpm.wait_for(1) if self.rpm else 0.0
            if wait == 0.0 and self.tpm is not None:
                wait = self.tpm.wait_for(tokens)
                if wait > 0 and self.rpm is not None:
                    self.rpm.adjust(-1)  # give the request slot back while waiting for tokens
            if wait == 0.0:
                return
            await asyncio.sleep(min(wait, 5.0))

    def settle(self, estimated: int, actual: int) -> None:
        if self.tpm is not None:
            self.tpm.adjust(actual - estimated)

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pause until the provider's reset when it says nothing remains."""
        for kind in ("requests", "tokens"):
            remaining = _header(headers, f"x-ratelimit-remaining-{kind}")
            if remaining is not None and remaining <= 0:
                reset = _duration(_raw(headers, f"x-ratelimit-reset-{kind}"))
                self.pause(reset if reset is not None else 1.0)


class RateLimits:
    """One limiter per model string; models without configured limits are not paced."""

    def __init__(self, limits: Mapping[str, tuple[float | None, float | None]]) -> None:
        self._config = dict(limits)
        self._limiters: dict[str, ModelLimiter] = {}

    def for_model(self, model: str) -> ModelLimiter:
        limiter = self._limiters.get(model)
        if limiter is None:
            rpm, tpm = self._config.get(model, (None, None))
            limiter = ModelLimiter(
                rpm=TokenBucket(rpm) if rpm else None, tpm=TokenBucket(tpm) if tpm else None
            )
            self._limiters[model] = limiter
        return limiter


def estimate_tokens(prompt_chars: int, max_tokens: int) -> int:
    return prompt_chars // 4 + max_tokens


def _raw(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower().endswith(name):  # litellm prefixes provider headers ("llm_provider-...")
            return str(value)
    return None


def _header(headers: Mapping[str, str], name: str) -> float | None:
    value = _raw(headers, name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(value: str | None) -> float | None:
    """OpenAI-style resets: ``1s``, ``6m0s``, ``120ms``, or plain seconds."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parts = re.findall(r"([\d.]+)(ms|s|m|h)", value)
        return sum(float(n) * _UNIT[u] for n, u in parts) if parts else None
