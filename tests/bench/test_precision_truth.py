"""The precision bench's truth side (``bench/precision.py``): a wrong truth would make every
precision number it prints meaningless, so the truth is checked here independently of sympy and
of the references that produced it."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from bench.precision import (
    ILL_EVERY,
    WEAK_TESTS,
    CodeItem,
    MathItem,
    _attempts,
    _share_cache,
    bank_of,
    code_bank,
    code_checker,
    import_rows,
    main,
    math_bank,
    math_checker,
    of_bank,
    score_code,
    score_math,
)
from tests.backends import require
from verigen.generate import math as math_gen
from verigen.generate import prompts
from verigen.store import Journal


@functools.cache
def _bank(seed: int = 0) -> tuple[MathItem, ...]:
    """The bank, drawn once per seed for the whole module (drawing it takes about a second)."""
    return tuple(math_bank(seed))


def _nums(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"-?\d+", text, re.ASCII)]


def _a_b_minus(n: list[int]) -> Fraction:
    a, b, c, d = n
    return Fraction(a * b - c - d)


def _linear(n: list[int]) -> Fraction:
    a, b, c = n
    return Fraction(c - b, a)


def _added(n: list[int]) -> Fraction:
    a, b, c, d = n
    return Fraction(a, b) + Fraction(c, d)


def _term(n: list[int]) -> Fraction:
    a, b, _, k = n
    return Fraction(a + (k - 1) * (b - a))


# One template per family, each answer recomputed from the numbers in the statement with plain
# integer and Fraction arithmetic (no sympy), for every instance of that template in the bank.
INDEPENDENT: list[tuple[str, str, Callable[[list[int]], Fraction]]] = [
    ("arithmetic", "A baker makes", _a_b_minus),
    ("linear-equations", "Solve for x: ", _linear),
    ("fractions", "Compute ", _added),
    ("percent", "What is ", lambda n: Fraction(n[0] * n[1], 100)),
    (
        "combinatorics",
        "In how many ways can a committee",
        lambda n: Fraction(math.comb(n[1], n[0])),
    ),
    ("probability", "A fair coin", lambda n: Fraction(math.comb(n[0], n[1]), 2 ** n[0])),
    ("number-theory", "What is the remainder", lambda n: Fraction(n[0] % n[1])),
    ("sequences", "An arithmetic sequence", _term),
    ("geometry", "A right triangle", lambda n: Fraction(math.isqrt(n[0] ** 2 + n[1] ** 2))),
    ("algebra", "If f(x) =", lambda n: Fraction(n[0] * n[3] ** 2 - n[1] * n[3] + n[2])),
]


@pytest.mark.parametrize(
    ("family", "prefix", "solve"), INDEPENDENT, ids=[f for f, *_ in INDEPENDENT]
)
def test_every_family_s_answers_match_an_independent_computation(
    family: str, prefix: str, solve: Callable[[list[int]], Fraction]
) -> None:
    items = [i for i in _bank() if i.family == family and i.statement.startswith(prefix)]
    if prefix == "Compute ":
        items = [i for i in items if " + " in i.statement]
    if prefix == "Solve for x: ":
        items = [i for i in items if i.statement.count("x") == 2]
    if prefix == "What is ":
        items = [i for i in items if "% of" in i.statement]
    assert len(items) >= 4, f"{family}: too few instances of {prefix!r} to check"
    for item in items:
        numbers = _nums(item.statement.replace("x²", "x"))
        assert Fraction(item.exact) == solve(numbers), item.statement


def test_the_math_bank_is_large_mixed_and_deterministic() -> None:
    bank = list(_bank(0))
    well = [i for i in bank if i.answer is not None]
    ill = [i for i in bank if i.answer is None]
    families = Counter(i.family for i in well)
    assert len(well) >= 200 and len(families) >= 10 and min(families.values()) >= 20
    assert len({i.statement for i in bank}) == len(bank), "statements are unique"
    assert all(i.why in ("missing", "underdetermined", "undefined") for i in ill) and len(ill) >= 20
    assert all(not i.why for i in well)
    # ill-posed ones are spread among the well-posed, so any --limit gets some
    assert [i.answer is None for i in bank[:28]].count(True) == 28 // ILL_EVERY
    assert all(re.fullmatch(r"m\d{3}", i.id) for i in bank), "ids say nothing about the truth"
    assert math_bank(seed=0) == bank
    assert list(_bank(1)) != bank


def test_a_bank_grown_by_a_round_keeps_its_first_round_and_repeats_no_statement() -> None:
    """Reply packs answer problems by statement and id: growing the bank must not move them."""
    first = list(_bank(0))
    grown = math_bank(seed=0, rounds=2)
    assert grown[: len(first)] == first
    added = grown[len(first) :]
    assert len({i.statement for i in grown}) == len(grown)
    assert [i.id for i in added] == [f"m{n:03d}" for n in range(len(first), len(grown))]
    assert Counter(i.family for i in added) == Counter(i.family for i in first)
    assert [i.answer is None for i in added[:28]].count(True) == 28 // ILL_EVERY


def test_imports_carry_statements_only() -> None:
    math_rows = import_rows("math", _bank()[:10])
    assert all(set(r) == {"id", "statement"} for r in math_rows)
    code = code_bank()[:4]
    assert all("tests" not in r for r in import_rows("code-none", code))
    weak = import_rows("code-weak", code)
    assert [len(eval_json(r["tests"])) for r in weak] == [WEAK_TESTS] * 4
    assert all(set(r) == {"id", "statement", "entry_point", "signature", "tests"} for r in weak)


def eval_json(text: str) -> list[object]:
    import json

    value = json.loads(text)
    assert isinstance(value, list)
    return value


@pytest.mark.slow
def test_verigen_s_checker_reads_every_gold_answer() -> None:
    """A gold answer the checker cannot parse would make every kept sample look wrong."""
    well = [i for i in _bank() if i.answer is not None]
    with math_checker() as checker:
        same = checker.check_many([(i.answer, i.exact) for i in well])
        off = checker.check_many([(i.answer, f"({i.exact}) + 1") for i in well[:20]])
    assert [i.id for i, v in zip(well, same, strict=True) if not v.accepted] == []
    assert not any(v.accepted for v in off)


def test_the_code_bank_is_consistent() -> None:
    bank = code_bank()
    assert len(bank) >= 40
    assert len({i.entry_point for i in bank}) == len(bank)
    for item in bank:
        assert item.signature.startswith(f"def {item.entry_point}(")
        assert f"def {item.entry_point}(" in item.reference
        assert len(item.tests) >= 6 > WEAK_TESTS, item.entry_point
        keys = [repr(t["args"]) for t in item.tests]
        assert len(set(keys)) == len(keys), f"{item.entry_point}: a repeated test"


@pytest.mark.slow
def test_every_reference_passes_all_its_hidden_tests_in_the_sandbox() -> None:
    require("bwrap")
    bank = code_bank()
    tasks = [_task(i, [i.reference], reference=None) for i in bank]
    with code_checker("bwrap") as checker:
        verdicts = checker.verify_many(tasks)
    failing = {
        item.entry_point: [t for t in v.details.get("tests_run", []) if t["outcome"] != "passed"]
        for item, (v,) in zip(bank, verdicts, strict=True)
        if not v.accepted
    }
    assert failing == {}
    assert all(
        v.details["tests_passed"] == len(i.tests) for i, (v,) in zip(bank, verdicts, strict=True)
    )


def _task(item: CodeItem, solutions: list[str | None], reference: str | None) -> dict[str, object]:
    return {
        "solutions": solutions,
        "tests": item.tests,
        "entry_point": item.entry_point,
        "signature": item.signature,
        "reference": reference,
        "trusted_suite": True,
    }


def _row(item_id: str, solution: str, answer: str = "") -> dict[str, object]:
    """A row as ``run_dir/dataset`` has it (the columns the scorer reads)."""
    return {
        "imported_from": f"/runs/x/problems.jsonl#{item_id}",
        "model": "openai/m",
        "solution": solution,
        "answer": answer,
    }


@pytest.mark.slow
def test_the_math_scorer_counts_wrong_and_ill_posed_keeps_wrong() -> None:
    bank = _bank()
    well = next(i for i in bank if i.answer is not None and i.exact.lstrip("-").isdigit())
    ill = next(i for i in bank if i.answer is None)
    truth: dict[str, MathItem] = {well.id: well, ill.id: ill}
    rows = [
        _row(well.id, "...", well.exact),
        _row(well.id, f"so \\boxed{{{well.exact}}}"),
        _row(well.id, "...", str(-int(well.exact) or 1)),
        _row(ill.id, "...", "42"),
    ]
    with math_checker() as checker:
        scored = score_math(rows, truth, checker)
    assert [s.correct for s in scored] == [True, True, False, False]
    assert "ill-posed" in scored[3].note


WRONG_SECOND_LARGEST = "def second_largest(nums):\n    return sorted(nums)[-2]\n"


@pytest.mark.slow
def test_the_code_scorer_counts_a_solution_passing_the_weak_suite_but_not_the_truth_wrong() -> None:
    require("bwrap")
    item = next(i for i in code_bank() if i.entry_point == "second_largest")
    with code_checker("bwrap") as checker:
        (weak,) = checker.verify_many([_task(item, [WRONG_SECOND_LARGEST], item.reference)
                                       | {"tests": item.tests[:WEAK_TESTS]}])  # fmt: skip
        rows = [
            _row(item.id, f"```python\n{item.reference}```"),
            _row(item.id, f"Here:\n```python\n{WRONG_SECOND_LARGEST}```"),
            _row(item.id, "no code at all"),
        ]
        scored = score_code(rows, {item.id: item}, checker)
    assert weak[0].accepted, "the wrong solution passes the three given tests"
    assert [s.correct for s in scored] == [True, False, False]


def test_family_picks_its_problems_before_the_limit() -> None:
    """``--family ill-posed --limit 22``: the first 22 ill-posed statements (one per template),
    not the ill-posed ones among the bank's first 22 problems."""
    args = argparse.Namespace(seed=0, family=["ill-posed"], limit=22, all=False, shard=(0, 1))
    picked = bank_of("math", args)
    assert len(picked) == 22 and {i.family for i in picked} == {"ill-posed"}
    assert len({i.statement.split(".")[0].rstrip("0123456789 ") for i in picked}) > 15
    args.family = None
    assert [i.id for i in bank_of("math", args)] == [i.id for i in _bank()[:22]]


