"""Problem synthesis: one request per (topic, slot), and a tolerant parser for the reply."""

from __future__ import annotations

import re

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.llm import ChatRequest
from verigen.records import Domain, Problem, Provenance, content_id, derive_seed

TEMPLATE = "math_problem"
DIFFICULTIES = ("easy", "medium", "hard")
_MIN_CHARS, _MAX_CHARS = 15, 4000

_PREFIX = re.compile(r"^\s*(?:\*\*|#+\s*)?(?:new\s+)?problem\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*", re.I)
_TRAILER = re.compile(
    r"\n\s*(?:\*\*|#+\s*)?(?:solution|answer|final answer|hint|explanation)\b.*", re.I | re.S
)


def problem_request(
    role: RoleConfig, topic: str, slot: int, root_seed: int, api_base: str | None
) -> tuple[ChatRequest, str]:
    """The request for slot ``slot`` of ``topic`` and the difficulty it asks for.

    Writer models and difficulties rotate with the slot, so a topic's problems spread over both.
    """
    model = role.models[slot % len(role.models)]
    difficulty = DIFFICULTIES[slot % len(DIFFICULTIES)]
    template = prompts.load(TEMPLATE)
    messages = template.render(topic=topic, difficulty=difficulty, variation=slot + 1)
    request = ChatRequest(
        model=model,
        messages=messages,
        temperature=role.temperature,
        top_p=role.top_p,
        max_tokens=role.max_tokens,
        seed=derive_seed(root_seed, "problem", topic, slot),
        api_base=api_base,
    )
    return request, difficulty


def parse_problem(text: str) -> str | None:
    """The problem statement in a writer's reply, or None when there is no usable one.

    Small models wrap the problem in chatter, markdown and unrequested solutions: keep the part
    after a ``Problem:`` label (when there is one) and before any solution or answer section.
    """
    body = text.strip()
    labelled = re.search(r"(?im)^\s*(?:\*\*|#+\s*)?(?:new\s+)?problem\s*\d*\s*[:.)-]", body)
    if labelled:
        body = body[labelled.start() :]
    body = _TRAILER.sub("", _PREFIX.sub("", body, count=1)).strip().strip("*").strip()
    if not (_MIN_CHARS <= len(body) <= _MAX_CHARS) or "\\boxed" in body:
        return None
    return body


def make_problem(
    statement: str, topic: str, difficulty: str, request: ChatRequest, round_: int
) -> Problem:
    template = prompts.load(TEMPLATE)
    return Problem(
        id=content_id(Domain.MATH.value, statement, prefix="p-"),
        domain=Domain.MATH,
        statement=statement,
        topic=topic,
        difficulty=difficulty,
        provenance=Provenance(
            model=request.model,
            params={
                "temperature": request.temperature,
                "top_p": request.top_p,
                "max_tokens": request.max_tokens,
                "seed": request.seed,
            },
            template=TEMPLATE,
            template_version=template.version,
            round=round_,
        ),
    )
