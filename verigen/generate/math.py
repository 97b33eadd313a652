"""Math problem synthesis (a one-line problem per slot, parsed tolerantly from chatty replies;
with answer-first synthesis, a JSON object holding the statement and a program computing its
answer), and the requests the math precision policy sends: a program for the program check, a
well-posedness judgement, an answer re-derivation. Asking only: what a reply means for a verdict
is ``verify/math/policy.py``'s."""

from __future__ import annotations

import re
from collections.abc import Iterator

from verigen.config import RoleConfig
from verigen.generate import prompts, provenance_for
from verigen.generate.structured import (
    Unusable,
    ensure_finished,
    extract_code,
    extract_json,
    json_schema_format,
)
from verigen.llm import ChatRequest, ChatResponse
from verigen.records import Domain, Problem, content_id, derive_seed

PROBLEM_TEMPLATE = "math_problem"
ANSWER_FIRST_TEMPLATE = "math_problem_program"
SOLVE_TEMPLATE = "math_solve"
PROGRAM_TEMPLATE = "math_program"
WELL_POSED_TEMPLATE = "math_well_posed"
REDERIVE_TEMPLATE = "math_rederive"
WELL_POSED_FORMAT = json_schema_format(
    "well_posed",
    {
        "type": "object",
        "properties": {
            "given": {"type": "string"},
            "missing": {"type": "string"},
            "well_posed": {"type": "boolean"},
        },
        "required": ["given", "missing", "well_posed"],
        "additionalProperties": False,
    },
)
"""``given`` and ``missing`` come first: a grammar-constrained small model lists what the
statement gives and names what is missing before it commits to the yes/no. Measured on the
0.5B model (12 statements from issue 13's kinds), its yes/no alone said "well-posed" to every
ill-posed one while ``missing`` named the absent quantity in 4 of 6, so both are read
(``well_posed.parse_well_posed``)."""
ANSWER_FIRST_FORMAT = json_schema_format(
    "math_problem_program",
    {
        "type": "object",
        "properties": {"problem": {"type": "string"}, "program": {"type": "string"}},
        "required": ["problem", "program"],
        "additionalProperties": False,
    },
)
"""Answer-first synthesis: the statement first, then the program that computes its answer, so
a grammar-constrained writer commits to the problem before it writes the code for it."""
_MIN_CHARS, _MAX_CHARS = 15, 4000

_LABEL = re.compile(r"(?im)^\s*(?:\*\*|#+\s*)?(?:new\s+)?problem\s*\d*\s*[:.)-]\s*(?:\*\*)?\s*")
_TRAILER = re.compile(
    r"\n\s*(?:\*\*|#+\s*)?(?:solution|answer|final answer|hint|explanation)\b.*", re.I | re.S
)


def parse_problem(response: ChatResponse) -> str:
    """The statement in a writer's reply.

    Small models wrap the problem in chatter, markdown and unrequested solutions: keep the part
    after a ``Problem:`` label (when there is one) and before any solution or answer section.
    """
    body = response.text.strip()
    label = _LABEL.search(body)
    if label:
        body = body[label.end() :]
    body = _TRAILER.sub("", body).strip().strip("*").strip()
    return _checked_statement(body, 'Reply with one line starting with "Problem:".')


def parse_answer_first(response: ChatResponse) -> tuple[str, str]:
    """(statement, program) in an answer-first writer's reply: a JSON object whose ``program``
    parses as Python (fenced or not) and prints something. Nothing here runs it: the program is
    model output like any other, run only in the sandbox when the problem is judged."""
    hint = 'Reply with one JSON object with the keys "problem" and "program".'
    data = extract_json(response.text)
    if not isinstance(data, dict):
        raise Unusable("no_json", hint)
    statement, program = (str(data.get(key) or "").strip() for key in ("problem", "program"))
    if not program:
        raise Unusable("missing_keys", hint)
    code = extract_code(program)
    if "print" not in code:
        raise Unusable("no_print", 'The "program" must print the final answer.')
    return _checked_statement(statement, hint), code


def _checked_statement(body: str, hint: str) -> str:
    if "\\boxed" in body:
        raise Unusable("solved_instead", "Write the problem only; do not solve it.")
    if not _MIN_CHARS <= len(body) <= _MAX_CHARS:
        raise Unusable("no_problem", hint)
    ensure_finished(body)
    return body


def make_problem(
    statement: str,
    topic: str,
    difficulty: str,
    request: ChatRequest,
    round_: int,
    answer_program: str | None = None,
) -> Problem:
    """A synthesized problem; ``answer_program`` (answer-first synthesis) travels with it."""
    template = PROBLEM_TEMPLATE if answer_program is None else ANSWER_FIRST_TEMPLATE
    return Problem(
        id=content_id(Domain.MATH.value, statement, prefix="p-"),
        domain=Domain.MATH,
        statement=statement,
        topic=topic,
        difficulty=difficulty,
        answer_program=answer_program,
        provenance=provenance_for(request, template, round_),
    )


def program_request(
    problem: Problem, role: RoleConfig, attempt: int, root_seed: int, api_base: str | None
) -> ChatRequest:
    """The program check's request: a program that prints the problem's answer.

    Each attempt has its own seed and cycles through the role's models, so a second program is
    a second opinion, not a replay of the first.
    """
    parts: tuple[object, ...] = ("program", problem.id) + ((attempt,) if attempt else ())
    return ChatRequest(
        model=role.models[attempt % len(role.models)],
        messages=prompts.load(PROGRAM_TEMPLATE).render(problem=problem.statement),
        temperature=role.temperature,
        top_p=role.top_p,
        max_tokens=role.max_tokens,
        seed=derive_seed(root_seed, *parts),
        api_base=api_base,
    )


def judge_requests(
    problem: Problem, role: RoleConfig, template: str, root_seed: int, api_base: str | None,
    **fields: object,
) -> Iterator[ChatRequest]:  # fmt: skip
    """One request per model × sample of a judging role (well-posedness, re-derivation)."""
    fmt = WELL_POSED_FORMAT if template == WELL_POSED_TEMPLATE else None
    messages = prompts.load(template).render(problem=problem.statement, **fields)
    for model in role.models:
        for sample in range(role.samples):
            yield ChatRequest(
                model=model,
                messages=messages,
                temperature=role.temperature,
                top_p=role.top_p,
                max_tokens=role.max_tokens,
                seed=derive_seed(root_seed, template, problem.id, *fields.values(), model, sample),
                response_format=fmt,
                api_base=api_base,
            )


def parse_rederivation(response: ChatResponse) -> str:
    """The re-derivation's reply as it is (the checker extracts and compares its answer);
    re-asked when it has no boxed answer, the one thing a small model most often leaves out."""
    if "\\boxed" not in response.text:
        raise Unusable("no_answer", "End with the correct final answer inside \\boxed{}.")
    return response.text
