"""Calibration: problems with known answers mixed into a run, so every run measures its own
precision.

"Verified" is a promise, and a run without reference answers keeps what its precision policy
lets through; the precision bench measures that policy once, on its own machine and model. A
calibration problem measures it in the run itself, with the run's models and settings:

- ``load_bank`` reads the known problems (the shipped bank, or a user's JSONL);
- ``calibration_count`` and ``pick`` choose how many and which (seeded: a resumed run picks
  the same ones, so their replies come from the journal's cache);
- ``interleave`` mixes them into the run's stream at seeded positions. Each goes in as a
  ``Problem`` without a reference answer: the pipeline cannot tell it from an imported problem,
  and the policy decides it exactly as it decides the run's own. The known answer stays in the
  journal's ``calibration`` table, which also keeps these problems out of the dataset, the
  exports and the funnel (``Journal.judged``);
- ``measure``, after the run: each kept sample's answer against the known one, with the math
  checker. Precision is right kept / kept with a 95% Wilson interval.

Limits: the bank's problems are templated word problems, not the run's own distribution, so
the number says how often the policy keeps a wrong answer to problems like these with these
models; and a handful of problems gives a wide interval (0 of 3 wrong is 44%–100%).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from verigen.curate.lineage import answer_of
from verigen.curate.samples import Sample
from verigen.errors import InputError
from verigen.records import Domain, Outcome, Problem, Provenance, content_id
from verigen.store import Journal
from verigen.verify.math import MathOptions, MathVerifier

BANK = Path(__file__).resolve().parents[2] / "problems" / "calibration" / "math.jsonl"
"""The bank shipped with verigen: templated problems of the precision bench's ten families,
answers computed by sympy (``problems/calibration/README.md``)."""
BANK_LABEL = "verigen's bank (problems/calibration/math.jsonl)"
"""How reports name the shipped bank (its path depends on where verigen is installed)."""
Z95 = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""
_MAX_WRONG_LISTED = 20

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Known:
    """A calibration problem as the pipeline sees it, and the answer only the measure sees."""

    problem: Problem
    answer: str


def load_bank(path: Path | None, round_: int = 0) -> list[Known]:
    """Every problem of a calibration file (``None``: the shipped bank); a line that is not a
    JSON object with a non-empty ``statement`` and ``answer`` is an ``InputError`` naming the
    file and line."""
    source = path or BANK
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is None:  # verigen installed without the repository's problems/ folder
            raise InputError(
                f"verigen's calibration bank is missing ({source}): set calibration.source "
                "to a JSONL of known-answer problems, or calibration.share to 0"
            ) from None
        raise InputError(f"calibration.source: {source} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"calibration.source: cannot read {source} ({exc})") from None
    bank: dict[str, Known] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            known = _known(_row(line, source, number), source, round_)
            bank.setdefault(known.problem.id, known)
    if not bank:
        raise InputError(f"{source}: no calibration problems in it")
    return list(bank.values())


def _row(line: str, source: Path, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{number}: not valid JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise InputError(f"{source}:{number}: expected a JSON object, got {type(row).__name__}")
    for field in ("statement", "answer"):
        value = row.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool) and field == "answer":
            row[field] = str(value)
        elif not isinstance(value, str) or not value.strip():
            raise InputError(f'{source}:{number}: needs a non-empty string "{field}"')
    return row


def _known(row: dict[str, Any], source: Path, round_: int) -> Known:
    """As an imported problem without an answer would be: nothing in it tells the pipeline
    (or a model) that it is a calibration problem."""
    statement = row["statement"]
    problem = Problem(
        id=content_id(Domain.MATH.value, statement, prefix="p-"),
        domain=Domain.MATH,
        statement=statement,
        topic=str(row.get("topic") or ""),
        provenance=Provenance(imported_from=f"{source}#{row.get('id') or ''}", round=round_),
    )
    return Known(problem, row["answer"])


def calibration_count(problems: int, share: float, available: int) -> int:
    """How many calibration problems make ``share`` of a run with ``problems`` of its own:
    at least one when the share is above 0, never more than the bank holds."""
    if share <= 0 or problems <= 0:
        return 0
    return min(available, max(1, round(problems * share / (1 - share))))


def pick(bank: Sequence[Known], count: int, seed: int) -> list[Known]:
    """``count`` problems of the bank, the same ones for the same seed."""
    return random.Random(f"{seed}:calibration").sample(list(bank), count)


def interleave(items: Iterable[T], extra: Sequence[U], total: int, seed: int) -> Iterator[T | U]:
    """``items`` (about ``total`` of them) with ``extra`` at seeded positions spread over the
    whole stream; extras whose position lies past the end of ``items`` come last."""
    rng = random.Random(f"{seed}:calibration-positions")
    positions = set(rng.sample(range(total + len(extra)), len(extra)))
    pending = iter(extra)
    index = 0
    for item in items:
        while index in positions:
            yield next(pending)
            index += 1
        yield item
        index += 1
    yield from pending


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (the whole [0, 1] when n is 0): unlike
    the normal approximation it stays inside [0, 1] and is honest at 0 or n of n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def measure(
    journal: Journal, verifier: str, version: str, options: MathOptions | None = None
) -> dict[str, Any]:
    """The run's measured precision: every kept sample of a calibration problem checked
    against its known answer by the math checker (with ``options``, the run's). A check that
    could not be settled (``infra_error``) is counted apart and left out of the precision,
    as the bench does."""
    known = journal.calibration()
    judged = list(journal.judged(verifier, version, calibration=True))
    kept = [Sample(p, a, v) for p, a, v in judged if v.accepted]
    pairs = [(known[s.problem.id][0], answer_of(s) or s.attempt.completion) for s in kept]
    verdicts = []
    if pairs:
        with MathVerifier(options, workers=1) as checker:
            verdicts = checker.check_many(pairs)
    right: set[str] = set()
    wrong: dict[str, dict[str, Any]] = {}
    correct = unchecked = 0
    for sample, (gold, answer), verdict in zip(kept, pairs, verdicts, strict=True):
        if verdict.outcome is Outcome.INFRA_ERROR:
            unchecked += 1
        elif verdict.accepted:
            correct += 1
            right.add(sample.problem.id)
        else:
            entry = wrong.setdefault(sample.problem.id, _wrong_entry(sample.problem, gold))
            entry["kept"][answer] = entry["kept"].get(answer, 0) + 1
    checked = len(kept) - unchecked
    low, high = wilson(correct, checked)
    return {
        "source": sorted({source for _, source in known.values()}),
        "problems": len({p.id for p, _, _ in judged}),
        "kept": len(kept),
        "correct": correct,
        "unchecked": unchecked,
        "precision": correct / checked if checked else None,
        "interval": [low, high],
        "problems_correct": len(right),
        "wrong": list(wrong.values())[:_MAX_WRONG_LISTED],
    }


def _wrong_entry(problem: Problem, known: str) -> dict[str, Any]:
    """A problem the policy kept a wrong answer to: what to look at first when the measured
    precision is low (``kept`` counts the kept samples per wrong answer)."""
    return {"problem_id": problem.id, "statement": problem.statement, "known": known, "kept": {}}
