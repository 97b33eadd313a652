"""The dispute check: a majority the statement contradicts is not kept.

Without a reference, differential testing takes a disputed input's expected value from a
majority of the samples. The 0.5B model's ``brackets_balanced`` samples, two of three
counting brackets without their kinds, outvoted the third and were kept wrong (the precision
bench, code-none c09). A judge model now says what the statement gives for a disputed call;
a value only a losing sample gave vetoes the majority.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends import require
from tests.fakellm import last_user
from tests.test_generate_code import import_run
from verigen.config import RunConfig
from verigen.pipeline.verifying import verify_settings
from verigen.records import Outcome, Verdict
from verigen.verify.code import CodeOptions, CodeVerifier
from verigen.verify.code.dispute_check import (
    MAX_CALLS,
    against_majority,
    apply_dispute_check,
    calls_to_ask,
)


def _dispute(call: str, majority: str, values: dict[str, list[int]]) -> dict[str, Any]:
    return {"call": call, "majority": majority, "values": values}


BRACKETS = _dispute("f('[)')", "True", {"True": [0, 1], "False": [2]})


@pytest.mark.parametrize(
    ("disputed", "read", "against"),
    [
        (BRACKETS, ["False"], True),  # a value only the loser gave
        (BRACKETS, ["false"], True),  # JSON's spelling
        (BRACKETS, ["True"], False),  # the majority's value
        (BRACKETS, ["False", "True"], False),  # one judge each way: the majority stands
        (BRACKETS, ["0"], False),  # nobody's value: the judge computed something else
        (BRACKETS, ["1"], False),  # 1 is not True
        (BRACKETS, ["it is False"], False),  # prose is no value
        (BRACKETS, [], False),  # every judge said "not said" / "not allowed"
        (BRACKETS, None, None),  # no judge could be read
        (_dispute("g(1)", "[1, 2]", {"[1, 2]": [0, 1], "[2, 1]": [2]}), ["(2, 1)"], True),
        (_dispute("h(3)", "0.3", {"0.3": [0, 1], "0.25": [2]}), ["1/4"], False),  # no literal
        (_dispute("h(3)", "0.3", {"0.3": [0, 1], "0.25": [2]}), ["0.250"], True),
        (_dispute("h(3)", "0.3", {"0.3": [0, 1], "raised ValueError": [2]}), ["0"], False),
        (_dispute("k('a')", "'a'", {"'a'": [0, 1], "'A'": [2]}), ["'A'"], True),
        (_dispute("k('a')", "'a'", {"'a'": [0, 1], "'A'": [2]}), ["A"], True),  # unquoted
        (_dispute("w('a  b')", "'b  a'", {"'b  a'": [0, 1], "'b a'": [2]}), [" b a "], True),
        (_dispute("k('a')", "'a'", {"'a'": [0, 1], "'A'": [2]}), ["the letter A"], False),
        (_dispute("n(0)", "1", {"1": [0, 1], "None": [2]}), ["null"], True),
        (_dispute("d()", "{'a': 1}", {"{'a': 1}": [0, 1], "{}": [2]}), ["{}"], True),
        (_dispute("x()", "1", {"1": [0, 1], "2": [2]}), ["[" * 400], False),  # deep nesting
    ],
)
def test_the_statement_sides_against_a_majority_only_with_a_value_a_loser_gave(
    disputed: dict[str, Any], read: list[str] | None, against: bool | None
) -> None:
    assert against_majority(disputed, read) is against


def _verdict(index: int, outcome: Outcome, disputed: list[dict[str, Any]]) -> Verdict:
    return Verdict(
        outcome=outcome,
        reason="accepted" if outcome is Outcome.ACCEPTED else "disagrees_with_consensus",
        details={"solution_index": index, "differential": {"disputed": disputed}},
        verifier="code",
        verifier_version="t",
    )


def test_the_calls_asked_are_disputes_an_accepted_solution_won() -> None:
    disputed = [
        _dispute("f('[')", "False", {"False": [0, 1], "True": [2]}),
        _dispute("f('x')", "True", {"True": [2, 3], "False": [0]}),  # only rejected ones won
        *(_dispute(f"f('{c}')", "True", {"True": [0, 1], "False": [2]}) for c in "abcd"),
    ]
    verdicts = [
        _verdict(0, Outcome.ACCEPTED, disputed),
        _verdict(1, Outcome.ACCEPTED, disputed),
        _verdict(2, Outcome.REJECTED, disputed),
    ]
    asked = calls_to_ask(verdicts)
    assert [a["call"] for a in asked] == ["f('[')", "f('a')", "f('b')"]
    assert len(asked) == MAX_CALLS
    assert calls_to_ask([_verdict(0, Outcome.REJECTED, disputed)]) == []
    assert calls_to_ask([_verdict(0, Outcome.ACCEPTED, [])]) == []


def test_a_contradicted_majority_rejects_every_accepted_solution_and_an_unread_judge_none() -> None:
    """Solution 2 is accepted yet listed among the losers: it passed the majority's tests in
    the harness while reporting the loser's value in the differential job. It goes with the
    majority it really is."""
    asked = [
        _dispute("f('[)')", "True", {"True": [0], "False": [2, 3]}),
        _dispute("f('(]')", "True", {"True": [1], "False": [3]}),
    ]
    verdicts = [_verdict(i, Outcome.ACCEPTED, asked) for i in range(3)]
    verdicts.append(_verdict(3, Outcome.REJECTED, asked))
    judged = apply_dispute_check(verdicts, asked, [["False"], None])
    assert [(v.outcome, v.reason) for v in judged] == [
        *[(Outcome.REJECTED, "disagrees_with_statement")] * 3,
        (Outcome.REJECTED, "disagrees_with_consensus"),  # a loser stays lost
    ]
    assert judged[2].details["dispute_check"][0] == {
        "call": "f('[)')",
        "majority": "True",
        "read": ["False"],
        "against_majority": True,
    }
    unread = apply_dispute_check(verdicts, asked, [["True"], None])
    assert [(v.outcome, v.reason) for v in unread][:3] == [
        (Outcome.INFRA_ERROR, "dispute_check_undecided")
    ] * 3
    kept = apply_dispute_check(verdicts, asked, [["True"], []])
    assert [v.outcome for v in kept] == [Outcome.ACCEPTED] * 3 + [Outcome.REJECTED]


def test_strict_and_balanced_ask_the_solvers_at_temperature_0_and_off_does_not() -> None:
    def config(**extra: Any) -> RunConfig:
        return RunConfig.model_validate(
            {
                "problems": {"domain": "code", "source": {"path": "rows.jsonl"}},
                "solver": {"models": ["openai/a"], "temperature": 0.8},
                **extra,
            }
        )

    for precision in ("strict", "balanced"):
        role = config(precision=precision).code.dispute_check
        assert role is not None and (role.models, role.temperature) == (["openai/a"], 0.0)
    assert config(precision="off").code.dispute_check is None
    assert config(code={"dispute_check": False}).code.dispute_check is None


def test_strict_asks_a_larger_majority_where_samples_differ_and_the_verifier_gets_it() -> None:
    """The second defence against the shared misreading, for a run without a stronger judge:
    under ``strict`` a 2-to-1 majority decides nothing (``CodeOptions.min_share``)."""

    def share(**extra: Any) -> tuple[float, float]:
        run = RunConfig.model_validate(
            {
                "problems": {"domain": "code", "source": {"path": "rows.jsonl"}},
                "solver": {"models": ["openai/a"]},
                **extra,
            }
        )
        return run.code.min_share, verify_settings(run).code.min_share

    assert share() == (0.7, 0.7)
    assert share(precision="balanced") == share(precision="off") == (0.5, 0.5)
    assert share(code={"min_share": 0.6}) == (0.6, 0.6), "a set field wins over the preset"
    with pytest.raises(ValueError, match="min_share"):
        share(code={"min_share": 0.4})


def _program(name: str, body: str) -> str:
    return f"def {name}(s: str) -> bool:\n" + body


COUNTS_ALL = """\
    depth = 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
