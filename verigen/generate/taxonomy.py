"""Problem taxonomies: the topics a problem writer is asked to cover, read from YAML files.

A taxonomy (shipped ones in ``problems/``; users add their own in the same format) names topics,
each with what a problem on it looks like, what easy, medium and hard mean for it, and a few
exemplars a writer can imitate; personas vary the setting. ``Taxonomy.slot`` spreads a topic's
problems over difficulty × persona. Format and rationale: ``docs/taxonomy.md``.

Everything is checked when the file is loaded, before any request is sent: a bad file is one
``ConfigError`` line naming the file and line, the key path and the problem. The exemplars' own
correctness (answers, solutions against their tests) is checked by ``tests/test_taxonomy.py``,
not here: loading never runs code.
"""

from __future__ import annotations

import ast
import difflib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from verigen.errors import ConfigError
from verigen.pyparse import parse_module
from verigen.records import Domain

Level = Literal["easy", "medium", "hard"]
LEVELS: tuple[Level, ...] = ("easy", "medium", "hard")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Difficulties(_Model):
    """What each level means for one topic; the writer is shown the line for the level it asks."""

    easy: Text
    """One idea, small numbers or inputs: what a 0.5B-7B model should solve most of the time."""
    medium: Text
    """Two or three steps, or one idea with a twist."""
    hard: Text
    """Several ideas combined, or a careful case analysis; still one checkable answer."""

    def describe(self, level: Level) -> str:
        return {"easy": self.easy, "medium": self.medium, "hard": self.hard}[level]


class MathExemplar(_Model):
    """A worked example for the writer: a problem and its bare final answer."""

    problem: Text
    answer: Text
    """A bare final answer (``12``, ``\\frac{3}{4}``, ``2\\sqrt{3}``) as a solver would box it.
    Plain YAML numbers are accepted; quote anything else (YAML reads ``1:30`` as 90)."""

    @field_validator("answer", mode="before")
    @classmethod
    def _number_as_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value


class CallTest(_Model):
    """``entry_point(*args, **kwargs)`` must return ``expected``; plain JSON values only."""

    args: tuple[JsonValue, ...] = ()
    kwargs: dict[str, JsonValue] = Field(default_factory=dict)
    expected: JsonValue
    """Compared exactly, type included: ``[1, 2]`` is a list, so a solution must not return a
    tuple, and ``1`` is not ``1.0``."""


class CodeExemplar(_Model):
    """A worked example for the writer: a function to write, its reference solution and tests."""

    problem: Text
    entry_point: Identifier
    """The function the tests call; both ``signature`` and ``solution`` must define it."""
    signature: Text
    """One ``def`` line with type hints on every parameter and the return, e.g.
    ``def two_sum(nums: list[int], target: int) -> list[int]:``."""
    solution: Text
    """A correct, self-contained Python solution (standard library only)."""
    tests: tuple[CallTest, ...] = Field(min_length=1)

    @field_validator("signature")
    @classmethod
    def _signature_defines_entry(cls, value: str, info: ValidationInfo) -> str:
        fn = _parse_def(value + "\n    ...", "signature")
        if len(fn) != 1:
            raise ValueError("must be exactly one 'def name(...) -> T:' line")
        entry = info.data.get("entry_point")
        if entry is not None and fn[0].name != entry:
            raise ValueError(f"defines {fn[0].name!r}, not the entry_point {entry!r}")
        if fn[0].returns is None or any(a.annotation is None for a in _params(fn[0])):
            raise ValueError("needs type hints on every parameter and the return")
        return value

    @field_validator("solution")
    @classmethod
    def _solution_defines_entry(cls, value: str, info: ValidationInfo) -> str:
        entry = info.data.get("entry_point")
        defined = [fn.name for fn in _parse_def(value, "solution")]
        if entry is not None and entry not in defined:
            raise ValueError(
                f"entry_point {entry!r} is not defined by the solution "
                f"(it defines: {', '.join(defined) or 'no functions'})"
            )
        return value

    @model_validator(mode="after")
    def _tests_fit_signature(self) -> CodeExemplar:
        """Catch a test that could never call the function (wrong arity, misspelt keyword)."""
        spec = _parse_def(self.signature + "\n    ...", "signature")[0].args
        positional = [a.arg for a in (*spec.posonlyargs, *spec.args)]
        keywords = {a.arg for a in (*spec.args, *spec.kwonlyargs)}
        for i, test in enumerate(self.tests):
            if spec.vararg is None and len(test.args) > len(positional):
                raise ValueError(
                    f"tests.{i}: {len(test.args)} positional args, but "
                    f"{self.entry_point} takes {len(positional)}"
                )
            unknown = sorted(set(test.kwargs) - keywords)
            if spec.kwarg is None and unknown:
                raise ValueError(f"tests.{i}: {self.entry_point} has no parameter {unknown[0]!r}")
        return self


