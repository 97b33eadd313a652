"""Code problem synthesis: a JSON problem with entry point and signature, then its test cases.

Problems and tests come from different roles (the issue's problem writer and test writer), so a
writer's misunderstanding is not copied into its own tests; tests are trusted only after the code
verifier checks them against the solutions.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from verigen.config import RoleConfig
from verigen.generate import prompts, provenance_for
from verigen.generate.structured import Unusable, ensure_finished, extract_json, json_schema_format
from verigen.llm import ChatRequest, ChatResponse
from verigen.pyparse import parse_module
from verigen.records import (
    CallCase,
    CaseTests,
    Domain,
    Problem,
    StdioCase,
    TestCase,
    content_id,
    derive_seed,
)

PROBLEM_TEMPLATE = "code_problem"
TESTS_TEMPLATE = "code_tests"
AUGMENT_TEMPLATE = "code_tests_more"
SOLVE_TEMPLATE = "code_solve"
PROBLEM_FORMAT = json_schema_format(
    "code_problem",
    {
        "type": "object",
        "properties": {
            "problem": {"type": "string"},
            "entry_point": {"type": "string"},
            "signature": {"type": "string"},
        },
        "required": ["problem", "entry_point", "signature"],
        "additionalProperties": False,
    },
)
CALL_VALUE_TEMPLATE = "code_call_value"
"""A judge asked what one call returns according to the statement, for the crash check: its
examples show a call ruled out ("not allowed") as often as one decided."""
DISPUTE_TEMPLATE = "code_dispute_value"
"""The same question for the dispute check, on calls every solution returned from: its
examples all work a value out of a sentence. Asked with the crash check's examples, the 0.5B
model answered "not allowed" or "not said" on all 12 calls of ``bench/dispute_check.py``."""
NOT_ALLOWED, NOT_SAID = "not allowed", "not said"
UNDECIDED = (NOT_ALLOWED, NOT_SAID)
"""The readings that say the statement rules the call out, or does not decide it."""
CALL_VALUE_FORMAT = json_schema_format(
    "call_value",
    {
        "type": "object",
        "properties": {"sentence": {"type": "string"}, "value": {"type": "string"}},
        "required": ["sentence", "value"],
        "additionalProperties": False,
    },
)
"""``sentence`` first (keys are sent sorted): a grammar-constrained judge quotes what it reads
before it answers. Asked for the value a call returns, the 1.5B model confirmed 7 of the 12
covered calls of ``bench/crash_check.py`` with 1 false alarm of 12; asked to classify the
sentence ("forbids" or "decides"), 4 with the same false alarm: it found the right sentence
and then called "The product of an empty list is 1." one that forbids ``product([])``. A
yes/no question did no better on a first, smaller table (4 of 7 covered, 2 false alarms of
7)."""
CALL_VALUE_READING = "2"
"""Bumped whenever ``read_call_value`` reads a reply differently (part of the verdicts' key)."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_problem(response: ChatResponse) -> dict[str, str]:
    """``problem``, ``entry_point`` and a ``signature`` that parses as a Python ``def``."""
    data = extract_json(response.text)
    if not isinstance(data, dict):
        raise Unusable("no_json", "Reply with one JSON object.")
    fields = {k: str(data.get(k, "")).strip() for k in ("problem", "entry_point", "signature")}
    missing = [k for k, v in fields.items() if not v]
    if missing:
        raise Unusable("missing_keys", f"The JSON object must have the keys {missing}.")
    ensure_finished(fields["problem"])
    signature = fields["signature"].removesuffix("pass").strip()
    if not signature.endswith(":"):
        signature += ":"
    entry = fields["entry_point"]
    if not _NAME.match(entry) or _defined_name(signature) != entry:
        raise Unusable("bad_signature", f'"signature" must be "def {entry}(...) -> ...:".')
    return {**fields, "signature": signature}


def _function(signature: str) -> ast.FunctionDef | None:
    try:
        tree = parse_module(signature + "\n    ...\n")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    return node if isinstance(node, ast.FunctionDef) else None


def _defined_name(signature: str) -> str | None:
    fn = _function(signature)
    return fn.name if fn else None


def parameters(signature: str) -> list[str]:
    """Positional parameter names of a signature (for the test writer's prompt)."""
    fn = _function(signature)
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)] if fn else []


def tests_format(signature: str, count: int) -> str:
    """A JSON schema for the test writer shaped by the signature: ``args`` holds exactly the
    parameters, each of its annotated type, and ``expected`` has the return type.

    Servers that turn schemas into grammars (llama.cpp) then cannot emit the shapes small
    models otherwise produce: all values packed into ``args``, or ``{"result": 3}`` for ``3``.
    """
    fn = _function(signature)
    params = [*fn.args.posonlyargs, *fn.args.args] if fn else []
    required = len(params) - len(fn.args.defaults) if fn else 0
    args: dict[str, Any] = {"type": "array"}
    if fn is not None and fn.args.vararg is None:
        args |= {
            "prefixItems": [_json_schema(p.annotation) for p in params],
            "minItems": required,
            "maxItems": len(params),
        }
    case = {
        "type": "object",
        "properties": {"args": args, "expected": _json_schema(fn.returns if fn else None)},
        "required": ["args", "expected"],
    }
    tests = {"type": "array", "items": case, "minItems": count, "maxItems": 2 * count}
    schema = {"type": "object", "properties": {"tests": tests}, "required": ["tests"]}
    return json_schema_format("code_tests", schema)


