"""The LLM client against a real local HTTP server: retries, timeouts, cache, cost, budget."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakellm import FakeLLM, Fault
from verigen.config import LLMConfig, Price
from verigen.errors import BudgetExceeded, LLMError
from verigen.llm import ChatRequest, ChatResponse, LLMClient, RequestFailed, missing_credentials
from verigen.store import Journal

FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5.0}


def _request(server: FakeLLM, text: str = "What is 2 plus 3?", seed: int = 1) -> ChatRequest:
    return ChatRequest(
        model="openai/fake",
        messages=(("user", text),),
        seed=seed,
        api_base=server.api_base,
        max_tokens=64,
    )


def _complete(client: LLMClient, request: ChatRequest):  # type: ignore[no-untyped-def]
    return asyncio.run(client.complete(request))


def test_reply_text_tokens_and_unknown_cost(fake_llm: FakeLLM) -> None:
    client = LLMClient(LLMConfig(**FAST))
    reply = _complete(client, _request(fake_llm))
    assert "\\boxed{5}" in reply.text or "\\boxed{6}" in reply.text
    assert reply.usage.completion_tokens > 0 and reply.usage.prompt_tokens > 0
    assert reply.usage.cost_usd is None, "an unpriced model is unknown cost, not free"
    assert client.spend.unknown_cost_calls == 1


def test_models_in_litellms_price_table_are_priced_from_it(fake_llm: FakeLLM) -> None:
    request = ChatRequest(
        model="openai/gpt-4o-mini",
        messages=(("user", "What is 1 plus 2?"),),
        api_base=fake_llm.api_base,
    )
    reply = _complete(LLMClient(LLMConfig(**FAST)), request)
    assert reply.usage.cost_usd is not None and 0 < reply.usage.cost_usd < 0.01


def test_a_reply_without_choices_is_retried_then_counted_as_malformed(fake_llm: FakeLLM) -> None:
    fake_llm.inject(Fault("empty"), Fault("empty"))
    client = LLMClient(LLMConfig(max_retries=1, **FAST))
    with pytest.raises(RequestFailed) as info:
        _complete(client, _request(fake_llm))
    assert info.value.reason == "malformed_reply"


def test_retries_429_honouring_retry_after_then_succeeds(fake_llm: FakeLLM) -> None:
    fake_llm.inject(Fault("429", retry_after=0.2), Fault("500"), Fault("malformed"))
    client = LLMClient(LLMConfig(max_retries=4, **FAST))
    reply = _complete(client, _request(fake_llm))
    assert reply.finish_reason == "stop"
    assert client.spend.retries == 3
    assert len(fake_llm.state.requests) == 4


def test_slow_reply_past_timeout_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.inject(Fault("slow", delay_s=2.0))
    client = LLMClient(LLMConfig(max_retries=2, backoff_base_s=0.01, timeout_s=0.5))
    reply = _complete(client, _request(fake_llm))
    assert reply.text and client.spend.retries == 1


def test_persistent_server_errors_fail_the_request_not_the_run(fake_llm: FakeLLM) -> None:
    fake_llm.inject(*[Fault("500") for _ in range(3)])
    client = LLMClient(LLMConfig(max_retries=2, **FAST))
    with pytest.raises(RequestFailed) as info:
        _complete(client, _request(fake_llm))
    assert info.value.reason == "http_500"


def test_auth_error_is_fatal_without_retries(fake_llm: FakeLLM) -> None:
    fake_llm.inject(Fault("401"))
    client = LLMClient(LLMConfig(max_retries=3, **FAST))
    with pytest.raises(LLMError, match="AuthenticationError"):
        _complete(client, _request(fake_llm))
    assert len(fake_llm.state.requests) == 1


def test_unreachable_endpoint_is_fatal_after_bounded_retries() -> None:
    client = LLMClient(LLMConfig(max_retries=2, **FAST))
    request = ChatRequest(
        model="openai/fake", messages=(("user", "hi"),), api_base="http://127.0.0.1:9/v1"
    )
    with pytest.raises(LLMError, match=r"127\.0\.0\.1:9.*after 3 tries"):
        _complete(client, request)


def test_truncated_reply_is_kept_with_its_finish_reason(fake_llm: FakeLLM) -> None:
    fake_llm.inject(Fault("truncated"))
    reply = _complete(LLMClient(LLMConfig(**FAST)), _request(fake_llm))
    assert reply.finish_reason == "length"


def test_cache_answers_a_repeated_request_without_http(fake_llm: FakeLLM, tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        client = LLMClient(LLMConfig(**FAST), journal)
        first = _complete(client, _request(fake_llm))
        second = _complete(client, _request(fake_llm))
        other_seed = _complete(client, _request(fake_llm, seed=2))
    assert len(fake_llm.state.requests) == 2
    assert second.text == first.text and second.usage.cached
    assert other_seed.usage.cached is False
    assert client.spend.calls == 2 and client.spend.cached == 1


def test_budget_counts_configured_prices_and_refuses_a_request_that_could_pass_it(
    fake_llm: FakeLLM,
) -> None:
    prices = {"openai/fake": Price(input_per_mtok=1e6, output_per_mtok=0)}  # $1 per prompt token
    client = LLMClient(LLMConfig(max_cost_usd=28.0, prices=prices, **FAST))
    reply = _complete(client, _request(fake_llm))
    assert reply.usage.cost_usd == pytest.approx(reply.usage.prompt_tokens)
    # a worst case counts each prompt byte as a token (17 + 8 for the template): $25 > $28 - $5
    with pytest.raises(BudgetExceeded, match=r"max_cost_usd=28\.0"):
        _complete(client, _request(fake_llm, seed=9))
    assert len(fake_llm.state.requests) == 1
    assert client.total_cost_usd <= 28.0


def test_budget_is_never_passed_with_many_requests_in_flight(fake_llm: FakeLLM) -> None:
    """The $0.001 cap that ended at $0.08: each request's worst case is held before it is sent."""
    fake_llm.state.delay_s = 0.05  # replies overlap: every request is in flight at once
    prices = {"openai/fake": Price(input_per_mtok=0, output_per_mtok=5)}  # $5 per 1M out
    limit = 0.001  # a worst case (64 tokens) is $0.00032: three fit, and each costs ~$0.00007
    client = LLMClient(LLMConfig(max_cost_usd=limit, prices=prices, max_concurrency=8, **FAST))

    async def many() -> list[object]:
        requests = [_request(fake_llm, seed=seed) for seed in range(40)]
        return await asyncio.gather(*map(client.complete, requests), return_exceptions=True)

    outcomes = asyncio.run(many())
    sent = len(fake_llm.state.requests)
    stopped = [o for o in outcomes if isinstance(o, BudgetExceeded)]
    assert stopped and all(isinstance(o, BudgetExceeded | ChatResponse) for o in outcomes)
    assert client.total_cost_usd <= limit
    assert sent > 3, "room freed by a cheap reply is used: requests wait for it, not stop"
    assert sent == client.spend.calls == len(outcomes) - len(stopped)


