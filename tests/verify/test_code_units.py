"""The code verifier's pure parts, without a sandbox: test formats, trust, cross-check, mutants,
strategies, options and the public surface."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verigen.verify.code as code
from verigen.errors import ConfigError, InputError
from verigen.records import CaseTests, CodeTests
from verigen.sandbox import TestOutcome
from verigen.sandbox.harness.runner import plan
from verigen.verify.code import CodeOptions, CodeVerifier, mutants, parse_tests, wrong_variant
from verigen.verify.code.crosscheck import consensus, pass_matrix
from verigen.verify.code.differential import _as_case, _draw
from verigen.verify.code.execute import Run
from verigen.verify.code.small_scope import small_domain
from verigen.verify.code.strategies import Unsupported, arguments
from verigen.verify.code.tests import same_output, trusted_suite
from verigen.verify.code.trust import by_consensus, by_reference

CHECK = """
METADATA = {}

def check(candidate):
    import math
    assert candidate(1) == 2
    assert True, "nothing"
    for i in range(3):
        assert candidate(i) == i + 1
    assert candidate(5) == 6
"""


def run(passed: set[str], failed: frozenset[str] = frozenset(), infra: str = "") -> Run:
    outcomes = {i: TestOutcome(i, "passed") for i in passed}
    outcomes |= {i: TestOutcome(i, "failed", "wrong") for i in failed}
    return Run(outcomes, infra)


def test_json_cases_get_stable_ids_and_one_harness_test_each() -> None:
    p = parse_tests(
        '[{"args": [1], "expected": 2}, {"args": [2], "kwargs": {}, "expected": 3}]', "f"
    )
    assert p.ids == ["case:0", "case:1"]
    suites, ids = p.keep(["case:1"]).suites()
    assert ids == [["case:1"]]
    assert len(plan(suites[0].to_wire())) == 1


def test_check_is_hoisted_one_test_per_assert_or_loop() -> None:
    p = parse_tests(CHECK, "f")
    assert p.ids == ["check:6", "check:8", "check:10"]  # ``assert True`` is not a test
    suites, ids = p.suites()
    assert len(plan(suites[0].to_wire())) == len(ids[0]) == 3


def test_assert_code_and_test_functions() -> None:
    p = parse_tests("x = 1\nassert f(x) == 2\ndef test_a():\n    assert f(0) == 1\n", "f")
    assert p.ids == ["assert:2", "test_a"]
    assert p.keep(["test_a"]).ids == ["test_a"]


def test_io_cases_and_output_comparison() -> None:
    p = parse_tests(None, "", io_cases=[{"input": "1 2\n", "output": "3\n"}])
    assert p.ids == ["io:0"]
    assert same_output("3  \n\n", "3", 0)
    assert not same_output("4\n", "3", 0)
    assert same_output("0.3333333333\n", "0.333333333333", 1e-6)
    assert not same_output("0.3333333333\n", "0.333333333333", 0)


@pytest.mark.parametrize("bad", ["def broken(:\n", [{"nothing": 1}], [1, 2], 42])
def test_unusable_tests_raise_input_error(bad: object) -> None:
    with pytest.raises(InputError):
        parse_tests(bad, "f")


def test_reference_drops_what_it_fails_and_says_why() -> None:
    trust = by_reference(run({"a", "b"}, frozenset({"c"})), ["a", "b", "c"])
    assert trust.kept == ("a", "b")
    assert "failed" in trust.dropped["c"]


def test_consensus_is_codet_dual_agreement() -> None:
    c = frozenset({"c"})
    runs = [
        run({"a", "b"}, c),
        run({"a", "b"}, c),
        run({"a", "b", "c"}),
        run(set(), infra="engine gone"),
    ]
    group = consensus(runs)
    assert group is not None and group.members == (0, 1) and group.score == 4
    assert pass_matrix(runs, ["a", "c"]) == [[1, 0], [1, 0], [1, 1], [None, None]]
    programs = ["def f(): return 1", "def f(): return 2", "def f(): return 3", ""]
    trust = by_consensus(runs, programs, ["a", "b", "c"], CodeOptions())
    assert trust.anchor == "consensus" and trust.kept == ("a", "b")


def test_one_program_sampled_twice_is_one_piece_of_evidence() -> None:
    """Two samples of the same wrong program (comments and spacing aside) agree on failing a
    right test: that is no consensus against the test."""
    same = ["def f(x):\n    return x  # twice\n", "def f(x):\n\n    return (x)\n"]
    runs = [run({"a", "b"}, frozenset({"c"})), run({"a", "b"}, frozenset({"c"}))]
    trust = by_consensus(runs, same, ["a", "b", "c"], CodeOptions())
    assert trust.kept == ("a", "b", "c") and not trust.dropped
    assert "1 distinct program" in trust.note


def test_one_solution_alone_never_drops_a_test() -> None:
    only = [run({"a"}, frozenset({"b", "c"}))]
    trust = by_consensus(only, ["def f(): pass"], ["a", "b", "c"], CodeOptions())
    assert trust.kept == ("a", "b", "c") and not trust.dropped


def test_consensus_contradicting_most_tests_is_not_trusted() -> None:
    runs = [run({"a"}, frozenset({"b", "c"})), run({"a"}, frozenset({"b", "c"}))]
    trust = by_consensus(runs, ["x = 1", "x = 2"], ["a", "b", "c"], CodeOptions())
    assert trust.kept == ("a", "b", "c") and "not trusted" in trust.note


SOURCE = """
def f(xs, k):
    total = 0
    for i in range(len(xs)):
        if xs[i] < k and k != 0:
            total += xs[i]
    return total
