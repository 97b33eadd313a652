"""The one place that talks to litellm: bounded concurrency, retries, a response cache, spend.

Why a retry loop of our own rather than litellm's ``num_retries``: verigen must decide between
retries whether the budget still allows a request, must honour ``Retry-After`` on every provider,
and must classify the final failure (endpoint unreachable → stop the run; one request refused →
record it and go on). litellm and the OpenAI client are therefore called with retries off.

The cache key (``cache_key``) is the SHA-256 of the canonical JSON of exactly what changes a
reply: model string, messages, temperature, top_p, max_tokens, seed and response_format. The
``api_base`` is left out on purpose: the same model behind a new port (a restarted local server)
answers the same request the same way. Replies are stored in the run's journal, so a rerun or a
resumed run sends nothing it has already paid for.

Cost comes from ``llm.prices`` in the config when the model is listed there, else from litellm's
bundled price table; a model in neither is counted as *unknown* cost (None), never as free.

The budget (``max_cost_usd``) is never passed, however many requests are in flight: before a try
is sent, its worst case is reserved (every prompt byte counted as a token, since no tokenizer
makes more tokens than bytes, plus ``max_tokens``, at the model's price), and the reply's true
cost replaces the reservation. A try that would not fit even once everything in flight is paid
for is not sent (``BudgetExceeded``); one that fits only after others settle waits for them.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import random
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from verigen.config import LLMConfig
from verigen.errors import BudgetExceeded, LLMError
from verigen.ratelimit import RateLimits, estimate_tokens
from verigen.records import Usage

if TYPE_CHECKING:
    from types import ModuleType


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[tuple[str, str], ...]
    """(role, content) pairs; a tuple so the request is hashable and immutable."""
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 1024
    seed: int | None = None
    response_format: str | None = None
    """A JSON-encoded ``response_format`` (e.g. a JSON schema), or None for free text."""
    api_base: str | None = None

    @cached_property
    def key(self) -> str:
        """The cache key; computed once per request (it is on every hot path)."""
        return cache_key(self)


def cache_key(request: ChatRequest) -> str:
    payload = [
        request.model, request.messages, request.temperature, request.top_p,
        request.max_tokens, request.seed, request.response_format,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


@dataclass(frozen=True)
class ChatResponse:
    text: str
    finish_reason: str
    """``length`` means truncated at max_tokens: the text is kept, the extractor decides."""
    usage: Usage
    model: str


class RequestFailed(Exception):
    """One request could not succeed (refused, or kept failing); the run goes on without it."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ResponseStore(Protocol):
    def cached_response(self, key: str) -> dict[str, Any] | None: ...

    def add_llm_call(
        self,
        key: str,
        model: str,
        request: dict[str, Any],
        response: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
        latency_s: float,
    ) -> None: ...


@dataclass
class Spend:
    """Running totals for the live panel and the report."""

    calls: int = 0
    cached: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_calls: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, usage: Usage) -> None:
        if usage.cached:
            self.cached += 1
            return
        self.calls += 1
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if usage.cost_usd is None:
            self.unknown_cost_calls += 1
        else:
            self.cost_usd += usage.cost_usd


UNSUPPORTED_FORMAT = "unsupported_response_format"
"""``RequestFailed.reason`` when the server refused the request's ``response_format``."""

_TOKENS_PER_MESSAGE = 8
"""A bound on what a chat template adds around each message (OpenAI's is 3 or 4)."""

_RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_FATAL_STATUS = {401, 403, 404}