_SCHEMA_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean",
                 "list": "array", "tuple": "array", "set": "array", "dict": "object"}  # fmt: skip


def _json_schema(annotation: ast.expr | None) -> dict[str, Any]:
    """The JSON schema of a simple annotation (``list[int]``, ``str``...); ``{}`` otherwise."""
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return {"type": "null"}
    outer = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    kind = _SCHEMA_TYPES.get(outer.id) if isinstance(outer, ast.Name) else None
    if kind is None:
        return {}
    schema: dict[str, Any] = {"type": kind}
    if kind == "array" and isinstance(annotation, ast.Subscript):
        inner = annotation.slice
        if not isinstance(inner, ast.Tuple):
            schema["items"] = _json_schema(inner)
    return schema


def parse_tests(response: ChatResponse, signature: str, minimum: int = 1) -> list[dict[str, Any]]:
    """Function-call cases (``args``, ``kwargs``, ``expected``) that fit ``signature``.

    Small test writers pack every value into ``args`` or wrap the expected value in an object;
    such a case could never pass, so it is dropped here (with a re-ask when too few remain)
    instead of failing every solution later.
    """
    data = extract_json(response.text)
    raw = data.get("tests") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise Unusable("no_tests", 'Reply with {"tests": [{"args": [...], "expected": ...}]}.')
    fn = _function(signature)
    cases = []
    for case in raw:
        if isinstance(case, dict) and isinstance(case.get("args"), list) and "expected" in case:
            kwargs = case.get("kwargs") if isinstance(case.get("kwargs"), dict) else {}
            call = {"args": case["args"], "kwargs": kwargs, "expected": case["expected"]}
            if fn is None or _fits(call, fn):
                cases.append(call)
    unique = list({json.dumps(c, sort_keys=True): c for c in cases}.values())
    if len(unique) < minimum:
        names = ", ".join(parameters(signature))
        raise Unusable(
            "too_few_tests",
            f'Write at least {minimum} different test cases; each "args" list holds exactly '
            f'the arguments ({names}) and "expected" is the plain return value.',
        )
    return unique


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,), "float": (int, float), "str": (str,), "bool": (bool,),
    "list": (list,), "tuple": (list,), "dict": (dict,), "set": (list,), "None": (type(None),),
}  # fmt: skip


def _fits(call: dict[str, Any], fn: ast.FunctionDef) -> bool:
    """Arity within the signature's bounds, keywords it names, and a plausible return type."""
    spec = fn.args
    positional = [*spec.posonlyargs, *spec.args]
    required = len(positional) - len(spec.defaults)
    n = len(call["args"])
    if spec.vararg is None and not required <= n <= len(positional):
        return False
    names = {a.arg for a in (*spec.args, *spec.kwonlyargs)}
    if spec.kwarg is None and not set(call["kwargs"]) <= names:
        return False
    return _matches(call["expected"], fn.returns)


def _matches(value: Any, annotation: ast.expr | None) -> bool:
    """Only the outer type of simple annotations is checked; anything else is accepted."""
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return value is None
    name = annotation.id if isinstance(annotation, ast.Name) else None
    kinds = _JSON_TYPES.get(name or "")
    if kinds is None:
        return True
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def make_problem(
    spec: dict[str, str],
    tests: list[dict[str, Any]],
    topic: str,
    difficulty: str,
    request: ChatRequest,
    tests_request: ChatRequest,
    round_: int,
) -> Problem:
    statement = f"{spec['problem']}\n\n{spec['signature']}"
    return Problem(
        id=content_id(Domain.CODE.value, statement, prefix="p-"),
        domain=Domain.CODE,
        statement=statement,
        topic=topic,
        difficulty=difficulty,
        entry_point=spec["entry_point"],
        signature=spec["signature"],
        tests=_case_tests(tests),
        provenance=provenance_for(
            request,
            PROBLEM_TEMPLATE,
            round_,
            test_writer=tests_request.model,
            tests_template_version=provenance_for(
                tests_request, TESTS_TEMPLATE, round_
            ).template_version,
        ),
    )