def test_an_unpriced_model_is_not_held_against_the_budget(fake_llm: FakeLLM) -> None:
    client = LLMClient(LLMConfig(max_cost_usd=1e-9, **FAST))
    reply = _complete(client, _request(fake_llm))
    assert reply.usage.cost_usd is None and client.total_cost_usd == 0.0


def test_a_hosted_model_without_its_key_is_refused_before_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = LLMClient(LLMConfig(**FAST))
    request = ChatRequest(model="gpt-4o-mini", messages=(("user", "hi"),))
    with pytest.raises(LLMError, match="gpt-4o-mini needs OPENAI_API_KEY"):
        _complete(client, request)


def test_missing_credentials_names_the_variable_and_trusts_a_configured_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    hosted = ["gpt-4o-mini", "openai/gpt-4o-mini"]
    message = missing_credentials(LLMConfig(), hosted)
    assert message is not None and message.startswith("gpt-4o-mini, openai/gpt-4o-mini needs")
    assert message.count("OPENAI_API_KEY") == 1
    assert missing_credentials(LLMConfig(api_base="http://127.0.0.1:8000/v1"), hosted) is None
    assert missing_credentials(LLMConfig(local_model="qwen2.5-coder-0.5b"), hosted) is None
    assert missing_credentials(LLMConfig(), ["ollama/llama3"]) is None, "Ollama has a default"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert missing_credentials(LLMConfig(), hosted) is None
    keyed = LLMConfig(api_key_env="MY_KEY")
    assert "MY_KEY" in (missing_credentials(keyed, hosted) or "")
    monkeypatch.setenv("MY_KEY", "k")
    assert missing_credentials(keyed, hosted) is None