class LLMClient:
    """Async chat completions through litellm, safe to share across coroutines of one loop."""

    def __init__(
        self,
        config: LLMConfig,
        store: ResponseStore | None = None,
        *,
        api_key: str | None = None,
        spent_before_usd: float = 0.0,
    ) -> None:
        self.config = config
        self.store = store if config.cache else None
        self.api_key = api_key
        self.spend = Spend()
        self._spent_before = spent_before_usd
        self._reserved_usd = 0.0
        """Worst-case cost of the tries in flight (see the module docstring)."""
        self._settled: asyncio.Event | None = None
        """Set whenever a reservation is given back: a try waiting for room looks again."""
        self._semaphore: asyncio.Semaphore | None = None
        self._credentialed: set[str] = set()
        """Models whose provider variables were found (checked once per model)."""
        self._limits = RateLimits({m: (lim.rpm, lim.tpm) for m, lim in config.limits.items()})

    @property
    def total_cost_usd(self) -> float:
        """Cost of this run directory so far, including earlier (resumed) invocations."""
        return self._spent_before + self.spend.cost_usd

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """One completion, from the cache when possible; raises BudgetExceeded, LLMError or
        RequestFailed, never a provider exception."""
        key = request.key
        if self.store is not None and (hit := self.store.cached_response(key)) is not None:
            response = _from_cache(hit)
            self.spend.add(response.usage)
            return response
        self._require_credentials(request)
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.config.max_concurrency)
        async with self._semaphore:
            response = await self._with_retries(request)
        if self.store is not None:
            self.store.add_llm_call(
                key,
                request.model,
                _request_json(request),
                _response_json(response),
                response.usage.prompt_tokens,
                response.usage.completion_tokens,
                response.usage.cost_usd,
                response.usage.latency_s,
            )
        return response

    async def _with_retries(self, request: ChatRequest) -> ChatResponse:
        cfg = self.config
        limiter = self._limits.for_model(request.model)
        estimate = estimate_tokens(sum(len(c) for _, c in request.messages), request.max_tokens)
        worst = self._worst_cost(request)
        for attempt in range(cfg.max_retries + 1):
            await self._reserve(worst)
            try:
                await limiter.acquire(estimate)
                response, headers = await self._send(request)
            except Exception as exc:  # provider exceptions are classified once, here
                retryable, fatal, wait = _classify(exc)
                if wait is not None:
                    limiter.pause(wait)
                limiter.observe(_error_headers(exc))
                if not retryable or attempt == cfg.max_retries:
                    where = request.api_base or "the provider's default endpoint"
                    detail = f"{type(exc).__name__} from {request.model} at {where}: {_short(exc)}"
                    if fatal:
                        if _unreachable(exc):
                            detail = f"cannot reach {where} for {request.model}: {_short(exc)}"
                        tries = f" (gave up after {attempt + 1} tries)" if retryable else ""
                        raise LLMError(detail + tries) from None
                    raise RequestFailed(_reason(exc), detail) from None
                self.spend.retries += 1
                backoff = min(cfg.backoff_max_s, cfg.backoff_base_s * 2**attempt)
                await asyncio.sleep(max(wait or 0.0, random.uniform(0, backoff)))
            else:
                usage = response.usage
                self.spend.add(usage)
                limiter.settle(estimate, usage.prompt_tokens + usage.completion_tokens)
                limiter.observe(headers)
                return response
            finally:
                self._release(worst)
        raise AssertionError("unreachable")

    def _require_credentials(self, request: ChatRequest) -> None:
        """Refuse, before sending, a request the provider would refuse for want of a key (the
        CLI checks every model up front; this covers ``verigen.api`` and other callers)."""
        if request.api_base or self.api_key or request.model in self._credentialed:
            return
        if keys := _missing_keys(request.model):
            raise LLMError(f"{request.model} needs {', '.join(keys)}, which is not set")
        self._credentialed.add(request.model)

    def _worst_cost(self, request: ChatRequest) -> float:
        """The most one try of ``request`` can cost; 0 without a budget, or for a model of
        unknown price (its calls are counted as unknown cost, never against the budget)."""
        if self.config.max_cost_usd is None:
            return 0.0
        prompt = sum(len(c.encode()) + _TOKENS_PER_MESSAGE for _, c in request.messages)
        return self._price(request.model, prompt, request.max_tokens) or 0.0

    async def _reserve(self, worst: float) -> None:
        """Hold ``worst`` against the budget, waiting while tries in flight hold the room."""
        limit = self.config.max_cost_usd
        if limit is None:
            return
        while True:
            spent = self.total_cost_usd
            if spent >= limit or spent + worst > limit:
                state = "reached" if spent >= limit else "has no room left"
                raise BudgetExceeded(
                    f"max_cost_usd={limit} {state} (spent ${spent:.4f}; the next request may "
                    f"cost up to ${worst:.4f})"
                )
            if spent + self._reserved_usd + worst <= limit:
                self._reserved_usd += worst
                return
            if self._settled is None:
                self._settled = asyncio.Event()
            self._settled.clear()
            await self._settled.wait()

    def _release(self, worst: float) -> None:
        """Give a try's reservation back. On success the reply's cost was added in the same
        step (no ``await`` between), so the budget never looks emptier than it is."""
        if self.config.max_cost_usd is None:
            return
        self._reserved_usd -= worst
        if self._settled is not None:
            self._settled.set()

    async def _send(self, request: ChatRequest) -> tuple[ChatResponse, dict[str, str]]:
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": r, "content": c} for r, c in request.messages],
            "temperature": request.temperature,
            "top_p": request.top_p,
            "max_tokens": request.max_tokens,
            "timeout": self.config.timeout_s,
            "num_retries": 0,
            "max_retries": 0,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.response_format is not None:
            kwargs["response_format"] = json.loads(request.response_format)
        if request.api_base:
            kwargs["api_base"] = request.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        elif request.api_base:
            kwargs["api_key"] = "none"  # keyless self-hosted servers; the OpenAI client needs one
        started = time.monotonic()
        raw = await litellm.acompletion(**kwargs)
        latency = time.monotonic() - started
        if not getattr(raw, "choices", None):
            raise _MalformedReply("a reply without choices")
        choice = raw.choices[0]
        text = choice.message.content
        if not isinstance(text, str):
            raise _MalformedReply(f"no text content in the reply (got {text!r:.80})")
        usage = getattr(raw, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        hidden = getattr(raw, "_hidden_params", None) or {}
        headers = hidden.get("additional_headers") or {}
        return ChatResponse(
            text=text,
            finish_reason=str(choice.finish_reason or "unknown"),
            usage=Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost_usd=self._cost(raw, request.model, prompt_tokens, completion_tokens),
                latency_s=latency,
            ),
            model=request.model,
        ), {str(k): str(v) for k, v in headers.items()}

    def _cost(
        self, raw: Any, model: str, prompt_tokens: int, completion_tokens: int
    ) -> float | None:
        """The configured price, else the cost litellm already computed from its table.

        litellm prices every reply while building it (``_hidden_params["response_cost"]``);
        reading that rather than calling ``completion_cost`` again halves verigen's CPU per call.
        """
        if model in self.config.prices:
            return self._price(model, prompt_tokens, completion_tokens)
        hidden = getattr(raw, "_hidden_params", None) or {}
        cost = hidden.get("response_cost")
        return float(cost) if isinstance(cost, int | float) else None

    def _price(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """What these token counts cost: the configured price, else litellm's table; None for
        a model in neither."""
        price = self.config.prices.get(model)
        if price is not None:
            return (
                prompt_tokens * price.input_per_mtok + completion_tokens * price.output_per_mtok
            ) / 1e6
        try:
            costs = _litellm().cost_per_token(
                model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:  # litellm raises a bare Exception for a model it has no price for
            return None
        return float(sum(costs))


@functools.cache
def _litellm() -> ModuleType:
    """Import litellm on first use: it costs seconds, and ``verigen --help`` should not pay.

    litellm would otherwise fetch its price map from the internet at import (and wait ~9 s
    for retries offline); the bundled table is what verigen prices with.

    ``acompletion`` builds the provider's coroutine on an executor thread and awaits it only
    once the thread returns; a call cancelled meanwhile (a run stopping on an error or
    Ctrl-C) leaves that coroutine unawaited, before any request was sent. Python's
    "never awaited" warning for it is noise on a CLI whose errors are one line, so exactly
    that warning is silenced.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    warnings.filterwarnings(
        "ignore", message=r"coroutine '\w+\.acompletion' was never awaited", category=RuntimeWarning
    )
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def missing_credentials(config: LLMConfig, models: Iterable[str]) -> str | None:
    """What to set before ``models`` can be asked anything, in one sentence; None when nothing.

    A configured endpoint (``api_base``, a local model) counts as credentials: self-hosted
    servers need no key, and verigen sends a placeholder. Otherwise litellm's own table of
    provider variables decides (``validate_environment``), so a hosted model without its key
    stops the run before the first request instead of failing every request one by one.
    """
    if config.api_key_env is not None:
        if os.environ.get(config.api_key_env):
            return None
        return f"llm.api_key_env names {config.api_key_env}, which is not set: set it"
    if config.api_base is not None or config.local_model is not None:
        return None
    needs = {model: keys for model in dict.fromkeys(models) if (keys := _missing_keys(model))}
    if not needs:
        return None
    variables = ", ".join(dict.fromkeys(key for keys in needs.values() for key in keys))
    return (
        f"{', '.join(needs)} needs {variables}, which is not set: set it in the environment, "
        "or point llm.api_base at a server that needs no key"
    )


def _missing_keys(model: str) -> tuple[str, ...]:
    """The environment variables litellm needs for ``model`` and does not find."""
    try:
        found = _litellm().validate_environment(model=model)
    except Exception:  # a model string litellm cannot place: its request will say so itself
        return ()
    if found.get("keys_in_environment"):
        return ()
    return tuple(str(k) for k in found.get("missing_keys") or () if k not in _HAS_A_DEFAULT)


_HAS_A_DEFAULT = {"OLLAMA_API_BASE"}
"""Variables litellm lists as missing although the provider works without them (Ollama
listens on localhost:11434 unless told otherwise): no false alarm for a local server."""


class _MalformedReply(Exception):
    """The server answered 200 with something that is not a chat completion."""


def _classify(exc: Exception) -> tuple[bool, bool, float | None]:
    """(retryable, fatal-when-final, server-requested wait in seconds)."""
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    if _refuses_format(exc):
        return False, False, None
    if isinstance(exc, _MalformedReply) or name in {
        "JSONDecodeError",
        "APIResponseValidationError",
    }:
        return True, False, None
    if _unreachable(exc):
        return True, True, None
    if isinstance(status, int):
        if status in _RETRYABLE_STATUS or status >= 500:
            return True, False, _retry_after(exc)
        return False, status in _FATAL_STATUS, None
    # litellm wraps unparseable bodies and odd failures in plain APIError without a status
    return True, False, None


def _unreachable(exc: BaseException) -> bool:
    """Connection-level failure anywhere in the chain (litellm reports some as a plain 500)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, (TimeoutError, ConnectionError)) or type(seen).__name__ in _NETWORK:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_NETWORK = {
    "Timeout",
    "APITimeoutError",
    "APIConnectionError",
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "RemoteProtocolError",
}


def _error_headers(exc: Exception) -> dict[str, str]:
    headers: Any = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    try:
        return {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}
    except (TypeError, ValueError):
        return {}


def _retry_after(exc: Exception) -> float | None:
    value = _error_headers(exc).get("retry-after")
    try:
        return min(float(value), 600.0) if value is not None else None
    except (TypeError, ValueError):
        return None


def _refuses_format(exc: Exception) -> bool:
    """A server without structured output (llama.cpp answers 500 to ``json_schema``): not
    transient, so not retried; the caller retries with a weaker format instead."""
    return "response_format" in str(exc) and getattr(exc, "status_code", None) in (400, 422, 500)


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    if _refuses_format(exc):
        return UNSUPPORTED_FORMAT
    if isinstance(exc, _MalformedReply):
        return "malformed_reply"
    return f"http_{status}" if isinstance(status, int) else "request_failed"


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _request_json(request: ChatRequest) -> dict[str, Any]:
    return {
        "model": request.model, "messages": request.messages,
        "temperature": request.temperature, "top_p": request.top_p,
        "max_tokens": request.max_tokens, "seed": request.seed,
        "response_format": request.response_format, "api_base": request.api_base,
    }  # fmt: skip


def _response_json(response: ChatResponse) -> dict[str, Any]:
    return {
        "text": response.text,
        "finish_reason": response.finish_reason,
        "model": response.model,
        "usage": response.usage.model_dump(),
    }


def _from_cache(hit: dict[str, Any]) -> ChatResponse:
    usage = Usage.model_validate(hit["usage"]).model_copy(update={"cached": True})
    return ChatResponse(
        text=hit["text"], finish_reason=hit["finish_reason"], usage=usage, model=hit["model"]
    )
