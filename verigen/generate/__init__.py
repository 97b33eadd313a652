"""The generate stage: turn topics into problems and problems into candidate solutions.

The functions here build requests and parse replies; none of them sends anything. Sending,
retrying and paying is ``verigen.llm``'s job and storing is the journal's, so these stay small,
pure and testable without a network.
"""

from __future__ import annotations

import sys
import types
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


class _CallablePackage(types.ModuleType):
    """This package's module type: calling it is calling ``verigen.api.generate``.

    ``verigen.generate`` is two things. The public function (``verigen.__getattr__`` loads it
    from ``verigen.api``) and this package share one name, and importing a submodule sets the
    parent's attribute: once anything imports ``verigen.generate.*`` (running a pipeline does),
    ``verigen.generate`` is this module for good, and ``verigen.generate("run.yaml")`` would
    raise "'module' object is not callable". Making the package callable keeps the documented
    call working whichever import came first; the package's own names stay where they are.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from verigen.api import generate

        return generate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
