"""The run configuration: typed, frozen, bounded, and validated once at the edge.

A run is described by one YAML file (examples in ``configs/``), optionally overridden with
``--set dotted.key=value`` flags. Everything is checked here, before any request is sent: a bad
key or value becomes a ``ConfigError`` whose one-line message names the key, the value and the
file and line it came from. The rest of verigen receives the validated, immutable model.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from verigen.errors import ConfigError
from verigen.records import Domain


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Price(_Section):
    """USD per million tokens, for models litellm's price table does not know (self-hosted ones)."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


class ModelLimit(_Section):
    """A provider's published limits for one model; verigen paces itself to stay under them."""

    rpm: float | None = Field(default=None, gt=0)
    """Requests per minute."""
    tpm: float | None = Field(default=None, gt=0)
    """Tokens (prompt + completion) per minute."""


class LLMConfig(_Section):
    """How verigen talks to LLM endpoints; shared by every role."""

    api_base: str | None = None
    """OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8000/v1``; None: the provider's own."""
    api_key_env: str | None = None
    """The environment variable holding the API key; the key itself never enters a config."""
    local_model: str | None = None
    """Serve this model from the local catalog (``verigen model list``) for the run's duration."""
    max_concurrency: int = Field(default=16, ge=1, le=4096)
    """Requests in flight at once, across all roles; verification has its own knob."""
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    """Per-request timeout; a request past it is retried like a 5xx."""
    max_retries: int = Field(default=4, ge=0, le=20)
    """Retries after the first try: 429, 5xx, timeouts, connection errors, malformed replies."""
    backoff_base_s: float = Field(default=1.0, ge=0, le=60)
    """First backoff; doubles each retry, with full jitter, capped at ``backoff_max_s``."""
    backoff_max_s: float = Field(default=30.0, ge=0, le=600)
    max_cost_usd: float | None = Field(default=None, gt=0)
    """Hard budget: once spent, no new request is sent; in-flight ones drain and are kept."""
    cache: bool = True
    """Content-addressed response cache in the journal: the same request is never paid for twice."""
    prices: dict[str, Price] = Field(default_factory=dict)
    """Per-model prices overriding litellm's table, keyed by the litellm model string."""
    limits: dict[str, ModelLimit] = Field(default_factory=dict)
    """Per-model RPM / TPM, keyed by the litellm model string; unlisted models are not paced."""


class RoleConfig(_Section):
    """One LLM role (problem writer, solver, ...): which models and how to sample them."""

    models: list[str] = Field(min_length=1)
    """litellm model strings: ``gpt-4o-mini``, or ``openai/qwen`` with ``llm.api_base``."""
    temperature: float = Field(default=0.7, ge=0, le=2)
    top_p: float = Field(default=1.0, gt=0, le=1)
    max_tokens: int = Field(default=1024, ge=1, le=200_000)
    samples: int = Field(default=1, ge=1, le=64)
    """Samples per prompt per model (the k of best-of-k); each gets its own seed."""


class ImportConfig(_Section):
    """Problems read from a file instead of synthesized: JSONL, Parquet or a ``datasets`` dir."""

    path: Path
    columns: dict[str, str] = Field(default_factory=dict)
    """verigen field → column name, for the fields ``statement`` (required), ``answer``, ``id``,
    ``topic``, ``difficulty``, ``entry_point``, ``signature``, ``tests``; unmapped fields use
    a column of the same name when there is one."""
    limit: int | None = Field(default=None, ge=1)
    """Read at most this many rows (the first ones)."""


class ProblemsConfig(_Section):
    """Where problems come from: synthesized from topics by the writer, or imported."""

    domain: Domain = Domain.MATH
    taxonomy: Path | None = None
    """A taxonomy file (``problems/math.yaml``): topics with difficulties and exemplars."""
    topics: list[str] = Field(default_factory=list)
    """Free-text topics; with a taxonomy, the ids of the topics to use (default: all)."""
    per_topic: int = Field(default=4, ge=1, le=1_000_000)
    """Problems to propose for each topic."""
    writer: RoleConfig | None = None
    """The problem writer; required unless problems are imported."""
    test_writer: RoleConfig | None = None
    """Code: the model(s) writing test cases; default: the writer."""
    tests_per_problem: int = Field(default=6, ge=1, le=100)
    """Code: test cases asked of the test writer."""
    augment_below: int = Field(default=10, ge=0, le=1000)
    """Code: an imported problem shipping fewer function-call cases than this gets
    ``tests_per_problem`` more from the test writer (MBPP-style sets ship 3, which plausible
    wrong code passes). Its own cases are never dropped by the consensus; the written ones are
    trusted as synthesized problems' are. 0: a given suite is all the tests there are."""
    reasks: int = Field(default=2, ge=0, le=10)
    """Re-asks (in the same conversation) after a reply that cannot be parsed."""
    source: ImportConfig | None = None
    """Import problems instead of synthesizing them."""

    @model_validator(mode="after")
    def _has_a_source(self) -> ProblemsConfig:
        if self.source is None and self.writer is None:
            raise ValueError("set problems.writer (to synthesize) or problems.source (to import)")
        if self.source is None and not self.topics and self.taxonomy is None:
            raise ValueError("set problems.topics or problems.taxonomy")
        return self


