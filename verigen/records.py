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
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticUseDefault


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


class _Case(Record):
    """A case read from a dataset's tests column keeps only the keys that test something:
    datasets annotate cases (``name``, ``comment``), and a note must not void a problem."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class CallCase(_Case):
    """Call the entry point with ``args`` and ``kwargs``; it must return ``expected``, compared
    with JSON semantics (JSON is all a test writer can say: a tuple matches a list)."""

    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any


class StdioCase(_Case):
    """Run the solution as a program with ``input`` on stdin; stdout must equal ``output``."""

    input: str
    output: str

    @field_validator("input", "output", mode="before")
    @classmethod
    def _number_as_text(cls, value: object) -> object:
        """``{"input": 3, "output": 9}`` is common in datasets: a number is its printed text."""
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return str(value) if is_number else value


TestCase = CallCase | StdioCase
"""One case; the two have no field in common, so a case's keys say which it is."""


class CaseTests(Record):
    """Tests as cases: what the test writer produces, and what JSON test columns hold."""

    kind: Literal["cases"] = "cases"
    cases: tuple[TestCase, ...] = Field(min_length=1)
    given: int = Field(default=0, ge=0)
    """How many leading cases came with an imported problem (its dataset's own suite); the
    rest were added by the test writer. The solutions' consensus never drops a given case: the
    dataset's suite outranks agreement among samples, while an added case is only as good as
    the model that wrote it. 0 for written suites and for cases read from a tests column."""


class CodeTests(Record):
    """Tests as code: asserts, ``test_*`` functions, ``TestCase`` classes or HumanEval's
    ``check(candidate)``; the code verifier cuts it into tests."""

    kind: Literal["code"] = "code"
    code: str = Field(min_length=1)


Tests = Annotated[CaseTests | CodeTests, Field(discriminator="kind")]
"""A code problem's tests, trusted only once the code verifier has checked them."""


def read_tests_column(text: str | None) -> CaseTests | CodeTests | None:
    """The ``tests`` text column (exports, ``verigen verify`` and import inputs, old journals)
    as typed tests: a JSON list of cases, else test code; ``None`` for none (empty text, or an
    empty list). ``ValueError`` for JSON that is not a list of cases. With
    ``write_tests_column``, the only place that text and the typed tests meet."""
    if text is None or not text.strip():
        return None
    if text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:  # code starting with a literal
            return CodeTests(code=text)
        if not isinstance(data, list):
            raise ValueError("tests: expected a JSON list of cases or test code")
        return CaseTests.model_validate({"cases": data}) if data else None
    return CodeTests(code=text)


def write_tests_column(tests: CaseTests | CodeTests | None) -> str:
    """The ``tests`` text column: cases as a JSON list (sorted keys, as the test writer's were
    always written), code as it is, ``""`` for none."""
    if tests is None:
        return ""
    if isinstance(tests, CodeTests):
        return tests.code
    return json.dumps([c.model_dump() for c in tests.cases], sort_keys=True)


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
    tests: Tests | None = None
    """Code: the tests, as cases or as code; trusted only once checked."""
    answer_program: str | None = None
    """Math, answer-first synthesis (``math.answer_first``): the writer's program that prints
    the answer to its own statement. Run in the sandbox against the solvers' agreed answer and
    never shown to a solver; None for imported problems and those written without it."""
    provenance: Provenance = Field(default_factory=Provenance)

    @field_validator("tests", mode="before")
    @classmethod
    def _tests_from_old_journal(cls, value: object) -> object:
        """Journals written before tests were typed hold them as the text column's string."""
        return read_tests_column(value) if isinstance(value, str) else value


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


def _or_default(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """A detail of the wrong type reads as absent: details are the verifier's free-form record
    (and may come from an older verifier), so a reader must never fail on one."""
    try:
        return handler(value)
    except ValidationError:
        raise PydanticUseDefault() from None


_T = TypeVar("_T")
Lenient = Annotated[_T, Strict(), WrapValidator(_or_default)]
"""Exactly this type (no ``True`` as 1, no ``"3"`` as 3), or the field's default."""


class Details(BaseModel):
    """The keys of ``Verdict.details`` that other stages read, typed, for every verifier.

    A view, not the record: ``Verdict.details`` keeps everything its verifier wrote (the pass
    matrix, dropped tests, the comparison rule...), which the ``verdict_details`` column carries
    as is. Typing all of it would freeze each verifier's diagnostics into the journal's schema;
    typing what is read means a renamed or mistyped key fails here, in one place, instead of
    reading as ``None`` in a dataset column.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    infra_tries: Lenient[int] = 1
    """How many times an ``infra_error`` verdict has been judged (``pipeline/verifying.py``)."""

    @classmethod
    def of(cls, verdict: Verdict) -> Self:
        return cls.model_validate(verdict.details)


class CodeDetails(Details):
    """What the code verifier records that datasets show; all empty on a math verdict."""

    tests_passed: Lenient[int | None] = None
    tests_total: Lenient[int | None] = None
    """Trusted tests run against the solution (``None``: it never got that far)."""
    mutation_score: Lenient[float | None] = None
    tests_run: Lenient[list[dict[str, Any]]] = Field(default_factory=list)
    """One entry per test run: id, outcome, message, time, checks."""
    sandbox_version: Lenient[str] = ""
    limits: Lenient[dict[str, Any] | None] = None
    """The sandbox limits the tests ran under (``timeout_s``, ``call_timeout_s``, ``memory_mb``)."""


class MathDetails(Details):
    """What the math verifier records that other stages read; all empty on a code verdict."""

    gold: Lenient[str | None] = None
    pred: Lenient[str | None] = None
    """The final answers the comparison read from the reference and from the attempt."""
    answer: Lenient[str | None] = None
    """Vote: the answer read from this attempt."""
    vote_answer: Lenient[str | None] = None
    """Vote: the winning answer, normalised."""


def derive_seed(root: int, *parts: object) -> int:
    """A sampling seed for one request, derived from the run's root seed and what the request is.

    Deriving (rather than counting) keeps seeds stable when work is reordered, resumed or spread
    over machines: the same sample always gets the same seed, hence the same cache key.
    """
    digest = hashlib.sha256(json.dumps([root, *parts], default=str).encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1