"""
STACK = """\
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack
"""
COUNTS_PARENS = """\
    depth = 0
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
"""
GIVEN = [
    {"args": ["()"], "expected": True},
    {"args": ["(()"], "expected": False},
    {"args": ["[]{}"], "expected": True},
    {"args": ["a)"], "expected": False},
]


def _kinds_matched(s: str) -> bool:
    """What ``STACK`` computes, the truth for ``brackets_kinds``."""
    while any(p in s for p in ("()", "[]", "{}")):
        s = s.replace("()", "").replace("[]", "").replace("{}", "")
    return not any(c in "()[]{}" for c in s)


def _kinds_counted(s: str) -> bool:
    """What ``COUNTS_ALL`` computes: brackets balanced by count, kinds ignored."""
    depth = 0
    for c in s:
        depth += (c in "([{") - (c in ")]}")
        if depth < 0:
            return False
    return depth == 0


def _parens_only(s: str) -> bool:
    """What ``COUNTS_PARENS`` computes, the truth for ``brackets_parens``."""
    return _kinds_counted("".join(c for c in s if c in "()"))


@pytest.fixture(scope="module")
def verifier() -> Iterator[CodeVerifier]:
    require("bwrap")
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=0), workers=2) as verifier:
        yield verifier


def test_a_majority_outvoting_the_right_program_is_recorded_as_a_dispute(
    verifier: CodeVerifier,
) -> None:
    """Two samples counting brackets blind to their kinds and one stack: the counters win
    every disputed input (``'[)'``), and the stack is rejected; the dispute is recorded with
    the solutions on each side for the judge to settle."""
    name = "brackets_balanced"
    programs = [_program(name, b) for b in (COUNTS_ALL, STACK, COUNTS_ALL)]
    verdicts = verifier.verify(programs, GIVEN, name, f"def {name}(s: str) -> bool:")
    assert [(v.outcome, v.reason) for v in verdicts] == [
        (Outcome.ACCEPTED, "accepted"),
        (Outcome.REJECTED, "disagrees_with_consensus"),
        (Outcome.ACCEPTED, "accepted"),
    ]
    disputed = verdicts[0].details["differential"]["disputed"]
    assert [(d["majority"], d["values"]) for d in disputed] == [
        ("True", {"True": [0, 2], "False": [1]})
    ], "one kind: the counters say True where the stack says False"
    call = re.fullmatch(rf"{name}\((.*)\)", disputed[0]["call"])
    assert call is not None
    s = ast.literal_eval(call[1])
    assert _kinds_counted(s) and not _kinds_matched(s)
    assert calls_to_ask(verdicts) == disputed


STATEMENTS = {
    "brackets_kinds": (
        "Return True when the brackets (), [] and {} in `s` are balanced and properly nested; "
        "every other character is ignored."
    ),
    "brackets_parens": (
        "Return True when the parentheses in `s` are balanced and properly nested; every "
        "other character, other brackets included, is ignored."
    ),
}
RIGHT = {"brackets_kinds": _kinds_matched, "brackets_parens": _parens_only}
SHARED_MISREADING = {"brackets_kinds": COUNTS_ALL, "brackets_parens": COUNTS_PARENS}
ODD_ONE = {"brackets_kinds": STACK, "brackets_parens": COUNTS_ALL}


def _brackets_responder() -> Callable[[dict[str, Any]], str]:
    """Solvers: three samples share one program, the fourth (coder-b's first) another. For
    ``brackets_kinds`` the three share a misreading; for ``brackets_parens`` they are right.
    The judge reads each statement right: it runs that problem's right program."""
    odd_one_given: set[str] = set()

    def respond(body: dict[str, Any]) -> str:
        text = last_user(body)
        if "Call:" in text:
            call = re.search(r"Call: (\w+)\((.*)\)\n", text)
            assert call is not None, text
            value = RIGHT[call[1]](ast.literal_eval(call[2]))
            first = STATEMENTS[call[1]].split(";")[0]
            return json.dumps({"sentence": first, "value": repr(value)})
        name = re.search(r"def (brackets_\w+)\(", text)
        assert name is not None, text
        odd = body["model"] == "coder-b" and name[1] not in odd_one_given
        if odd:
            odd_one_given.add(name[1])
        program = (ODD_ONE if odd else SHARED_MISREADING)[name[1]]
        return f"```python\n{_program(name[1], program)}```"

    return respond


@pytest.mark.slow
def test_a_majority_the_statement_contradicts_is_rejected_and_one_it_confirms_kept(
    tmp_path: Path,
) -> None:
    require("bwrap")
    problems = [
        {
            "statement": statement,
            "entry_point": name,
            "signature": f"def {name}(s: str) -> bool:",
            "tests": json.dumps(GIVEN),
        }
        for name, statement in STATEMENTS.items()
    ]
    run = import_run(tmp_path, problems, _brackets_responder(), "--set", "problems.augment_below=0")
    judged = [last_user(b) for b in run.requests if "Call:" in last_user(b)]
    assert any("Call: brackets_kinds(" in t for t in judged)
    rows = run.rows
    assert {r["problem"] for r in rows} == {STATEMENTS["brackets_parens"]}
    assert len(rows) == 3, "the three samples the statement sides with"
    checked = json.loads(rows[0]["verdict_details"])["dispute_check"]
    assert checked and all(c["against_majority"] is False for c in checked)
    assert run.reasons.get("disagrees_with_statement") == 3
    assert run.reasons.get("disagrees_with_consensus") == 2, "each problem's odd one out"
    steps = {s["step"]: (s["rejected"], s["undecided"]) for s in run.report["precision"]["steps"]}
    assert steps == {"agreement": (0, 0), "crash_check": (0, 0), "dispute_check": (1, 0)}


def test_a_judge_section_gives_the_judge_checks_its_models_not_the_program_check() -> None:
    def config(**extra: Any) -> RunConfig:
        return RunConfig.model_validate(
            {
                "problems": {"domain": extra.pop("domain", "code"), "source": {"path": "r.jsonl"}},
                "solver": {"models": ["openai/small"], "temperature": 0.8, "max_tokens": 700},
                **extra,
            }
        )

    code = config(judge={"models": ["openai/big"]}).code
    for role in (code.crash_check, code.dispute_check):
        assert role is not None
        assert (role.models, role.temperature, role.max_tokens) == (["openai/big"], 0.0, 256)
    own = config(judge={"models": ["openai/big"], "temperature": 0.2},
                 code={"crash_check": {"models": ["openai/own"]}}).code  # fmt: skip
    assert own.crash_check is not None and own.crash_check.models == ["openai/own"]
    assert own.dispute_check is not None and own.dispute_check.temperature == 0.2
    math = config(domain="math", judge={"models": ["openai/big"]}).math
    assert math.well_posed is not None and math.well_posed.models == ["openai/big"]
    assert math.rederive is not None and math.rederive.max_tokens == 700
    assert math.program_check is not None and math.program_check.models == ["openai/small"]
    assert config(precision="off", judge={"models": ["openai/big"]}).code.dispute_check is None