Precision = Literal["strict", "balanced", "off"]
"""How hard a run works to keep only right answers where no reference answer decides (see
``PRECISION_PRESETS`` and ``docs/precision-policies.md``)."""


class MathVerifyConfig(_Section):
    """How math attempts are judged. With a reference answer, an attempt stands when its answer
    equals the reference. Without one (synthesized or imported without answers), by agreement:
    a vote, then the policy's checks, cheapest first, each run only while an answer still
    stands — ``min_models``, ``answer_first``, ``well_posed``, ``rederive``, ``program_check``.

    Fields left unset are filled by the run's ``precision`` preset (``PRECISION_PRESETS``); a
    field set in the config always wins over the preset."""

    min_share: float = Field(default=0.5, gt=0, le=1)
    """Without a reference answer, accept the majority answer once its vote share reaches this
    (of all samples; samples without an answer count against it). ``strict``: 0.6, which with
    4 samples asks for 3 agreeing (a 2-of-4 majority is how slips get kept)."""
    min_votes: int = Field(default=2, ge=1)
    """Fewer extracted answers than this cannot form a majority: the problem is rejected."""
    min_models: int = Field(default=1, ge=1, le=64)
    """The winning answer needs votes from at least this many different solver models, or it
    is rejected ``too_few_models``: one model's samples share its blind spots, two models
    agreeing is much stronger evidence. ``strict``: 2 when the solver has several models."""
    well_posed: RoleConfig | None = None
    """A model asked whether the statement has everything a unique answer needs (a missing
    quantity, two unknowns for one equation, an undefined object make it ill-posed); an
    ill-posed statement keeps nothing (``ill_posed``). ``true`` in a config: the solver's
    models at temperature 0. None: no such check."""
    rederive: RoleConfig | None = None
    """A model shown the agreed answer checks it (substitutes it back or solves backwards) and
    writes the answer it finds; the answer stands only when the two are equal
    (``rederivation_disagrees`` otherwise). ``true``: the solver's models at temperature 0."""
    fail_closed: bool = False
    """A ``well_posed`` or ``rederive`` check whose reply cannot be read (or has no answer)
    keeps nothing: the attempts become ``infra_error`` (``well_posed_undecided``,
    ``rederivation_undecided``), never accepted. False: such a check does not block."""
    timeout_s: float = Field(default=2.0, gt=0, le=60)
    """Hard limit per symbolic check, enforced by killing a worker process."""
    workers: int = Field(default=2, ge=1, le=256)
    """Verification processes; independent of LLM concurrency."""
    program_check: RoleConfig | None = None
    """A model that writes a program computing the answer; run in the sandbox (``code``
    settings), an agreed answer stands only when the program's output agrees with it.
    ``true``: the solver's models and sampling. Needs a sandbox (docker or bubblewrap)."""
    program_tries: int = Field(default=2, ge=1, le=10)
    """Programs asked for (each with its own seed, cycling the role's models) until one runs
    and prints an answer; when none does, the answer is ``infra_error``, never rejected."""
    answer_first: bool = False
    """Answer-first synthesis: the writer of a synthesized problem also writes a program that
    prints its answer (one longer writer reply); solvers solve the statement blind, and the
    agreed answer stands only when the program, run in the sandbox, prints an equal one
    (``answer_program_disagrees``; a program that crashes, runs past its limits or prints
    nothing: ``answer_program_failed``). Needs a sandbox. Off by default and in every preset:
    measured with the 0.5B writer (``bench/answer_first.py``) it halves the problems made (its
    replies often lack a working program) for a precision gain too small to decide on. No
    effect on imported problems."""