def _parse_def(source: str, what: str) -> list[ast.FunctionDef]:
    """The top-level functions of ``source``; a syntax error is a validation error."""
    try:
        tree = parse_module(source)
    except SyntaxError as exc:
        raise ValueError(f"{what} is not valid Python (line {exc.lineno}: {exc.msg})") from None
    return [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def _params(fn: ast.FunctionDef) -> list[ast.arg]:
    return [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]


class Topic(_Model):
    """One topic; ``MathTopic`` or ``CodeTopic`` by the taxonomy's domain."""

    id: Slug
    """Stable slug (``linear-equations``): recorded on every problem, used to select topics."""
    name: Text
    """What the writer is told the topic is, e.g. "Linear equations in one variable"."""
    description: Text
    """One paragraph a writer can follow: what problems on this topic ask, typical settings,
    and what to avoid (ambiguity, answers that are not a single checkable value)."""
    difficulties: Difficulties
    exemplars: tuple[MathExemplar | CodeExemplar, ...]
    """Short examples of the format and level; writers imitate them, so keep them diverse."""


class MathTopic(Topic):
    exemplars: tuple[MathExemplar, ...] = Field(min_length=1)


class CodeTopic(Topic):
    exemplars: tuple[CodeExemplar, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Slot:
    """What the writer is asked for in one slot (topic × index) of a run."""

    topic: Topic = field(repr=False)
    difficulty: Level
    persona: str | None
    """None when the taxonomy has no personas."""


class Taxonomy(_Model):
    """A topic list for one domain; ``MathTaxonomy`` or ``CodeTaxonomy`` by ``domain``."""

    name: Slug
    domain: Domain
    version: int = Field(ge=1)
    """Bump when topics change meaning, so runs can tell which taxonomy their problems used."""
    personas: tuple[Text, ...] = ()
    """Short settings (``a bakery owner planning orders``) that vary problem style; optional."""
    topics: tuple[Topic, ...]

    @field_validator("topics")
    @classmethod
    def _unique_ids(cls, topics: tuple[Topic, ...]) -> tuple[Topic, ...]:
        seen: dict[str, int] = {}
        for i, topic in enumerate(topics):
            if topic.id in seen:
                raise ValueError(
                    f"duplicate topic id {topic.id!r} (topics {seen[topic.id]} and {i})"
                )
            seen[topic.id] = i
        return topics

    @field_validator("personas")
    @classmethod
    def _unique_personas(cls, personas: tuple[str, ...]) -> tuple[str, ...]:
        dupes = sorted({p for p in personas if personas.count(p) > 1})
        if dupes:
            raise ValueError(f"duplicate persona {dupes[0]!r}")
        return personas

    def select(self, ids: list[str] | None) -> list[Topic]:
        """The topics named by ``ids``, in that order (repeats dropped); None: every topic."""
        if ids is None:
            return list(self.topics)
        by_id = {topic.id: topic for topic in self.topics}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise ConfigError(
                f"taxonomy {self.name!r} has no topic {unknown[0]!r}; known: {', '.join(by_id)}"
            )
        return [by_id[i] for i in dict.fromkeys(ids)]

    def slot(self, topic: Topic, index: int) -> Slot:
        """The difficulty and persona for slot ``index`` of ``topic``.

        Difficulty cycles fastest and the persona moves on every ``len(LEVELS)`` slots, so the
        first ``3 × len(personas)`` slots of a topic cover every (difficulty, persona) pair once.
        Each topic starts at its own persona (a stable hash of its id), so a run with few slots
        per topic still spreads over the personas.
        """
        difficulty = LEVELS[index % len(LEVELS)]
        if not self.personas:
            return Slot(topic, difficulty, None)
        start = zlib.crc32(topic.id.encode())
        persona = self.personas[(start + index // len(LEVELS)) % len(self.personas)]
        return Slot(topic, difficulty, persona)


class MathTaxonomy(Taxonomy):
    domain: Literal[Domain.MATH]
    topics: tuple[MathTopic, ...] = Field(min_length=1)


class CodeTaxonomy(Taxonomy):
    domain: Literal[Domain.CODE]
    topics: tuple[CodeTopic, ...] = Field(min_length=1)


_BY_DOMAIN: dict[str, type[Taxonomy]] = {"math": MathTaxonomy, "code": CodeTaxonomy}


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate a taxonomy file; every failure is one ``ConfigError`` line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"taxonomy file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read taxonomy file {path}: {exc}") from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with name, domain, topics")
    model = _BY_DOMAIN.get(str(data.get("domain")))
    if model is None:
        where = _locate(node, ["domain"], path)
        got = f"got {data['domain']!r}" if "domain" in data else "missing"
        raise ConfigError(f"{where}: domain: must be 'math' or 'code' ({got})")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, node, path)) from None


_MESSAGES = {"missing": "missing required key", "extra_forbidden": "unknown key"}


def _describe(exc: ValidationError, node: yaml.Node | None, path: Path) -> str:
    """The most useful error as ``file:line: key.path: problem (got value)``."""
    errors = _relevant(exc.errors())
    err = errors[0]
    loc = [str(part) for part in err["loc"]]
    message = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
    if err["type"] == "extra_forbidden":
        message += _did_you_mean(loc[-1], err, errors)
    got = "" if err["type"] in _MESSAGES or err["type"] == "value_error" else _got(err["input"])
    more = f" [+{len(errors) - 1} more]" if len(errors) > 1 else ""
    return f"{_locate(node, loc, path)}: {'.'.join(loc) or '<root>'}: {message}{got}{more}"


def _relevant(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Unknown keys first (a typo also reports the key it misspells as missing), and without the
    "too short" a list reports when one of its own items failed and was dropped."""

    def nested(err: ErrorDetails) -> bool:
        loc = err["loc"]
        return any(len(o["loc"]) > len(loc) and o["loc"][: len(loc)] == loc for o in errors)

    kept = [e for e in errors if not (e["type"] == "too_short" and nested(e))]
    return sorted(kept, key=lambda e: e["type"] != "extra_forbidden")


def _did_you_mean(key: str, err: ErrorDetails, errors: list[ErrorDetails]) -> str:
    """The missing sibling an unknown key most likely misspells: the closest, if any is close."""
    missing = [
        str(o["loc"][-1])
        for o in errors
        if o["type"] == "missing" and o["loc"][:-1] == err["loc"][:-1]
    ]
    close = difflib.get_close_matches(key, missing, n=1, cutoff=0.4)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _got(value: Any) -> str:
    text = repr(value)
    return f" (got {text[:60]}...)" if len(text) > 60 else f" (got {text})"


def _locate(node: yaml.Node | None, loc: list[str], path: Path) -> str:
    """``file:line`` of the deepest node of the YAML tree that ``loc`` reaches."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            node, line = pair[1], pair[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return f"{path}:{line}" if line else str(path)
