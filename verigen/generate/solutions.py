"""Solution sampling: k requests per model for a problem, and the attempts made of the replies."""

from __future__ import annotations

from collections.abc import Iterator

from verigen.config import RoleConfig
from verigen.generate import prompts
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import Attempt, Problem, Provenance, content_id, derive_seed

TEMPLATE = "math_solve"


def solve_requests(
    problem: Problem, role: RoleConfig, root_seed: int, api_base: str | None
) -> Iterator[tuple[int, ChatRequest]]:
    """(sample index, request) for every model × sample; indices are unique within the problem."""
    messages = prompts.load(TEMPLATE).render(problem=problem.statement)
    for m, model in enumerate(role.models):
        for s in range(role.samples):
            yield (
                m * role.samples + s,
                ChatRequest(
                    model=model,
                    messages=messages,
                    temperature=role.temperature,
                    top_p=role.top_p,
                    max_tokens=role.max_tokens,
                    seed=derive_seed(root_seed, problem.id, model, s),
                    api_base=api_base,
                ),
            )


def make_attempt(
    problem: Problem, index: int, request: ChatRequest, response: ChatResponse, round_: int
) -> Attempt:
    template = prompts.load(TEMPLATE)
    params = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "finish_reason": response.finish_reason,
    }
    return Attempt(
        id=content_id(problem.id, request.model, index, request.key(), prefix="a-"),
        problem_id=problem.id,
        sample_index=index,
        completion=response.text,
        usage=response.usage,
        provenance=Provenance(
            model=request.model,
            params=params,
            template=TEMPLATE,
            template_version=template.version,
            round=round_,
        ),
    )