ANSWER_FIRST_TOKENS = 384
"""The least ``problems.writer.max_tokens`` answer-first synthesis accepts: a statement and a
short program (``make demo``'s 160 tokens, sized for a statement, cut the 0.5B writer's JSON
inside the program)."""

PRECISION_PRESETS: dict[str, dict[str, Any]] = {
    "off": {},
    "balanced": {"min_share": 0.5, "well_posed": True, "rederive": True},
    "strict": {
        "min_share": 0.6,
        "min_models": 2,
        "well_posed": True,
        "rederive": True,
        "program_check": True,
        "fail_closed": True,
    },
}
"""What each ``precision`` setting fills into ``math`` fields the config leaves unset.

- ``off``: the field defaults — a 50% majority of at least 2 samples, nothing else (what
  verigen did before presets).
- ``balanced``: adds the well-posedness check and answer re-derivation; a check whose reply
  cannot be read does not block. No sandbox needed.
- ``strict`` (default): a 60% majority, votes from 2 different models when the solver has
  several, well-posedness, re-derivation and the program check (needs a sandbox), and every
  undecided check keeps nothing (``fail_closed``).
"""

CODE_PRESETS: dict[str, dict[str, Any]] = {
    "off": {},
    "balanced": {"crash_check": True, "dispute_check": True},
    "strict": {"crash_check": True, "dispute_check": True, "min_share": 0.7},
}
"""What each ``precision`` setting fills into ``code`` fields the config leaves unset."""

_ROLE_FIELDS = ("well_posed", "rederive", "program_check", "crash_check", "dispute_check")


