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

from verigen.generate import provenance_for
from verigen.generate.structured import Unusable, extract_json, json_schema_format
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import Domain, Problem, content_id

PROBLEM_TEMPLATE = "code_problem"
TESTS_TEMPLATE = "code_tests"
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
TESTS_FORMAT = json_schema_format(
    "code_tests",
    {
        "type": "object",
        "properties": {
            "tests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"args": {"type": "array"}, "expected": {}},
                    "required": ["args", "expected"],
                },
            }
        },
        "required": ["tests"],
    },
)
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
    signature = fields["signature"].removesuffix("pass").strip()
    if not signature.endswith(":"):
        signature += ":"
    entry = fields["entry_point"]
    if not _NAME.match(entry) or _defined_name(signature) != entry:
        raise Unusable("bad_signature", f'"signature" must be "def {entry}(...) -> ...:".')
    return {**fields, "signature": signature}


def _defined_name(signature: str) -> str | None:
    try:
        tree = ast.parse(signature + "\n    ...\n")
    except (SyntaxError, ValueError, RecursionError):
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    return node.name if isinstance(node, ast.FunctionDef) else None


def parse_tests(response: ChatResponse, minimum: int = 1) -> list[dict[str, Any]]:
    """Function-call cases ``{"args": [...], "kwargs": {}, "expected": ...}``, JSON values only."""
    data = extract_json(response.text)
    raw = data.get("tests") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise Unusable("no_tests", 'Reply with {"tests": [{"args": [...], "expected": ...}]}.')
    cases = []
    for case in raw:
        if isinstance(case, dict) and isinstance(case.get("args"), list) and "expected" in case:
            kwargs = case.get("kwargs") if isinstance(case.get("kwargs"), dict) else {}
            cases.append({"args": case["args"], "kwargs": kwargs, "expected": case["expected"]})
    unique = list({json.dumps(c, sort_keys=True): c for c in cases}.values())
    if len(unique) < minimum:
        raise Unusable("too_few_tests", f"Write at least {minimum} different test cases.")
    return unique


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
        tests=json.dumps(tests, sort_keys=True),
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
