"""Calibration: problems with a known truth (an answer, hidden tests) mixed into a run, so
every run measures its own precision.

"Verified" is a promise, and a run keeps what its verification lets through: for math the
precision policy's agreement, for code the test writer's tests as the code verifier trusts
them. The precision bench measures that once, on its own machine and model. A calibration
problem measures it in the run itself, with the run's models and settings:

- ``load_bank`` reads the known problems of the run's domain (the shipped bank, or a user's
  JSONL): math problems with their answer, code problems with hidden tests;
- ``calibration_count`` and ``pick`` choose how many and which (seeded: a resumed run picks
  the same ones, so their replies come from the journal's cache);
- ``interleave`` mixes them into the run's stream at seeded positions. Each goes in as an
  imported ``Problem`` without its truth (math: no reference answer; code: no tests, so the
  test writer writes them): the pipeline cannot tell it from an imported problem, and it is
  judged exactly as the run's own. The truth stays in the journal's ``calibration`` table
  (code: the hidden tests as their text column), which also keeps these problems out of the
  dataset, the exports and the funnel (``Journal.judged``);
- ``measure``, after the run: each kept sample against the truth, by the domain's ``Judge``
  (``math_judge``: the math checker against the known answer; ``code_judge``: every hidden test
  in the sandbox, ``code_calibration``). Precision is right kept / kept with a 95% Wilson
  interval; a sample the judge could not settle is counted apart, never right or wrong.

Limits: the banks' problems are not the run's own distribution (templated word problems; small
function problems), so the number says how often the run keeps a wrong answer to problems like
these with these models; hidden tests are only as thorough as the bank's; and a handful of
problems gives a wide interval (0 of 3 wrong is 44%–100%).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from verigen.curate.code_calibration import HiddenSuite, hidden_checker, right, run_hidden
from verigen.curate.lineage import answer_of
from verigen.curate.samples import Sample
from verigen.errors import InfraError, InputError
from verigen.records import (
    CallCase,
    CaseTests,
    CodeDetails,
    Domain,
    Problem,
    Provenance,
    content_id,
    read_tests_column,
    write_tests_column,
)
from verigen.store import Journal
from verigen.verify.code import CodeOptions
from verigen.verify.math import MathOptions, MathVerifier

BANKS = Path(__file__).resolve().parents[2] / "problems" / "calibration"
"""The banks shipped with verigen, ``DOMAIN.jsonl`` (``problems/calibration/README.md``):
``math.jsonl``, templated problems of the precision bench's ten families with answers computed
by sympy; ``code.jsonl``, original function problems with hidden tests their references pass."""
Z95 = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""
_MAX_WRONG_LISTED = 20
_CALL_CASE = '{"args", "kwargs", "expected"}'

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Known:
    """A calibration problem as the pipeline sees it, and the truth only the measure sees:
    the known answer (math) or the hidden tests as their text column (code)."""

    problem: Problem
    answer: str


def bank_label(domain: Domain) -> str:
    """How reports name a shipped bank (its path depends on where verigen is installed)."""
    return f"verigen's bank (problems/calibration/{domain.value}.jsonl)"


def load_bank(path: Path | None, domain: Domain = Domain.MATH, round_: int = 0) -> list[Known]:
    """Every problem of a calibration file (``None``: the domain's shipped bank). A line that
    is not one problem of the domain is an ``InputError`` naming the file and line: math needs
    a non-empty ``statement`` and ``answer``; code a ``statement``, an ``entry_point`` and
    ``tests``, a non-empty list of call cases (``signature`` optional)."""
    source = path or BANKS / f"{domain.value}.jsonl"
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is None:  # verigen installed without the repository's problems/ folder
            raise InputError(
                f"verigen's calibration bank is missing ({source}): set calibration.source "
                "to a JSONL of calibration problems, or calibration.share to 0"
            ) from None
        raise InputError(f"calibration.source: {source} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"calibration.source: cannot read {source} ({exc})") from None
    bank: dict[str, Known] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            known = _row(line, source, number, domain, round_)
            bank.setdefault(known.problem.id, known)
    if not bank:
        raise InputError(f"{source}: no calibration problems in it")
    return list(bank.values())


def _row(line: str, source: Path, number: int, domain: Domain, round_: int) -> Known:
    """One line as a calibration problem; whatever is wrong with it, one error naming the line.

    The problem is what an imported one without its truth would be (math: no answer; code: no
    tests, so the test writer writes them): nothing in it tells the pipeline, or a model, that
    it is a calibration problem, and its truth reaches only the measure."""
    try:
        row = json.loads(line)
        if not isinstance(row, dict):
            raise ValueError(f"expected a JSON object, got {type(row).__name__}")
        statement = _text(row, "statement")
        fields, truth = _math_truth(row) if domain is Domain.MATH else _code_truth(row)
        problem = Problem(
            id=content_id(domain.value, statement, prefix="p-"),
            domain=domain,
            statement=statement,
            topic=str(row.get("topic") or ""),
            provenance=Provenance(imported_from=f"{source}#{row.get('id') or ''}", round=round_),
            **fields,
        )
        return Known(problem, truth)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{number}: not valid JSON ({exc.msg})") from None
    except ValueError as exc:
        raise InputError(f"{source}:{number}: {exc}") from None


def _text(row: dict[str, Any], field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'needs a non-empty string "{field}"')
    return value


def _math_truth(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """No field of the problem but its statement; the known answer (a number as its text)."""
    answer = row.get("answer")
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        return {}, str(answer)
    return {}, _text(row, "answer")


def _code_truth(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The entry point and signature the solvers and the test writer need; the hidden tests as
    their text column (what the journal's ``calibration`` table holds)."""
    entry_point = _text(row, "entry_point")
    signature = row.get("signature")
    if signature is not None and not isinstance(signature, str):
        raise ValueError('"signature" must be a string (the def line)')
    tests = _hidden_tests(row.get("tests"))
    return {"entry_point": entry_point, "signature": signature or None}, write_tests_column(tests)


def _hidden_tests(value: Any) -> CaseTests:
    if not isinstance(value, list) or not value:
        raise ValueError(f'needs "tests": a non-empty list of call cases {_CALL_CASE}')
    cases = []
    for index, case in enumerate(value):
        try:
            cases.append(CallCase.model_validate(case))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(map(str, error["loc"])) or "the case"
            raise ValueError(
                f"tests[{index}] is not a call case {_CALL_CASE}: {where}: {error['msg']}"
            ) from None
    return CaseTests(cases=tuple(cases))


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


@dataclass(frozen=True)
class Check:
    """One kept sample of a calibration problem against its truth."""

    right: bool | None
    """None: the judge could not settle it (an infrastructure failure), neither right nor
    wrong, left out of the precision."""
    truth: dict[str, Any]
    """What a wrong entry shows of the truth: math ``known`` (the answer), code
    ``hidden_tests`` (how many)."""
    kept: str
    """What a wrong entry counts the sample under: math its answer, code how many hidden
    tests it failed."""


Judge = Callable[[list[Sample], dict[str, str]], list[Check]]
"""A domain's judgement of kept samples, given each problem's truth as the journal holds it
(problem id → answer or hidden tests); one ``Check`` per sample, in order."""


def measure(journal: Journal, verifier: str, version: str, judge: Judge) -> dict[str, Any]:
    """The run's measured precision: every kept sample of a calibration problem against its
    truth by ``judge``. A check that could not be settled is counted apart (``unchecked``)
    and left out of the precision, as the bench does. The same shape for every domain, so
    reports and cards state it alike."""
    known = journal.calibration()
    judged = list(journal.judged(verifier, version, calibration=True))
    kept = [Sample(p, a, v) for p, a, v in judged if v.accepted]
    checks = judge(kept, {pid: truth for pid, (truth, _) in known.items()}) if kept else []
    right_ids: set[str] = set()
    wrong: dict[str, dict[str, Any]] = {}
    correct = unchecked = 0
    for sample, check in zip(kept, checks, strict=True):
        if check.right is None:
            unchecked += 1
        elif check.right:
            correct += 1
            right_ids.add(sample.problem.id)
        else:
            entry = wrong.setdefault(sample.problem.id, _wrong_entry(sample.problem, check))
            entry["kept"][check.kept] = entry["kept"].get(check.kept, 0) + 1
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
        "problems_correct": len(right_ids),
        "wrong": list(wrong.values())[:_MAX_WRONG_LISTED],
    }