def test_shards_split_the_measured_problems_between_them() -> None:
    """``--shard K/N`` runs side by side must together ask exactly what one run asks."""
    args = argparse.Namespace(seed=0, family=None, limit=300, all=False, shard=(0, 1))
    whole = [i.id for i in bank_of("math", args)]
    assert len(whole) == 300 and whole[-1] == "m299", "a limit past one round draws the next"
    parts = []
    for k in range(3):
        args.shard = (k, 3)
        parts.append([i.id for i in bank_of("math", args)])
    assert sorted(i for part in parts for i in part) == sorted(whole)
    assert all(len(p) == 100 for p in parts)
    with pytest.raises(SystemExit):
        main(["--shard", "3/3"])


def _journal(path: Path, attempts: int, keys: list[str]) -> None:
    """A journal whose ``solve-*`` keys are solver calls and the rest judge calls."""
    solver = prompts.load(math_gen.SOLVE_TEMPLATE).system
    Journal(path.parent).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = [(str(i), "p", "{}", 0.0) for i in range(attempts)]
        db.executemany("INSERT INTO attempts VALUES (?, ?, ?, ?)", rows)
        for key in keys:
            system = solver if key.startswith("solve") else "You check answers."
            request = json.dumps({"messages": [["system", system], ["user", key]]})
            db.execute(
                "INSERT INTO llm_calls VALUES (?, 'm', ?, ?, 1, 1, NULL, 0.1, 0.0)",
                (key, request, f"reply {key}"),
            )
        db.commit()