def _preset_code(
    value: Any, precision: str, solver: RoleConfig | None, judge: RoleConfig | None
) -> Any:
    """``code`` as the user wrote it, with unset fields filled from the preset and ``true`` /
    ``false`` roles made concrete."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_unset=True)
    if not isinstance(value, dict):
        return value
    return _concrete_roles({**CODE_PRESETS.get(precision, {}), **value}, solver, judge)


def _preset_math(
    value: Any, precision: str, solver: RoleConfig | None, judge: RoleConfig | None
) -> Any:
    """``math`` as the user wrote it, with unset fields filled from the preset and ``true`` /
    ``false`` roles made concrete (a role from the solver's models, or none)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_unset=True)
    if not isinstance(value, dict):
        return value
    preset = dict(PRECISION_PRESETS.get(precision, {}))
    if solver is not None and preset.get("min_models", 1) > len(solver.models):
        preset["min_models"] = len(solver.models)
    filled = _concrete_roles({**preset, **value}, solver, judge)
    models = filled.get("min_models")
    if solver is not None and isinstance(models, int) and models > len(solver.models):
        raise ValueError(
            f"min_models is {models} but the solver has {len(solver.models)} model(s): "
            "list more models in solver.models or lower math.min_models"
        )
    return filled


def _concrete_roles(
    filled: dict[str, Any], solver: RoleConfig | None, judge: RoleConfig | None
) -> dict[str, Any]:
    for name in _ROLE_FIELDS:
        if isinstance(filled.get(name), bool):
            filled[name] = _check_role(name, solver, judge) if filled[name] else None
    return filled


def _check_role(
    name: str, solver: RoleConfig | None, judge: RoleConfig | None
) -> dict[str, Any] | bool:
    """The role a ``true`` check gets. The program writer samples like the solver (each try a
    new program). The judges answer at temperature 0 (one considered reply, not a sample),
    from the ``judge`` models when the config names them, else the solver's; what the
    ``judge`` section sets itself (a temperature, max_tokens) wins."""
    if solver is None:
        return True  # the solver is invalid and reported; this field then fails too
    if name == "program_check":
        return {"models": solver.models, "temperature": solver.temperature,
                "max_tokens": solver.max_tokens}  # fmt: skip
    short = name in ("well_posed", "crash_check", "dispute_check")
    role = {"models": solver.models, "temperature": 0.0,
            "max_tokens": 256 if short else solver.max_tokens}  # fmt: skip
    if judge is not None:
        role |= {"models": judge.models} | judge.model_dump(include=judge.model_fields_set)
    return role


class CalibrationConfig(_Section):
    """Problems with a known truth mixed into the run's stream, so the run measures its own
    precision: the pipeline gets them without it (math: no answer, the precision policy
    decides them; code: no tests, the test writer writes them and the code verifier judges
    them) exactly as it gets the run's own problems, the truth judges what it kept (math: the
    known answer; code: hidden tests in the sandbox), and they are never exported
    (``verigen.curate.calibration``, ``docs/precision.md``)."""

    share: float | None = Field(default=None, ge=0, le=0.5)
    """Calibration problems as a share of the run's problems (one at least when above 0;
    ``0.05``: 1 in a 12-problem run, 5 in 100). 0 turns calibration off. Unset: 0.05 for a
    synthesized run, math or code (nothing but agreement, or the run's own tests, decides
    its problems, so its precision is what needs measuring); 0 for an imported run (it may
    carry its own answers or tests: set a share to calibrate an import without them)."""
    source: Path | None = None
    """A JSONL file of calibration problems of the run's domain, one object a line, optional
    ``id`` and ``topic``. Math: ``statement`` and ``answer`` (LaTeX or plain). Code:
    ``statement``, ``entry_point``, ``tests`` (the hidden call cases, ``{"args", "kwargs",
    "expected"}``) and optionally ``signature`` (the ``def`` line). None: the bank shipped
    with verigen for the domain (``problems/calibration/``: ``math.jsonl``, 188 templated
    problems in ten families with answers computed by sympy; ``code.jsonl``, original
    function problems with hidden tests their references pass)."""


CALIBRATION_SHARE = 0.05
"""The default ``calibration.share`` of a synthesized run."""


OutputFormat = Literal["arrow", "parquet", "jsonl"]


class CodeVerifyConfig(_Section):
    backend: Literal["auto", "docker", "bwrap"] = "auto"
    """Sandbox backend; ``auto`` is docker when an engine answers, else bubblewrap."""
    workers: int = Field(default=2, ge=1, le=256)
    """Sandboxes running at once; independent of LLM concurrency."""
    timeout_s: float = Field(default=10.0, gt=0, le=600)
    """Wall limit for one solution's whole test run."""
    memory_mb: int = Field(default=512, ge=32, le=65536)
    min_tests: int = Field(default=3, ge=1)
    """Checks (asserts executed, or call/stdin cases) the trusted tests must make on a solution
    for it to count (AceCoder keeps > 3 tests); a loop of asserts counts every one it runs."""
    mutants: int = Field(default=8, ge=0, le=64)
    """Mutants of an accepted solution run against its trusted tests; a suite killing fewer
    than half is too weak to judge (``weak_tests``). 0: no mutation floor (what it removes is
    measured by ``bench/precision.py``, docs/precision.md)."""
    differential: bool = True
    """Hypothesis-generated inputs run through every surviving solution: a disagreement among
    them vetoes (``unresolved_disagreement``) or, with a majority, becomes a test. False: off."""
    min_share: float = Field(default=0.5, ge=0.5, le=1)
    """With ``differential`` and no reference solution: the share of the surviving samples a
    value must hold (and a strict majority) to decide an input, so that it becomes a test and
    rejects who disagrees; below it nobody is kept (``unresolved_disagreement``). ``strict``:
    0.7, which asks 3 of 4 (or 3 of 3) samples to agree where they differ: a 2-to-1 majority
    is how two samples sharing a misreading outvote the right one (``brackets_balanced``, the
    0.5B model, which its own dispute check did not catch). A majority raising only sets an
    input aside, as before (the crash check asks about it)."""
    enumerate_up_to: int = Field(default=512, ge=0, le=10_000)
    """With ``differential``: every input up to the largest size that fits this many runs too
    (one ``int``: all of [-100, 100]; lists and strings: the short ones), smallest first;
    random draws miss a wrong answer on a few sparse inputs. 0: draws only."""
    crash_check: RoleConfig | None = None
    """A model asked, for up to 3 inputs on which accepted solutions raise (found by
    ``differential``), what the call returns according to the statement, quoting the
    sentence that says so ("not allowed" / "not said" when it rules the call out or is
    silent). A solution raising on a covered input is rejected
    ``raises_on_covered_input`` (samples that all divide by a factor the statement allows
    agree, and agreement alone kept them), every other one ``covered_input_untested``; a
    reply that cannot be read makes it
    ``infra_error`` (``crash_check_undecided``). Only problems judged by agreement (no
    reference solution). ``true``: the solver's models at temperature 0. ``strict`` and
    ``balanced``: on."""
    dispute_check: RoleConfig | None = None
    """A model asked, for up to 3 inputs on which a majority of the solutions outvoted others
    (found by ``differential``), what the call returns according to the statement, quoting
    the sentence that says so. When it gives a value a losing solution gave and the majority
    did not, every accepted solution is rejected ``disagrees_with_statement``
    (samples sharing a misreading outvote the one that read the statement right); a reply
    that cannot be read makes them ``infra_error`` (``dispute_check_undecided``). Only
    problems judged by agreement. ``true``: the solver's models at temperature 0.
    ``strict`` and ``balanced``: on."""


class ExecutorConfig(_Section):
    """Where verification runs; sized apart from LLM concurrency."""

    kind: Literal["local", "ray"] = "local"
    """``local``: this machine's worker processes and sandboxes. ``ray``: one verifier actor
    per node of a Ray cluster (the ``verigen[ray]`` extra); LLM calls and the journal stay on
    this machine either way."""
    address: str | None = None
    """Ray only: ``auto`` (the cluster this machine belongs to), ``HOST:PORT``, or None (a new
    single-machine Ray, or the one ``RAY_ADDRESS`` names)."""

    max_in_flight: int | None = Field(default=None, ge=1, le=100_000)
    """Problems being verified at once; default twice the domain's workers (``math.workers``
    or ``code.workers``). A run keeps ``llm.max_concurrency`` plus this many problems in
    flight (at most ``max_problems_in_flight``), so neither side waits on the other."""


class OutputConfig(_Section):
    formats: tuple[OutputFormat, ...] = ("arrow",)
    """``arrow`` is ``save_to_disk`` (``datasets.load_from_disk`` reads it)."""


class ExportConfig(_Section):
    """Training sets curated and written at the end of every run (``run_dir/export/FORMAT``).

    The same curation as ``verigen export``: dedup across all rounds, decontamination, an
    optional difficulty band; then one ``datasets`` directory per format with its card.
    """

    formats: tuple[Literal["sft", "dpo", "rl"], ...] = ()
    """None by default: the verified dataset is always written; these are extra shapes."""
    decontaminate: tuple[str, ...] = ("humaneval",)
    """Benchmarks to remove overlaps with: ``humaneval``, ``PATH`` or ``PATH:COLUMN``."""
    ngram: int = Field(default=8, ge=3, le=50)
    """Word n-gram length for decontamination (open-r1 uses 8, lm-eval 13)."""
    near_dup_threshold: float = Field(default=0.9, gt=0, le=1)
    """Similarity at or above which two problems (or solutions) count as near duplicates."""
    difficulty_band: str | None = None
    """Keep problems whose pass rate is in this band: ``0,1`` (open) or ``[0.2,1]``."""


class RunConfig(_Section):
    name: str = Field(default="run", pattern=r"^[A-Za-z0-9_.-]+$")
    run_dir: Path = Path("runs/run")
    """Holds the journal, the dataset and the report; rerunning into it resumes."""
    seed: int = 0
    """Root of every sampling seed: the same config and seed send the same requests."""
    round: int = Field(default=0, ge=0)
    max_problems_in_flight: int = Field(default=64, ge=1, le=100_000)
    """Bounds memory: problems being generated or verified at once, independent of run size."""
    llm: LLMConfig = Field(default_factory=LLMConfig)
    problems: ProblemsConfig
    solver: RoleConfig
    judge: RoleConfig | None = None
    """The models the precision checks ask (``math.well_posed``, ``math.rederive``,
    ``code.crash_check``, ``code.dispute_check``) when the preset or ``true`` turns them on;
    unset: the solver's. A model judging its own samples can share their misreading: the
    0.5B model kept two wrong ``brackets_balanced`` programs judging itself and none with the
    1.5B model as judge (``docs/precision.md``). At temperature 0 and 256 tokens (re-derivation:
    the solver's max_tokens) unless this section sets them. A check's own role still wins."""
    precision: Precision = "strict"
    """How much agreement an answer without a reference needs before it is kept: a preset
    for the ``math`` fields the config leaves unset (``PRECISION_PRESETS``). ``strict`` is
    the default because a vote among samples of one small model keeps wrong answers and
    ill-posed problems often (issue 13: 40% of kept samples right with the 0.5B model);
    ``off`` is a plain majority vote."""
    math: MathVerifyConfig = Field(default_factory=MathVerifyConfig, validate_default=True)
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig, validate_default=True)
    """Problems with a known truth (answers, hidden tests) mixed into the run to measure its
    precision; after validation ``share`` is always set (the default filled in for the run's
    source)."""
    code: CodeVerifyConfig = Field(default_factory=CodeVerifyConfig, validate_default=True)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)

    @field_validator("precision", mode="before")
    @classmethod
    def _off_is_not_false(cls, value: Any) -> Any:
        """YAML reads a bare ``off`` as false: ``precision: off`` must mean ``off``."""
        return "off" if value is False else value

    @field_validator("math", "code", mode="before")
    @classmethod
    def _apply_precision(cls, value: Any, info: ValidationInfo) -> Any:
        """The ``precision`` preset fills the section of the run's own domain: the math policy
        judges math only, the code policy code only."""
        problems = info.data.get("problems")
        if problems is not None and problems.domain.value != info.field_name:
            return value
        preset = _preset_math if info.field_name == "math" else _preset_code
        precision, solver = info.data.get("precision", "off"), info.data.get("solver")
        return preset(value, precision, solver, info.data.get("judge"))

    @field_validator("math")
    @classmethod
    def _room_for_the_program(
        cls, value: MathVerifyConfig, info: ValidationInfo
    ) -> MathVerifyConfig:
        """A writer sized for a statement alone cuts an answer-first reply inside its program:
        every problem would fail to parse, and the run would end with nothing to say why."""
        problems = info.data.get("problems")
        writer = problems.writer if problems is not None and problems.source is None else None
        if value.answer_first and writer is not None and writer.max_tokens < ANSWER_FIRST_TOKENS:
            raise ValueError(
                f"answer_first: the writer replies with a statement and a program, and "
                f"problems.writer.max_tokens ({writer.max_tokens}) is too few for both: "
                f"give it at least {ANSWER_FIRST_TOKENS}"
            )
        return value

    @field_validator("calibration")
    @classmethod
    def _calibration_share(
        cls, value: CalibrationConfig, info: ValidationInfo
    ) -> CalibrationConfig:
        problems = info.data.get("problems")
        if problems is None:
            return value  # problems is invalid and reported
        if value.share is None:
            share = 0.0 if problems.source is not None else CALIBRATION_SHARE
            value = value.model_copy(update={"share": share})
        writes_tests = problems.test_writer or problems.writer
        if problems.domain is Domain.CODE and value.share and writes_tests is None:
            raise ValueError(
                "code calibration problems come without tests: set problems.test_writer to "
                "write them, or calibration.share to 0"
            )
        return value

    @field_validator("run_dir")
    @classmethod
    def _not_root(cls, value: Path) -> Path:
        if value.resolve() == Path("/"):
            raise ValueError("run_dir must not be the filesystem root")
        return value

    def fingerprint(self) -> str:
        """Hash of everything that changes what the run produces (not paths or concurrency)."""
        data = self.model_dump(
            mode="json", exclude={"run_dir", "max_problems_in_flight", "executor"}
        )
        for key in ("max_concurrency", "timeout_s", "api_base", "local_model"):
            data["llm"].pop(key, None)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def load_config(path: Path | None, overrides: list[str] | None = None) -> RunConfig:
    """Read, override and validate a run config; every failure is one ``ConfigError`` line."""
    overrides = overrides or []
    source = str(path) if path else "<flags>"
    text = _read(path) if path else "{}"
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections, not {data!r}")
    for item in overrides:
        _apply_override(data, item)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, node, source, overrides)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None


