"""The crash check: do accepted solutions raise on an input the statement covers?

Differential testing discards an input on which most candidates raise: it is outside the
contract when the statement rules it out (``average([])`` for a list "never empty"), and there
no output is right. But every sample of a small model can share a bug: the 1.5B model's
``multiples_sum`` samples all divide by a factor of 0, which the statement allows ("a factor of
0 divides nothing"); no test had a 0 factor, so both were kept, wrong. Agreement cannot tell
the two apart; the statement can. A model (``code.crash_check``) is asked, for a few such
inputs, what the call returns according to the statement; a value counts only with the
sentence that says so quoted (``generate.code.read_call_value``), and "not allowed" or "not
said" leave the solutions as they were.

A covered call rejects the accepted solutions that do not raise on it too
(``covered_input_untested``): no test holds a value for it (the majority raised), and that one
does not raise is only what the differential job reported, which a program can fake (it runs
outside the harness). A majority shown wrong on a covered input leaves no agreement to trust.

Pure functions over verdicts: which calls to ask about, and what the answers do. The pipeline
asks (``pipeline.verifying``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verigen.records import Outcome, Verdict

MAX_CALLS = 3
"""Calls asked about per problem, at most: the first one of each kind of failure."""
MAX_CALL_CHARS = 200
"""A longer call is not asked about: a judge cannot read a rule off a wall of arguments."""
VERSION = "2"
"""Bumped whenever the same readings can decide differently (part of the verdicts' key)."""


def calls_to_ask(verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """Inputs on which an accepted solution raises (``{"call", "raises", "solutions"}``):
    the first of each different set of exceptions and solutions, up to ``MAX_CALLS``, in the
    order differential testing ran them (smallest first). The next input of a kind is most
    often the same call with a longer list (``f(2, [0])``, ``f(2, [0, 0])``): asking about it
    again costs a call and tells nothing new."""
    accepted = {v.details.get("solution_index") for v in verdicts if v.accepted}
    if not accepted:
        return []
    differential = next((v.details.get("differential") for v in verdicts if v.accepted), None)
    raised = differential.get("raised", []) if isinstance(differential, dict) else []
    usable = [
        r for r in raised
        if accepted & set(r.get("solutions", ())) and len(str(r.get("call", ""))) <= MAX_CALL_CHARS
    ]  # fmt: skip
    kinds: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in usable:
        kinds.setdefault((tuple(r.get("raises", ())), tuple(r["solutions"])), r)
    return list(kinds.values())[:MAX_CALLS]


def apply_crash_check(
    verdicts: Sequence[Verdict], asked: Sequence[dict[str, Any]], answers: Sequence[bool | None]
) -> list[Verdict]:
    """An accepted solution that raises on a covered call is rejected
    ``raises_on_covered_input``, and once any call is covered every other accepted one
    ``covered_input_untested``; one that raises only where some judge could not be read is
    ``infra_error`` (``crash_check_undecided``: nothing is concluded, nothing kept); the rest
    stand. Every verdict records what was asked and answered."""
    record = [
        {"call": a["call"], "raises": a.get("raises", []), "covered": answer}
        for a, answer in zip(asked, answers, strict=True)
    ]
    covered = True in answers
    out = []
    for verdict in verdicts:
        i = verdict.details.get("solution_index")
        hit = [ans for a, ans in zip(asked, answers, strict=True) if i in a.get("solutions", ())]
        update: dict[str, Any] = {"details": {**verdict.details, "crash_check": record}}
        if verdict.accepted and True in hit:
            update |= {"outcome": Outcome.REJECTED, "reason": "raises_on_covered_input"}
        elif verdict.accepted and covered:
            update |= {"outcome": Outcome.REJECTED, "reason": "covered_input_untested"}
        elif verdict.accepted and None in hit:
            update |= {"outcome": Outcome.INFRA_ERROR, "reason": "crash_check_undecided"}
        out.append(verdict.model_copy(update=update))
    return out
