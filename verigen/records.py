"""The typed records that cross every hand-off in the pipeline.

Each arrow in generate → verify → curate → export carries one of these frozen models. They are
plain data: serialisable to JSON (the journal stores them that way), picklable (Ray actors and
``datasets.map`` workers receive them) and free of behaviour beyond identity hashing.

A failure is a field of a record, never an exception crossing a stage: a rejected sample is data
(``Verdict.outcome == REJECTED`` with a reason), and an infrastructure failure is a third outcome
(``INFRA_ERROR``) that is retried, never counted as a wrong sample.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Domain(StrEnum):
    CODE = "code"
    MATH = "math"


class Outcome(StrEnum):
    """Three-way on purpose: an infra error is not a wrong answer, and must not be scored as one."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    INFRA_ERROR = "infra_error"


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def content_id(*parts: object, prefix: str = "") -> str:
    """A stable 16-hex-digit id from JSON-serialisable parts.

    Text is NFC-normalised, whitespace-collapsed and lower-cased first, so the same problem
    proposed twice with cosmetic differences gets the same id and is stored once.
    """
    normalised = [_normalise(p) for p in parts]
    blob = json.dumps(normalised, sort_keys=True, ensure_ascii=False, default=str)
    return prefix + hashlib.sha256(blob.encode()).hexdigest()[:16]


def _normalise(value: object) -> object:
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split()).lower()
    return value


class Provenance(Record):
    """Where a record came from: enough to reproduce it or to drop everything one source made."""

    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    template: str | None = None
    template_version: str | None = None
    imported_from: str | None = None
    round: int = 0


class Problem(Record):
    id: str
    domain: Domain
    statement: str
    topic: str = ""
    difficulty: str = ""
    reference_answer: str | None = None
    """Math: the known final answer (imported problems); None for synthetic ones."""
    entry_point: str | None = None
    """Code: the function the tests call."""
    signature: str | None = None
    """Code: the ``def`` line with type hints; differential testing draws inputs from it."""
    tests: str | None = None
    """Code: the tests as JSON (function-call cases) or as test code; trusted only once checked."""
    provenance: Provenance = Field(default_factory=Provenance)


class Usage(Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    """None means the model has no known price, which is different from free."""
    latency_s: float = 0.0
    cached: bool = False


class Attempt(Record):
    id: str
    problem_id: str
    sample_index: int
    completion: str
    extracted: str | None = None
    """What the verifier will judge: the final answer (math) or the code block (code)."""
    usage: Usage = Field(default_factory=Usage)
    provenance: Provenance = Field(default_factory=Provenance)


class Verdict(Record):
    """A verifier's judgement of one attempt.

    Verifiers return it without knowing about attempts or journals; the pipeline stores it under
    the attempt's id, so a verifier fix (new ``verifier_version``) re-verifies stored attempts
    without generating anything again.
    """

    outcome: Outcome
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)
    verifier: str
    verifier_version: str
    duration_s: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


def derive_seed(root: int, *parts: object) -> int:
    """A sampling seed for one request, derived from the run's root seed and what the request is.

    Deriving (rather than counting) keeps seeds stable when work is reordered, resumed or spread
    over machines: the same sample always gets the same seed, hence the same cache key.
    """
    digest = hashlib.sha256(json.dumps([root, *parts], default=str).encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1
