"""What the run's parts share: the endpoint, and ``Services`` — the one journaling sender.

``Services.ask`` is what proposers receive as their ``Ask``: requests go through the LLM client,
failures are journaled, unusable replies re-asked; proposers hold no state of the run, so the
driver stays the only place that schedules, counts and stops.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pydantic import BaseModel

from verigen.config import RunConfig
from verigen.generate.structured import Parsed, ask, weaker_format
from verigen.llm import UNSUPPORTED_FORMAT, ChatRequest, ChatResponse, LLMClient, RequestFailed
from verigen.store import Journal

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    """Where requests go for this invocation (a configured base, or a local server's)."""

    api_base: str | None
    api_key: str | None


@dataclass
class Services:
    config: RunConfig
    endpoint: Endpoint
    journal: Journal
    llm: LLMClient
    formats: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """Structured-output formats a model's server refused, and what to send instead."""

    async def send(self, request: ChatRequest, stage: str, subject: str) -> ChatResponse | None:
        """One request; one that cannot succeed is journaled as a failure, not raised.

        A server that refuses the ``response_format`` is asked again with a weaker one (and
        every later request to that model starts there), so one provider's missing feature
        costs one request, not the run.
        """
        fmt = request.response_format
        if fmt is not None and (request.model, fmt) in self.formats:
            request = replace(request, response_format=self.formats[(request.model, fmt)])
        try:
            return await self.llm.complete(request)
        except RequestFailed as exc:
            if request.response_format is not None and exc.reason == UNSUPPORTED_FORMAT:
                weaker = weaker_format(request.response_format)
                self.formats[(request.model, fmt or "")] = weaker
                self.formats[(request.model, request.response_format)] = weaker
                return await self.send(replace(request, response_format=weaker), stage, subject)
            self.fail(stage, subject, exc.reason, exc.detail, request.key)
            return None

    async def ask(
        self, request: ChatRequest, parse: Callable[[ChatResponse], T], stage: str, subject: str
    ) -> T | None:
        """Send and parse with re-asks; an unusable final reply is journaled with its reason."""

        async def send(req: ChatRequest) -> ChatResponse | None:
            return await self.send(req, stage, subject)

        parsed: Parsed[T] = await ask(send, request, parse, self.config.problems.reasks)
        if parsed.value is None and parsed.reason != "request_failed":
            text = parsed.response.text if parsed.response else ""
            self.fail(stage, subject, parsed.reason or "unusable", text, request.key)
        return parsed.value

    def fail(self, stage: str, subject: str, reason: str, detail: str, key: str) -> None:
        self.journal.add_failure(f"{stage}:{key}", stage, subject, reason, detail)


def judged_version(
    version: str, options: BaseModel, ignore: set[str], templates: dict[str, str] | None = None
) -> str:
    """The key a run's verdicts are stored under: the verifier's version plus a hash of the
    options that decide verdicts.

    Why both: a verifier fix bumps the version, and a changed option (``math.min_share``,
    ``code.min_tests``) changes verdicts just as much; either must re-verify the journal's
    attempts (no LLM call: replies are cached by request) instead of reusing stale verdicts.
    ``ignore`` lists options that only change speed (worker counts, the sandbox backend).
    ``templates`` (name → version) are the prompts whose replies decide verdicts (the math
    policy's judges): editing one re-judges too, its replies asked afresh.
    """
    data = options.model_dump(mode="json", exclude=ignore)
    if templates:
        data["_templates"] = templates
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]
    return f"{version}+{digest}"
