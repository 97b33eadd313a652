"""What a domain plugs into the run: how it proposes problems, extracts and verifies attempts.

``Services`` is everything a task may use (config, endpoint, journal, the LLM through one
journaling ``ask``); a task holds no state of the run itself, so the driver stays the only place
that schedules, counts and stops.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from pydantic import BaseModel

from verigen.config import RunConfig
from verigen.generate.slots import Slot
from verigen.generate.structured import Parsed, ask, weaker_format
from verigen.llm import UNSUPPORTED_FORMAT, ChatRequest, ChatResponse, LLMClient, RequestFailed
from verigen.records import Attempt, Problem, Verdict
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


def judged_version(version: str, options: BaseModel, ignore: set[str]) -> str:
    """The key a task's verdicts are stored under: the verifier's version plus a hash of the
    options that decide verdicts.

    Why both: a verifier fix bumps the version, and a changed option (``math.min_share``,
    ``code.min_tests``) changes verdicts just as much; either must re-verify the journal's
    attempts (no LLM call: replies are cached by request) instead of reusing stale verdicts.
    ``ignore`` lists options that only change speed (worker counts, the sandbox backend).
    """
    data = options.model_dump(mode="json", exclude=ignore)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]
    return f"{version}+{digest}"


class Task(Protocol):
    """One domain's logic; the driver calls these in order for every problem."""

    verifier: str
    verifier_version: str
    """What verdicts are stored and exported under (see ``judged_version``)."""
    solve_template: str

    async def propose(self, slot: Slot) -> Problem | None:
        """A new problem for the slot, or None (failure already journaled)."""

    async def prepare(self, problem: Problem) -> Problem | None:
        """An imported problem made whole (code: tests from the test writer when it ships
        none), or None when that failed (already journaled)."""

    def extract(self, problem: Problem, response: ChatResponse) -> str | None:
        """What the verifier will judge (final answer, code), or None when there is none."""

    async def verify(self, problem: Problem, attempts: list[Attempt]) -> list[Verdict]:
        """One verdict per attempt, in order."""

    def close(self) -> None: ...
