"""Math problem synthesis: a one-line problem per slot, parsed tolerantly from chatty replies."""

from __future__ import annotations

import re

from verigen.config import RoleConfig
from verigen.generate import prompts, provenance_for
from verigen.generate.structured import Unusable
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import Domain, Problem, content_id, derive_seed

PROBLEM_TEMPLATE = "math_problem"
SOLVE_TEMPLATE = "math_solve"
PROGRAM_TEMPLATE = "math_program"
_MIN_CHARS, _MAX_CHARS = 15, 4000

_LABEL = re.compile(r"(?im)^\s*(?:\*\*|#+\s*)?(?:new\s+)?problem\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*")
_TRAILER = re.compile(
    r"\n\s*(?:\*\*|#+\s*)?(?:solution|answer|final answer|hint|explanation)\b.*", re.I | re.S
)


def parse_problem(response: ChatResponse) -> str:
    """The statement in a writer's reply.

    Small models wrap the problem in chatter, markdown and unrequested solutions: keep the part
    after a ``Problem:`` label (when there is one) and before any solution or answer section.
    """
    body = response.text.strip()
    label = _LABEL.search(body)
    if label:
        body = body[label.end() :]
    body = _TRAILER.sub("", body).strip().strip("*").strip()
    if "\\boxed" in body:
        raise Unusable("solved_instead", "Write the problem only; do not solve it.")
    if not _MIN_CHARS <= len(body) <= _MAX_CHARS:
        raise Unusable("no_problem", 'Reply with one line starting with "Problem:".')
    return body


def make_problem(
    statement: str, topic: str, difficulty: str, request: ChatRequest, round_: int
) -> Problem:
    return Problem(
        id=content_id(Domain.MATH.value, statement, prefix="p-"),
        domain=Domain.MATH,
        statement=statement,
        topic=topic,
        difficulty=difficulty,
        provenance=provenance_for(request, PROBLEM_TEMPLATE, round_),
    )


def program_request(
    problem: Problem, role: RoleConfig, attempt: int, root_seed: int, api_base: str | None
) -> ChatRequest:
    """The program check's request: a program that prints the problem's answer.

    Each attempt has its own seed and cycles through the role's models, so a second program is
    a second opinion, not a replay of the first.
    """
    parts: tuple[object, ...] = ("program", problem.id) + ((attempt,) if attempt else ())
    return ChatRequest(
        model=role.models[attempt % len(role.models)],
        messages=prompts.load(PROGRAM_TEMPLATE).render(problem=problem.statement),
        temperature=role.temperature,
        top_p=role.top_p,
        max_tokens=role.max_tokens,
        seed=derive_seed(root_seed, *parts),
        api_base=api_base,
    )
