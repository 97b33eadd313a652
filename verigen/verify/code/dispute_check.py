"""The dispute check: does the statement side with the majority where samples disagree?

Without a reference, differential testing takes a disagreeing input's expected value from a
strict majority of the samples, and whoever gives another value is rejected. Samples of one
small model can share a misreading: the 0.5B model's ``brackets_balanced`` samples, two of
three counting brackets without their kinds, outvoted the third on ``'[)'``, where the third
gave the statement's False, and both were kept, wrong (the precision bench, code-none c09). A
model (``code.dispute_check``) is asked, for a few inputs a majority decided, what the call
returns according to the statement, quoting the sentence that says so. When it gives a value
a losing sample gave and the majority did not, every accepted solution is rejected
``disagrees_with_statement``: each passed tests whose expected values are the majority's, and
every losing sample meets a test it loses, so an accepted one the differential job counted
among the losers reported there what it does not return in the harness. A value nobody gave
says only that the judge computed it differently: no evidence either way.

Pure functions over verdicts: which calls to ask about, and what the answers do. The pipeline
asks (``pipeline.verifying``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from verigen.pyparse import literal_eval
from verigen.records import Outcome, Verdict

MAX_CALLS = 3
"""Calls asked about per problem, at most: the first disputes of different kinds."""
VERSION = "2"
"""Bumped whenever the same readings can decide differently (part of the verdicts' key)."""


def calls_to_ask(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """Inputs a majority decided for an accepted solution (``{"call", "majority",
    "values"}``, ``values`` keyed by ``repr`` to the solutions giving them), up to
    ``MAX_CALLS``, in the order differential testing ran them (smallest first); differential
    testing records only the first of each kind, so a boolean function's two directions
    (``']'`` decided False, ``'[)'`` decided True) are both asked."""
    accepted = {v.details.get("solution_index") for v in verdicts if v.accepted}
    differential = next((v.details.get("differential") for v in verdicts if v.accepted), None)
    disputed = differential.get("disputed", []) if isinstance(differential, dict) else []
    return [d for d in disputed if accepted & set(d["values"].get(d["majority"], ()))][:MAX_CALLS]


def apply_dispute_check(
    verdicts: Sequence[Verdict],
    asked: Sequence[dict[str, Any]],
    answers: Sequence[list[str] | None],
) -> list[Verdict]:
    """``answers``: per call, the values judges read off the statement (None when none could
    be read). When the statement contradicts the majority on some call, every accepted
    solution is rejected ``disagrees_with_statement`` (each passed the majority's tests; see
    the module's docstring); else, when some call stayed unread, every accepted one is
    ``infra_error`` (``dispute_check_undecided``: nothing is concluded, nothing kept). Every
    verdict records what was asked and answered."""
    sides = [against_majority(d, values) for d, values in zip(asked, answers, strict=True)]
    record = [
        {"call": d["call"], "majority": d["majority"], "read": values, "against_majority": side}
        for d, values, side in zip(asked, answers, sides, strict=True)
    ]
    update: dict[str, Any] = {}
    if True in sides:
        update = {"outcome": Outcome.REJECTED, "reason": "disagrees_with_statement"}
    elif None in sides:
        update = {"outcome": Outcome.INFRA_ERROR, "reason": "dispute_check_undecided"}
    out = []
    for verdict in verdicts:
        details = {"details": {**verdict.details, "dispute_check": record}}
        out.append(verdict.model_copy(update=details | (update if verdict.accepted else {})))
    return out


def against_majority(disputed: dict[str, Any], read: list[str] | None) -> bool | None:
    """True when the statement sides against the majority: some judge's value is one a
    losing sample gave, and none is the majority's. None when no judge could be read."""
    if read is None:
        return None
    values = [_value(v) for v in read]
    majority = _value(disputed["majority"])
    losers = [_value(v) for v in disputed["values"] if v != disputed["majority"]]
    if any(_equal(v, majority) for v in values):
        return False
    return any(_equal(v, loser) for v in values for loser in losers)


def _value(text: str) -> Any:
    """A Python literal, JSON's spelling of one (``true``, ``null``), else the text itself as
    a string: the 1.5B judge writes ``Hello`` for ``'Hello'`` (3 of 12 rows of
    ``bench/dispute_check.py``). Prose then matches no value, which is no evidence."""
    spelled = {"true": True, "false": False, "null": None}
    if text.strip() in spelled:
        return spelled[text.strip()]
    try:
        return literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text.strip()


def _equal(a: Any, b: Any) -> bool:
    """Equal as a judge means it: a list and a tuple alike, a number to 1e-9 (the judge writes
    ``0.5`` for ``1/2``), but ``True`` never ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)
