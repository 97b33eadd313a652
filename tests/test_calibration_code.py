"""Code calibration's truth and its measure: the shipped bank's hidden tests are right (every
reference passes them all in the real sandbox), and a kept solution is right exactly when it
passes every hidden test, with a sandbox that cannot run it left unchecked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from verigen.curate.calibration import BANKS, Known, code_judge, load_bank, measure
from verigen.curate.code_calibration import HiddenSuite, hidden_checker, run_hidden
from verigen.errors import SandboxError
from verigen.records import (
    Attempt,
    CaseTests,
    Domain,
    Outcome,
    Verdict,
    read_tests_column,
)
from verigen.store import Journal
from verigen.verify.code import CodeOptions, CodeVerifier


def _hidden(known: Known) -> CaseTests:
    tests = read_tests_column(known.answer)
    assert isinstance(tests, CaseTests)
    return tests


@pytest.mark.slow
def test_every_reference_of_the_code_bank_passes_all_its_hidden_tests_in_the_sandbox() -> None:
    """As the bench's truth is checked (``tests/bench/``): the reference is the solution under
    test, not an anchor (an anchor would drop the tests it fails)."""
    require("bwrap")
    bank = load_bank(None, Domain.CODE)
    lines = (BANKS / "code.jsonl").read_text(encoding="utf-8").splitlines()
    references = {row["entry_point"]: row["reference"] for row in map(json.loads, lines)}
    items = [
        (
            k.problem.id,
            HiddenSuite(_hidden(k), k.problem.entry_point or "", k.problem.signature),
            references[k.problem.entry_point or ""],
        )
        for k in bank
    ]
    with hidden_checker(CodeOptions(backend="bwrap")) as checker:
        verdicts = run_hidden(checker, items)
    failing = {
        k.problem.entry_point: [
            t for t in v.details.get("tests_run", []) if t["outcome"] != "passed"
        ]
        for k, v in zip(bank, verdicts, strict=True)
        if not v.accepted
    }
    assert failing == {}
    passed = [v.details["tests_passed"] for v in verdicts]
    assert passed == [len(_hidden(k).cases) for k in bank]


SHOUT = {
    "id": "shout",
    "statement": "Return the word in upper case followed by an exclamation mark.",
    "entry_point": "shout",
    "signature": "def shout(word: str) -> str:",
    "tests": [{"args": [w], "expected": w.upper() + "!"} for w in ("quokka", "Axolotl", "")],
}
FIRST = {
    "id": "first",
    "statement": "Return the first whitespace-separated word of the text, or an empty string.",
    "entry_point": "first_word",
    "tests": [
        {"args": ["okapi tapir"], "expected": "okapi"},
        {"args": ["  narwhal tusk"], "expected": "narwhal"},
        {"args": ["\tpangolin"], "expected": "pangolin"},
        {"args": [""], "expected": ""},
    ],
}
RIGHT_SHOUT = "def shout(word: str) -> str:\n    return word.upper() + '!'\n"
RIGHT_FIRST = "def first_word(text: str) -> str:\n    return (text.split() or [''])[0]\n"
WRONG_FIRST = "def first_word(text: str) -> str:\n    return text.split(' ')[0]\n"
"""Right on "okapi tapir" and "", wrong on the two texts that start with whitespace."""


def _journal(tmp_path: Path, kept: dict[str, list[str]], rejected: int = 0) -> Journal:
    """A journal holding ``SHOUT`` and ``FIRST`` as calibration problems, with an accepted
    attempt per solution in ``kept`` (by entry point) and ``rejected`` rejected ones."""
    source = tmp_path / "hidden.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in (SHOUT, FIRST)))
    journal = Journal(tmp_path / "run")
    for known in load_bank(source, Domain.CODE):
        problem = known.problem
        journal.add_calibration(problem.id, known.answer, str(source))
        journal.add_problem(problem)
        solutions = [(code, Outcome.ACCEPTED) for code in kept.get(problem.entry_point or "", [])]
        for n, (code, outcome) in enumerate(solutions + [("", Outcome.REJECTED)] * rejected):
            attempt = Attempt(
                id=f"a-{problem.id}-{n}",
                problem_id=problem.id,
                sample_index=n,
                completion=f"```python\n{code}```",
                extracted=code,
            )
            journal.add_attempt(attempt)
            verdict = Verdict(outcome=outcome, reason="r", verifier="code", verifier_version="1")
            journal.add_verdict(attempt.id, verdict)
    journal.flush()
    return journal


@pytest.mark.slow
def test_a_kept_solution_is_right_only_when_it_passes_every_hidden_test(tmp_path: Path) -> None:
    require("bwrap")
    kept = {"shout": [RIGHT_SHOUT, RIGHT_SHOUT], "first_word": [RIGHT_FIRST, WRONG_FIRST]}
    with _journal(tmp_path, kept, rejected=1) as journal:
        measured = measure(journal, "code", "1", code_judge(CodeOptions(backend="bwrap")))
    assert measured["problems"] == 2 and measured["kept"] == 4, "rejected samples not measured"
    assert (measured["correct"], measured["unchecked"]) == (3, 0)
    assert measured["precision"] == pytest.approx(0.75) and measured["problems_correct"] == 2
    assert measured["source"] == [str(tmp_path / "hidden.jsonl")]
    (wrong,) = measured["wrong"]
    assert wrong["statement"] == FIRST["statement"]
    assert wrong["hidden_tests"] == 4 and wrong["kept"] == {"failed 2": 1}


def test_a_sandbox_that_cannot_run_is_unchecked_never_right_or_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sandbox(self: CodeVerifier) -> Any:
        raise SandboxError("no sandbox backend works here")

    monkeypatch.setattr(CodeVerifier, "pool", no_sandbox)
    with _journal(tmp_path, {"shout": [RIGHT_SHOUT], "first_word": [WRONG_FIRST]}) as journal:
        measured = measure(journal, "code", "1", code_judge())
    assert (measured["kept"], measured["correct"], measured["unchecked"]) == (2, 0, 2)
    assert measured["precision"] is None and measured["interval"] == [0.0, 1.0]
    assert measured["wrong"] == [] and measured["problems_correct"] == 0