def _wrong_entry(problem: Problem, check: Check) -> dict[str, Any]:
    """A problem the run kept a wrong answer to: what to look at first when the measured
    precision is low (``kept`` counts the kept samples per wrong answer, or per number of
    hidden tests failed)."""
    return {"problem_id": problem.id, "statement": problem.statement, **check.truth, "kept": {}}


def math_judge(options: MathOptions | None = None) -> Judge:
    """Each kept answer (as the dataset carries it) against the known one, by the math
    checker with ``options`` (the run's)."""

    def judge(kept: list[Sample], truths: dict[str, str]) -> list[Check]:
        pairs = [(truths[s.problem.id], answer_of(s) or s.attempt.completion) for s in kept]
        with MathVerifier(options, workers=1) as checker:
            verdicts = checker.check_many(pairs)
        return [
            Check(right(verdict), {"known": gold}, answer)
            for (gold, answer), verdict in zip(pairs, verdicts, strict=True)
        ]

    return judge


def code_judge(options: CodeOptions | None = None, workers: int = 2) -> Judge:
    """Each kept solution (the code the run verified) on every hidden test of its problem in
    the sandbox of ``options`` (the run's), trusted as is (``code_calibration``); no sandbox
    at all leaves every sample unchecked rather than ending the run's report."""

    def judge(kept: list[Sample], truths: dict[str, str]) -> list[Check]:
        problems = {s.problem.id: s.problem for s in kept}
        suites = {pid: _suite(problem, truths[pid]) for pid, problem in problems.items()}
        items = [(s.problem.id, suites[s.problem.id], s.attempt.extracted) for s in kept]
        try:
            with hidden_checker(options, workers) as checker:
                verdicts = run_hidden(checker, items)
        except InfraError:
            return [Check(None, {}, "") for _ in kept]
        checks = []
        for sample, verdict in zip(kept, verdicts, strict=True):
            total = len(suites[sample.problem.id].tests.cases)
            failed = total - (CodeDetails.of(verdict).tests_passed or 0)
            checks.append(Check(right(verdict), {"hidden_tests": total}, f"failed {failed}"))
        return checks

    return judge


def _suite(problem: Problem, truth: str) -> HiddenSuite:
    """A calibration problem's hidden tests, as ``load_bank`` wrote them to the journal."""
    return HiddenSuite(read_tests_column(truth), problem.entry_point or "", problem.signature)
