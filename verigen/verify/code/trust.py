"""Which tests deserve trust: those the reference passes, or those the consensus passes.

LLM-written tests are often wrong (a miscomputed expected value). AceCoder drops the tests an
oracle solution fails and keeps a problem only with enough left; here the oracle is the reference
when there is one, else the consensus group of the candidate solutions (``crosscheck``). Every
dropped test is recorded with why, so a reader can audit what the verifier threw away.

The consensus is trusted to overrule the test writer only when at least ``min_consensus``
*distinct programs* agree and it drops at most ``max_dropped_fraction`` of the tests: one
solution alone, the same program sampled twice (or twice with other comments and spacing: one
program, one piece of evidence — a small model often repeats its wrong answer word for word), or
a "consensus" that contradicts most of the suite, is weaker evidence than the tests themselves,
and then every test is kept (which leans towards rejecting).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from verigen.pyparse import parse_module
from verigen.verify.code.crosscheck import Consensus, consensus
from verigen.verify.code.execute import Run
from verigen.verify.code.options import CodeOptions


@dataclass(frozen=True)
class Trust:
    kept: tuple[str, ...]
    dropped: dict[str, str] = field(default_factory=dict)
    """Test id → why it was dropped."""
    anchor: Literal["reference", "consensus", "none"] = "none"
    note: str = ""
    agreement: Consensus | None = None


def by_reference(reference: Run, ids: Sequence[str]) -> Trust:
    """Keep exactly the tests the reference passes."""
    dropped = {}
    for i in ids:
        t = reference.outcomes.get(i)
        if t is None or t.outcome != "passed":
            what = "missing" if t is None else t.outcome
            message = "" if t is None else f": {t.message[:300]}"
            dropped[i] = f"the reference's outcome is {what}{message}"
    return Trust(tuple(i for i in ids if i not in dropped), dropped, "reference")


def by_consensus(
    runs: Sequence[Run],
    sources: Sequence[str],
    ids: Sequence[str],
    options: CodeOptions,
    given: frozenset[str] = frozenset(),
) -> Trust:
    """Keep the tests the consensus group passes, when it is strong enough to overrule;
    ``sources[i]`` is the program of ``runs[i]``. Tests in ``given`` (an imported problem's own
    suite) are kept whatever the consensus does: they overrule it, not the other way round."""
    group = consensus(runs)
    if group is None:
        return Trust(tuple(ids), note="no solution passes any test")
    programs = len(group.members)
    if programs >= options.min_consensus:  # else fewer programs than samples, no need to parse
        programs = len({program_key(sources[m]) for m in group.members})
    if programs < options.min_consensus:
        return Trust(
            tuple(ids),
            note=f"largest agreement: {len(group.members)} solution(s), {programs} distinct "
            f"program(s), below min_consensus={options.min_consensus}",
            agreement=group,
        )
    dropped = {
        i: f"contradicts the consensus of {len(group.members)} solutions"
        for i in ids
        if i not in group.passed and i not in given
    }
    if len(dropped) > options.max_dropped_fraction * len(ids):
        return Trust(
            tuple(ids),
            note=f"the consensus would drop {len(dropped)} of {len(ids)} "
            "tests: not trusted to overrule them",
            agreement=group,
        )
    return Trust(tuple(i for i in ids if i not in dropped), dropped, "consensus", agreement=group)


def program_key(source: str) -> str:
    """What two samples share when they are one program: the syntax tree (comments, blank
    lines and formatting dropped), or the stripped text when it does not parse."""
    try:
        return ast.dump(parse_module(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source.strip()