def _apply_override(data: dict[str, Any], item: str) -> None:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {item!r}: expected dotted.key=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        value = raw
    parts = key.strip().split(".")
    target = data
    for part in parts[:-1]:
        child = target.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {item!r}: {part!r} is not a section")
        target = child
    target[parts[-1]] = value


def _describe(
    exc: ValidationError, node: yaml.Node | None, source: str, overrides: list[str]
) -> str:
    """The first validation error as ``file:line: key: message (got value)``."""
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"]]
    key = ".".join(loc) or "<root>"
    overridden = any(o.partition("=")[0].strip() == key for o in overrides)
    where = "--set" if overridden else _locate(node, loc, source)
    message = err["msg"]
    value = err.get("input")
    shown = err["type"] != "missing" and not isinstance(value, dict | list)
    got = f" (got {value!r})" if shown else ""
    more = len(exc.errors()) - 1
    tail = f" [+{more} more]" if more else ""
    return f"{where}: {key}: {message}{got}{tail}"


def _locate(node: yaml.Node | None, loc: list[str], source: str) -> str:
    """Walk the composed YAML tree along ``loc`` to the deepest existing node; give its line."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key_node = next((k for k, _ in node.value if k.value == part), None)
                line = key_node.start_mark.line + 1 if key_node else line
                break
            key_line = next(k for k, v in node.value if v is match).start_mark.line + 1
            node, line = match, key_line
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return f"{source}:{line}" if line else source