def imported_tests_request(
    problem: Problem, role: RoleConfig, count: int, root_seed: int, api_base: str | None
) -> ChatRequest:
    """The test writer's request for an imported problem: ``count`` cases for one that ships
    none; for one with a small suite of cases, ``count`` more, with the given ones shown (the
    writer sees their format and meaning and is asked for what they leave unchecked).

    The same signature-shaped schema as for a synthesized problem, seeded by the problem (not
    by a slot), so a rerun or another import of it replays the cache.
    """
    signature = problem.signature or ""
    given, template = _given(problem)
    seed = derive_seed(root_seed, template, problem.id)
    fields: dict[str, object] = {
        "problem": problem.statement,
        "signature": signature or f"def {problem.entry_point}(...)",
        "count": count,
        "params": ", ".join(parameters(signature)),
    }
    if given:
        fields["given"] = "\n".join(json.dumps(_case_json(c)) for c in given)
    return ChatRequest(
        model=role.models[seed % len(role.models)],
        messages=prompts.load(template).render(**fields),
        temperature=role.temperature,
        top_p=role.top_p,
        max_tokens=role.max_tokens,
        seed=seed,
        response_format=tests_format(signature, count),
        api_base=api_base,
    )


def with_tests(problem: Problem, tests: list[dict[str, Any]], request: ChatRequest) -> Problem:
    """An imported problem with the test writer's cases after its own given ones (a written
    case calling with a given case's arguments is dropped: the given one says what it must
    return), and who wrote them in its provenance. The given cases stay ``given``, which the
    code verifier's consensus never drops; the written ones are trusted only once checked, as
    for synthesized problems."""
    given, template = _given(problem)
    calls = {_call_key(c) for c in given}
    added = [CallCase.model_validate(c) for c in tests if _call_key(c) not in calls]
    params = {
        **problem.provenance.params,
        "test_writer": request.model,
        "tests_template_version": prompts.load(template).version,
        "tests_seed": request.seed,
    }
    provenance = problem.provenance.model_copy(update={"params": params})
    merged = CaseTests(cases=(*given, *added), given=len(given))
    return problem.model_copy(update={"tests": merged, "provenance": provenance})


def _given(problem: Problem) -> tuple[tuple[TestCase, ...], str]:
    """An imported problem's own cases, and the test writer's prompt for it: more cases after
    them, or a whole suite when it has none."""
    given = problem.tests.cases if isinstance(problem.tests, CaseTests) else ()
    return given, AUGMENT_TEMPLATE if given else TESTS_TEMPLATE


def _case_json(case: CallCase | StdioCase | dict[str, Any]) -> dict[str, Any]:
    return case if isinstance(case, dict) else case.model_dump()


def _call_key(case: CallCase | StdioCase | dict[str, Any]) -> str:
    """What a case calls with (its arguments, or its stdin), whatever it expects."""
    data = _case_json(case)
    call = [data.get("args"), data.get("kwargs") or {}, data.get("input")]
    return json.dumps(call, sort_keys=True)


def _case_tests(cases: list[dict[str, Any]]) -> CaseTests:
    """The writer's cases (already checked against the signature) as a problem's tests."""
    return CaseTests(cases=tuple(CallCase.model_validate(c) for c in cases))


def call_value_requests(
    problem: Problem,
    call: str,
    role: RoleConfig,
    root_seed: int,
    api_base: str | None,
    template: str = CALL_VALUE_TEMPLATE,
) -> list[ChatRequest]:
    """One request per model × sample of the role: what does the statement say ``call``
    returns? The judge is told neither why it is asked nor what any solution returned, so
    nothing leans its answer."""
    messages = prompts.load(template).render(
        problem=problem.statement,
        signature=problem.signature or f"def {problem.entry_point}(...)",
        call=call,
    )
    return [
        ChatRequest(
            model=model,
            messages=messages,
            temperature=role.temperature,
            top_p=role.top_p,
            max_tokens=role.max_tokens,
            seed=derive_seed(root_seed, template, problem.id, call, model, sample),
            response_format=CALL_VALUE_FORMAT,
            api_base=api_base,
        )
        for model in role.models
        for sample in range(role.samples)
    ]


_FORMAT_HINT = 'Reply with one JSON object: {"sentence": "...", "value": "..."}.'


def read_call_value(response: ChatResponse, statement: str) -> str:
    """What the judge read off the statement: the value as it wrote it (a Python literal, if
    it followed the prompt), or ``NOT_ALLOWED`` / ``NOT_SAID``. A value counts only with the
    sentence that says so quoted as the statement has it (at least 3 words): a claim without
    its rule in hand is read as ``NOT_SAID``, never guessed (a small judge copies a prompt's
    example). A reply without both fields is re-asked."""
    try:
        data = extract_json(response.text)
    except Unusable:
        raise Unusable("no_judgement", _FORMAT_HINT) from None
    if not isinstance(data, dict) or "value" not in data:
        raise Unusable("no_judgement", _FORMAT_HINT)
    sentence, value = data.get("sentence"), data["value"]
    if not isinstance(sentence, str) or not isinstance(value, str | int | float | bool | None):
        raise Unusable("no_judgement", _FORMAT_HINT)
    text = value.strip() if isinstance(value, str) else repr(value)
    said = " ".join(text.lower().strip(" .!\"'`").split())
    if said in UNDECIDED:
        return said
    quoted = _words(sentence)
    held = len(quoted) >= 3 and _contains(_words(statement), quoted)
    return text if held else NOT_SAID


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))