def _keys(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT key, response FROM llm_calls").fetchall())


def test_share_cache_copies_or_tops_up_from_the_journal_that_solved_the_most(
    tmp_path: Path,
) -> None:
    """Policies are compared on the very same samples even when a later run widens the bank:
    a journal, new or not, gets the solver replies it lacks (its own stay; another policy's
    judge calls are not its cost), from the fullest donor."""
    _journal(
        tmp_path / "off/m/math/journal.sqlite", 8, ["solve-1", "solve-2", "solve-3", "judge-o"]
    )
    _journal(tmp_path / "balanced/m/math/journal.sqlite", 4, ["solve-1", "judge-b"])
    _journal(tmp_path / "default/m/math/journal.sqlite", 4, ["solve-1", "judge-d"])
    with contextlib.closing(sqlite3.connect(tmp_path / "default/m/math/journal.sqlite")) as db:
        db.execute("UPDATE llm_calls SET response = 'its own' WHERE key = 'solve-1'")
        db.commit()
    _share_cache(tmp_path / "default/m/math", tmp_path, "m", "math")
    assert _keys(tmp_path / "default/m/math/journal.sqlite") == {
        "solve-1": "its own", "solve-2": "reply solve-2", "solve-3": "reply solve-3",
        "judge-d": "reply judge-d",
    }  # fmt: skip
    fresh = tmp_path / "strict/m/math"
    fresh.mkdir(parents=True)
    _share_cache(fresh, tmp_path, "m", "math")
    assert set(_keys(fresh / "journal.sqlite")) == {"solve-1", "solve-2", "solve-3"}
    assert _attempts(fresh / "journal.sqlite") == 0, "its own run, not a copy of another's"


def test_a_journal_problem_counts_only_with_its_item_s_id_and_statement() -> None:
    """A template rewritten since a journal was filled leaves the old statement under the same
    id: its kept samples answer another question and must not be scored against this one."""
    item = _bank()[0]
    truth = {item.id: item}
    assert of_bank(item.id, item.statement, truth)
    assert not of_bank(item.id, item.statement + " (old wording)", truth)
    assert not of_bank("m999", item.statement, truth)
