"""Getting structured output out of models of every size: ask, parse tolerantly, re-ask.

Providers that support ``response_format`` get a JSON schema (llama.cpp's server turns it into a
grammar, which is what makes a 0.5B model usable). Everything is still parsed tolerantly, since
many servers ignore the schema: JSON inside code fences or prose, code in any fence or none. A
reply that cannot be used gets a bounded number of re-asks that quote the problem back to the
model, and the final failure is a reason the caller journals — never an exception.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from verigen.llm import ChatRequest, ChatResponse
from verigen.pyparse import parse_module

T = TypeVar("T")

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)


class Unusable(Exception):
    """A reply that cannot be used; ``reason`` is journaled and quoted in the re-ask."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class Parsed(Generic[T]):
    value: T | None
    response: ChatResponse | None
    """The reply the value came from (or the last one tried)."""
    reason: str | None
    """Why no value, when ``value`` is None."""
    tries: int


def extract_json(text: str) -> Any:
    """The first JSON object in ``text``: whole text, a fenced block, or embedded in prose."""
    candidates = [text] + [body for _, body in _FENCE.findall(text)]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[{\[]", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise Unusable("no_json", "Reply with one JSON object only.")


def extract_code(text: str, entry_point: str | None = None) -> str:
    """The Python code in a reply: the last fence that defines ``entry_point`` (or any fence).

    Only ``ast.parse`` touches the code here: parsing is not running, and nothing from a model
    is ever executed outside the sandbox.
    """
    fences: list[str] = [
        body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "python", "py")
    ]
    candidates = fences[::-1] or [text]
    for code in candidates:
        try:
            tree = parse_module(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        if entry_point is None or entry_point in defined:
            return code.strip() + "\n"
    if entry_point is not None:
        raise Unusable(
            "no_entry_point",
            f"Reply with one ```python code block that defines `{entry_point}`.",
        )
    raise Unusable("no_code", "Reply with one ```python code block.")


async def ask(
    send: Callable[[ChatRequest], Awaitable[ChatResponse | None]],
    request: ChatRequest,
    parse: Callable[[ChatResponse], T],
    reasks: int,
) -> Parsed[T]:
    """Send, parse, and on ``Unusable`` re-ask up to ``reasks`` times in the same conversation.

    ``send`` returns None when the request itself failed for good (already journaled by the
    caller); that ends the exchange without a re-ask.
    """
    last: ChatResponse | None = None
    reason = "request_failed"
    for attempt in range(reasks + 1):
        response = await send(request)
        if response is None:
            return Parsed(None, last, "request_failed", attempt + 1)
        last = response
        try:
            return Parsed(parse(response), response, None, attempt + 1)
        except Unusable as exc:
            reason = exc.reason
            feedback = f"That reply could not be used ({exc.reason.replace('_', ' ')}). {exc.hint}"
            request = replace(
                request,
                messages=(*request.messages, ("assistant", response.text), ("user", feedback)),
            )
    return Parsed(None, last, reason, reasks + 1)


def ensure_new(text: str, example: str, numbers_count: bool, threshold: float = 90.0) -> None:
    """Refuse a reply that restates the prompt's example: small writers copy exemplars verbatim
    (the 0.5B model did in 14 of 18 math slots under the first writer prompt).

    A copy would otherwise pass every later check (it is a fine problem) and fill the dataset
    with the taxonomy's own examples. With ``numbers_count`` (math), the example's wording with
    other numbers is not a copy: it asks something else, with another answer, and it is how
    small writers vary an example; how alike the run's own problems are is for deduplication to
    judge. A code statement with other numbers in its example still asks for the same function.
    """
    from rapidfuzz import fuzz

    if numbers_count and _NUMBER.findall(text) != _NUMBER.findall(example):
        return
    if fuzz.ratio(" ".join(text.lower().split()), " ".join(example.lower().split())) >= threshold:
        raise Unusable(
            "copied_example", "Write a new, different problem; do not repeat the example."
        )


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def ensure_finished(statement: str) -> None:
    """Refuse a statement that stops before it is written out: one ending where it announced
    more ("a valid identifier according to these rules:", the code demo's kept problem whose
    rules never came), or with a bracket left open (a reply cut at ``max_tokens`` in "(e.g.,
    $"). Its solvers and tests would guess the rest, and agree on a guess. Round and square
    brackets are counted together, so a half-open interval "[0, 1)" is complete; ``$`` is not
    counted at all (a price has one)."""
    text = statement.rstrip()
    opened = text.count("(") + text.count("[") > text.count(")") + text.count("]")
    if text.endswith((":", ",", ";")) or opened or text.count("{") > text.count("}"):
        raise Unusable(
            "unfinished_problem", "The problem stops before it is complete: write it out in full."
        )


def json_schema_format(name: str, schema: dict[str, Any]) -> str:
    """A ``response_format`` value (JSON-encoded, as ``ChatRequest`` stores it)."""
    return json.dumps(
        {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}},
        sort_keys=True,
    )


def weaker_format(response_format: str) -> str | None:
    """The next thing to try when a server refuses a ``response_format``.

    OpenAI-style ``json_schema`` → llama.cpp-style ``json_object`` with the schema (which it
    compiles into a grammar) → nothing (tolerant parsing alone).
    """
    spec = json.loads(response_format)
    if spec.get("type") == "json_schema":
        schema = spec.get("json_schema", {}).get("schema", {})
        return json.dumps({"type": "json_object", "schema": schema}, sort_keys=True)
    return None
