"""The generate stage: turn topics into problems and problems into candidate solutions.

The functions here build requests and parse replies; none of them sends anything. Sending,
retrying and paying is ``verigen.llm``'s job and storing is the journal's, so these stay small,
pure and testable without a network.
"""

from __future__ import annotations

from typing import Any

from verigen.generate import prompts
from verigen.llm import ChatRequest
from verigen.records import Provenance


def provenance_for(request: ChatRequest, template: str, round_: int, **extra: Any) -> Provenance:
    """Everything needed to reproduce a reply: model, sampling, template and its version."""
    params = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        **extra,
    }
    return Provenance(
        model=request.model,
        params=params,
        template=template,
        template_version=prompts.load(template).version,
        round=round_,
    )