"""


def test_mutants_cover_every_kind_and_are_distinct() -> None:
    found = mutants(SOURCE, "f", 50)
    kinds = {m.kind for m in found}
    assert {
        "flip_compare",
        "off_by_one",
        "constant_return",
        "drop_branch",
        "swap_arith",
        "swap_bool",
    } <= kinds
    assert len({m.source for m in found}) == len(found)
    assert all(m.source != SOURCE for m in found)
    assert len(mutants(SOURCE, "f", 3)) == 3
    assert mutants("def (", "f", 3) == []


def test_wrong_variant_returns_none() -> None:
    variant = wrong_variant(SOURCE, "f")
    assert variant is not None and "return None" in variant


@pytest.mark.parametrize(
    ("signature", "ok"),
    [
        ("def f(x: int, s: str, xs: list[int], m: dict[str, float]) -> int:", True),
        ("def f(p: tuple[int, ...], q: Optional[List[int]], r: 'int | None') -> int:", True),
        ("def f(x) -> int:", False),
        ("def f(x: Callable[[int], int]) -> int:", False),
        ("def f(*xs: int) -> int:", False),
    ],
)
def test_strategies_from_hints_without_eval(signature: str, ok: bool) -> None:
    if not ok:
        with pytest.raises(Unsupported):
            arguments(signature, "f")
        return
    strategy = arguments(signature, "f")
    drawn: list[tuple[object, ...]] = []

    @settings(max_examples=5, database=None, deadline=None)
    @given(strategy)
    def collect(args: tuple[object, ...]) -> None:
        drawn.append(args)

    collect()
    assert drawn and all(
        isinstance(a, tuple) and len(a) == 3 + ("x: int" in signature) for a in drawn
    )


@pytest.mark.parametrize(
    ("signature", "size", "holds", "lacks"),
    [
        ("def f(n: int) -> bool:", 201, [(49,), (-100,), (100,)], []),
        ("def f(a: int, b: int) -> int:", 481, [(7, -7), (3, 5), (0, -15)], [(8, 8)]),
        ("def f(flag: bool, n: 'Optional[int]') -> int:", 404, [(True, None), (True, -100)], []),
        ("def f(xs: list[int]) -> int:", 407, [([1, 1, 0],), ([0, 1, 2],), ([-1, -1],)], []),
        ("def f(s: str) -> bool:", 341, [("(]",), ("[()]",), ("",)], [("((((( ",)]),
        (
            "def f(p: tuple[int, str], q: bool) -> int:",
            278,
            [((1, "(]"), True), ((-1, ""), False)],
            [],
        ),
        ("def f(m: List[List[int]]) -> int:", 244, [([[1], []],)], []),
    ],
)
def test_small_inputs_are_enumerated_whole_naturals_first(
    signature: str,
    size: int,
    holds: list[tuple[object, ...]],
    lacks: list[tuple[object, ...]],
) -> None:
    """Bounded-exhaustive inputs: every input of each size, while all of them fit."""
    grid = small_domain(signature, "f", 512, seeds=["(()]", "[]{}", "x"])
    assert len(grid) == len(set(map(repr, grid))) == size
    shown = set(map(repr, grid))
    assert all(repr(h) in shown for h in holds) and not any(repr(x) in shown for x in lacks)
    order = [(any(n < 0 for n in _ints(args)), sum(map(abs, _ints(args)))) for args in grid]
    assert order == sorted(order), "no negative number first, then the smallest"


def _ints(value: object) -> list[int]:
    if type(value) is int:
        return [value]
    if isinstance(value, list | tuple):
        return [n for item in value for n in _ints(item)]
    return []


@pytest.mark.parametrize(
    "signature",
    [
        "def f(x: float) -> int:",
        "def f(n: int, m: dict[str, int]) -> int:",
        "def f(xs: set[int]) -> int:",
        "def f(xs: tuple[int, ...]) -> int:",
        "def f(n) -> int:",
        "def (",
    ],
)
def test_no_enumeration_where_a_parameter_has_no_small_scope(signature: str) -> None:
    assert small_domain(signature, "f", 512) == []
    assert small_domain("def f(n: int) -> int:", "f", 0) == []


def test_options_are_validated_frozen_and_picklable() -> None:
    with pytest.raises(ConfigError):
        CodeOptions(timeout_s=0)
    with pytest.raises(ConfigError):
        CodeOptions(min_mutation_score=2)
    with pytest.raises(ConfigError):
        CodeOptions(enumerate_up_to=-1)
    opts = CodeOptions(min_tests=5)
    assert pickle.loads(pickle.dumps(opts)) == opts


def test_verifier_pickles_without_its_pool_and_no_code_needs_no_sandbox() -> None:
    cv = CodeVerifier(CodeOptions(backend="bwrap"), workers=1)
    clone = pickle.loads(pickle.dumps(cv))
    assert clone.options == cv.options and clone._pool is None
    verdicts = clone.verify([None, "  "], [{"args": [1], "expected": 1}], "f")
    assert [v.reason for v in verdicts] == ["no_code", "no_code"]
    assert clone._pool is None  # nothing was run, nothing was opened
    bad = clone.verify(["def f(x): return x"], "def (", "f")
    assert bad[0].reason == "invalid_tests"
    clone.close()


def test_public_exports_are_complete() -> None:
    public = {
        n
        for n in dir(code)
        if (not n.startswith("_") and n[0].isupper())
        or n in ("load_humaneval", "mutants", "parse_tests", "wrong_variant", "VERIFIER_VERSION")
    }
    assert public <= set(code.__all__)
    assert code.VERIFIER_VERSION.startswith("code-")


def test_checks_are_known_before_running_only_for_single_asserts() -> None:
    cases = [{"args": [i], "expected": i} for i in range(2)]
    assert parse_tests(cases, "f").fixed_checks() == 2
    assert parse_tests(cases, "f", io_cases=[{"input": "", "output": ""}]).fixed_checks() == 3
    assert (
        parse_tests("assert f(1) == 1\nassert all(f(i) for i in range(9))\n", "f").fixed_checks()
        == 2
    )
    assert parse_tests("def test_a():\n    assert f(1)\n", "f").fixed_checks() is None
    assert parse_tests(CHECK, "f").fixed_checks() is None  # a loop is hoisted into a function
    assert parse_tests(CHECK, "f").keep(["check:6", "check:10"]).fixed_checks() == 2


def test_a_run_counts_the_checks_of_its_passed_tests_only() -> None:
    r = Run(
        {"a": TestOutcome("a", "passed"), "b": TestOutcome("b", "failed")},
        checks={"a": 4, "b": 7},
    )
    assert r.checks_on(["a", "b"]) == 4 and r.checks_on(["b"]) == 0
    hung = Run({"a": TestOutcome("a", "passed"), "b": TestOutcome("b", "timeout")})
    assert hung.timed_out and hung.any_timeout
    assert not Run({"b": TestOutcome("b", "missing")}, note="job timeout").timed_out
    assert not Run({"b": TestOutcome("b", "timeout")}, infra_error="gone").any_timeout


def test_the_shipped_suite_is_the_one_the_verdict_trusted() -> None:
    cases = CaseTests.model_validate(
        {
            "cases": [
                {"args": [1], "expected": 1},  # given, kept whatever the consensus says
                {"args": [2], "expected": 5},  # the test writer's, dropped as wrong
                {"input": "3", "output": "3"},  # dropped too
                {"args": [4], "expected": 4},
            ],
            "given": 1,
        }
    )
    added = [
        {"id": "diff:0-shrunk", "case": {"args": [7], "kwargs": {}, "expected": 7}},
        {"id": "diff:1", "args": "({1, 2},)", "expected": "1"},  # a set: no JSON case
    ]
    details = {
        "dropped_tests": {"case:1": {}, "io:2": {}},
        "differential": {"new_tests": added},
    }
    shipped = trusted_suite(cases, "f", details)
    assert isinstance(shipped, CaseTests) and shipped.given == 1
    assert [c.model_dump()["args"] for c in shipped.cases] == [[1], [4], [7]]
    assert trusted_suite(cases, "f", {}) == cases
    assert trusted_suite(None, "f", {}) is None


def test_shipped_test_code_loses_its_dropped_asserts() -> None:
    code = CodeTests(code="x = 2\nassert f(x) == 2\nassert f(3) == 99\nassert f(4) == 4\n")
    assert trusted_suite(code, "f", {}) == code
    shipped = trusted_suite(code, "f", {"dropped_tests": {"assert:3": {}}})
    assert isinstance(shipped, CodeTests)
    assert "99" not in shipped.code and "x = 2" in shipped.code and "f(4) == 4" in shipped.code
    assert parse_tests(shipped, "f").ids == ["assert:2", "assert:3"]
    check = "def check(candidate):\n    assert candidate(1) == 1\n    assert candidate(2) == 0\n"
    hoisted = trusted_suite(CodeTests(code=check), "f", {"dropped_tests": {"check:3": {}}})
    assert isinstance(hoisted, CodeTests) and "== 0" not in hoisted.code
    assert (
        trusted_suite(
            CodeTests(code="assert f(1) == 0\n"), "f", {"dropped_tests": {"assert:1": {}}}
        )
        is None
    )


@pytest.mark.parametrize(
    ("args", "expected", "case"),
    [
        ((3, "a"), [1, 2], {"args": [3, "a"], "kwargs": {}, "expected": [1, 2]}),
        ((1,), (1, (2, 3)), {"args": [1], "kwargs": {}, "expected": [1, [2, 3]]}),
        (([1, 2],), {"k": 1.5}, {"args": [[1, 2]], "kwargs": {}, "expected": {"k": 1.5}}),
        (((1, 2),), 3, None),  # a tuple argument: JSON would pass a list
        ((1,), {1, 2}, None),
        ((1,), {1: "a"}, None),
        ((1,), float("nan"), None),
        ((b"x",), 1, None),
    ],
)
def test_a_differential_test_ships_as_a_json_case_only_when_json_says_it_exactly(
    args: tuple[object, ...], expected: object, case: dict[str, object] | None
) -> None:
    assert _as_case(args, expected) == ({"case": case} if case else {})


def test_the_seed_alone_decides_the_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis may draw constants from the source of loaded local modules: a verdict would
    then hang on what the process happened to import (pytest, the CLI, a Ray worker), and it
    cached them under the working directory's ``.hypothesis/``, a user's folder."""
    from hypothesis.internal.conjecture import providers

    monkeypatch.chdir(tmp_path)
    strategy = st.tuples(st.integers(), st.text(max_size=6))
    before = _draw(strategy, 200, 7)
    numbers, words = [10**6 + 7 * i for i in range(300)], [f"zq{i}x" for i in range(300)]
    (tmp_path / "constants_here.py").write_text(f"NUMBERS = {numbers}\nWORDS = {words}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    collect = providers._get_local_constants
    importlib.import_module("constants_here")
    after = _draw(strategy, 200, 7)
    assert after == before
    assert not {*numbers, *words} & {*(n for n, _ in after), *(w for _, w in after)}
    assert providers._get_local_constants is collect  # a user's own Hypothesis runs keep theirs
    assert not (tmp_path / ".hypothesis").exists()


def test_a_loaded_hypothesis_profile_changes_no_draw() -> None:
    """verigen runs inside test suites and training jobs that load their own profiles."""
    strategy = st.tuples(st.integers(), st.text(max_size=6))
    before = _draw(strategy, 50, 7)
    settings.register_profile(
        "verigen-test-user", backend="hypothesis-urandom", max_examples=5, report_multiple_bugs=True
    )
    previous = settings.get_current_profile_name()
    settings.load_profile("verigen-test-user")
    try:
        assert _draw(strategy, 50, 7) == before
    finally:
        settings.load_profile(previous)
