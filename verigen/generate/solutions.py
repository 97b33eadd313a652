"""Solution sampling: k requests per model for a problem, and the attempts made of the replies."""

from __future__ import annotations

from collections.abc import Iterator

from verigen.config import RoleConfig
from verigen.generate import prompts, provenance_for
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import Attempt, Problem, content_id, derive_seed


def solve_requests(
    problem: Problem, role: RoleConfig, template: str, root_seed: int, api_base: str | None
) -> Iterator[tuple[int, ChatRequest]]:
    """(sample index, request) for every model × sample; indices are unique within the problem.

    Seeds derive from the problem, model and sample, not from the slot that proposed the
    problem, so the same problem always gets the same requests however the run was scheduled.
    """
    messages = prompts.load(template).render(
        problem=problem.statement, signature=problem.signature or ""
    )
    for m, model in enumerate(role.models):
        for s in range(role.samples):
            request = ChatRequest(
                model=model,
                messages=messages,
                temperature=role.temperature,
                top_p=role.top_p,
                max_tokens=role.max_tokens,
                seed=derive_seed(root_seed, problem.id, model, s),
                api_base=api_base,
            )
            yield m * role.samples + s, request


def make_attempt(
    problem: Problem,
    index: int,
    request: ChatRequest,
    response: ChatResponse,
    extracted: str | None,
    template: str,
    round_: int,
) -> Attempt:
    return Attempt(
        id=content_id(problem.id, request.model, index, request.key, prefix="a-"),
        problem_id=problem.id,
        sample_index=index,
        completion=response.text,
        extracted=extracted,
        usage=response.usage,
        provenance=provenance_for(request, template, round_, finish_reason=response.finish_reason),
    )
