"""The generate stage: turn topics into problems and problems into candidate solutions.

The functions here build requests and parse replies; none of them sends anything. Sending,
retrying and paying is ``verigen.llm``'s job and storing is the journal's, so these stay small,
pure and testable without a network.
"""

from __future__ import annotations

import sys
from typing import Any

from verigen import CallablePackage
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


# ``verigen.generate`` names both this package and the public function: importing a submodule
# sets the parent's attribute to this package, so the package must be callable too. What calling
# it means belongs to the public facade (``verigen.CallablePackage``), not to this stage.
sys.modules[__name__].__class__ = CallablePackage
