"""The code verifier against the real sandbox: trust, cross-checks, differential testing, stdin/
stdout cases, timeouts and the asyncio entry point. No part of the sandbox is mocked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import strategies as st

from tests.backends import require
from tests.verify.clamp_sum import GOOD, LOOP, SIGNATURE, WEAK
from verigen.records import Outcome
from verigen.verify.code import CodeOptions, CodeVerifier

pytestmark = pytest.mark.slow

# Right on small sums, wrong as soon as the sum reaches 50: the weak tests never get there.
BAD = SIGNATURE + "\n    s = sum(xs)\n    return s if s < 50 else cap\n"
WRONG_TEST = {"args": [[1], 0], "expected": 99}


@pytest.fixture(scope="module")
def cv() -> Iterator[CodeVerifier]:
    require("bwrap")
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=4), workers=2) as verifier:
        yield verifier


def test_test_contradicting_the_reference_is_dropped_and_recorded(cv: CodeVerifier) -> None:
    [verdict] = cv.verify([LOOP], [*WEAK, WRONG_TEST], "clamp_sum", SIGNATURE, reference=GOOD)
    assert verdict.accepted, verdict.reason
    dropped = verdict.details["dropped_tests"]
    assert list(dropped) == ["case:3"]
    assert dropped["case:3"]["test"]["expected"] == 99
    assert "reference" in dropped["case:3"]["why"]
    assert verdict.details["tests_total"] == 3
    assert verdict.details["trust"]["anchor"] == "reference"


def test_weak_tests_passed_but_hypothesis_finds_the_disagreement(cv: CodeVerifier) -> None:
    bad, loop = cv.verify([BAD, LOOP], WEAK, "clamp_sum", SIGNATURE, reference=GOOD)
    assert bad.details["tests_passed"] == bad.details["tests_total"] == 3  # its own tests pass
    assert bad.outcome is Outcome.REJECTED and bad.reason == "disagrees_with_consensus"
    assert loop.accepted, loop.reason
    diff = bad.details["differential"]
    assert diff["seed"] == 0 and diff["disagreeing_inputs"] >= 1
    added = diff["new_tests"]
    assert added and added[0]["id"].endswith("-shrunk")
    assert bad.details["differential_tests"][added[0]["id"]] == "failed"
    assert loop.details["differential_tests"][added[0]["id"]] == "passed"


def test_without_reference_the_majority_decides(cv: CodeVerifier) -> None:
    bad, loop, good = cv.verify([BAD, LOOP, GOOD], WEAK, "clamp_sum", SIGNATURE)
    assert bad.reason == "disagrees_with_consensus"
    assert loop.accepted and good.accepted
    assert bad.details["trust"]["anchor"] == "consensus"
    assert bad.details["pass_matrix"]["rows"] == [[1, 1, 1]] * 3


def test_a_tie_is_unresolved_not_guessed(cv: CodeVerifier) -> None:
    verdicts = cv.verify([BAD, GOOD], WEAK, "clamp_sum", SIGNATURE)
    assert [v.reason for v in verdicts] == ["unresolved_disagreement"] * 2


def test_a_two_to_one_majority_decides_nothing_under_the_strict_share() -> None:
    """``min_share`` 0.7 (the strict preset): two samples outvoting a third is how a shared
    misreading gets kept, so nobody is; three of four still decide."""
    require("bwrap")
    options = CodeOptions(backend="bwrap", mutants=0, min_share=0.7)
    flipped = SIGNATURE + "\n    return min(cap, sum(xs))\n"
    with CodeVerifier(options, workers=2) as strict:
        two_to_one = strict.verify([BAD, LOOP, GOOD], WEAK, "clamp_sum", SIGNATURE)
        three_to_one = strict.verify([BAD, LOOP, GOOD, flipped], WEAK, "clamp_sum", SIGNATURE)
    assert [v.reason for v in two_to_one] == ["unresolved_disagreement"] * 3
    assert not two_to_one[0].details["differential"]["disputed"]
    assert three_to_one[0].reason == "disagrees_with_consensus"
    assert all(v.accepted for v in three_to_one[1:]), [v.reason for v in three_to_one]


BRACKETS = "def balanced(s: str) -> bool:"
STACK = (
    BRACKETS
    + """
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for c in s:
        if c in "([{":
            stack.append(c)
        elif c in pairs and (not stack or stack.pop() != pairs[c]):
            return False
    return not stack
"""
)
# Counts brackets of any kind: right on every test the small test writer wrote, wrong on "(]".
COUNTER = (
    BRACKETS
    + """
    depth = 0
    for c in s:
        depth += (c in "([{") - (c in ")]}")
        if depth < 0:
            return False
    return depth == 0
"""
)
BRACKET_TESTS = [
    {"args": ["()"], "expected": True},
    {"args": ["[()]{}"], "expected": True},
    {"args": ["(("], "expected": False},
    {"args": ["a)b("], "expected": False},
]


def test_strings_are_drawn_from_the_characters_of_the_problem_s_own_inputs(
    cv: CodeVerifier,
) -> None:
    """The precision bench's miss: two programs agreeing on every written test, differing
    only on mismatched bracket kinds, which letters and digits never produce. With the
    characters of the tests' inputs in the alphabet, Hypothesis finds the difference."""
    stack, twin, counter = cv.verify(
        [STACK, STACK.replace("stack", "seen"), COUNTER], BRACKET_TESTS, "balanced", BRACKETS
    )
    assert stack.accepted and twin.accepted, (stack.reason, twin.reason)
    assert counter.reason == "disagrees_with_consensus"
    [shrunk, *_] = counter.details["differential"]["new_tests"]
    assert set(shrunk["args"][0]) <= set("()[]{}ab"), shrunk


# The 0.5B model's two programs for the precision bench's c09 (comments and example calls
# taken out): a stack, and a counter that ignores bracket kinds.
BENCH_STACK = """\
def brackets_balanced(s: str) -> bool:
    stack = []

    for char in s:
        if char == '(' or char == '[' or char == '{':

            stack.append(char)
        elif char == ')' or char == ']' or char == '}':

            if not stack:
                return False
            top = stack.pop()


            if (
                (char == ')' and top != '(') or
                (char == ']' and top != '[') or
                (char == '}' and top != '{')
            ):
                return False


    return len(stack) == 0
"""
BENCH_COUNTER = """\
def brackets_balanced(s: str) -> bool:
    balance = 0
    for char in s:
        if char == '(' or char == '[' or char == '{':
            balance += 1
        elif char == ')' or char == ']' or char == '}':
            balance -= 1

            if balance < 0:
                return False


    return balance == 0
"""


def test_the_bench_s_bracket_miss_is_no_longer_kept(cv: CodeVerifier) -> None:
    """The precision bench's case as the 0.5B models wrote it (one wrong test, which the two
    programs' consensus drops): the counter and the stack agree on every test; a test input with
    one bracket replaced tells them apart. One each: nobody can say who is right, so neither is
    kept."""
    written = [
        {"args": ["[]{}"], "expected": True},
        {"args": ["[()]{}[]"], "expected": False},
        {"args": ["[][]{}[]{}"], "expected": True},
        {"args": ["()[]{}[]"], "expected": True},
        {"args": ["[()](())][]"], "expected": False},
    ]
    signature = "def brackets_balanced(s: str) -> bool:"
    verdicts = cv.verify([BENCH_STACK, BENCH_COUNTER], written, "brackets_balanced", signature)
    assert [v.reason for v in verdicts] == ["unresolved_disagreement"] * 2


PRIME = "def is_prime(n: int) -> bool:"
TRIAL = (
    PRIME
    + """
    if n <= 1:
        return False
    for i in range(2, int(n**0.5) + 1):
        if n % i == 0:
            return False
    return True
"""
)
ODDS = (
    PRIME
    + """
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % d for d in range(3, int(n**0.5) + 1, 2))
"""
)
# Kept by `make demo` (code-1.5): tries 3, 5, then 9, 11, 15, 17, ... — never 7 or 13.
BY_SIX = (
    PRIME
    + """
    if n <= 1:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False
    i = 3
    while i * i <= n:
        if n % i == 0 or n % (i + 2) == 0:
            return False
        i += 6
    return True
"""
)


def test_a_wrong_answer_on_a_few_sparse_inputs_is_found_by_enumeration(cv: CodeVerifier) -> None:
    """The demo's false accept: the written tests held no composite with a factor 7 or 13, and
    the random draws missed 49, 77 and 91; every one of the 201 integers is run instead."""
    written = [
        {"args": [2], "expected": True},
        {"args": [9], "expected": False},
        {"args": [17], "expected": True},
        {"args": [1], "expected": False},
    ]
    trial, odds, by_six = cv.verify([TRIAL, ODDS, BY_SIX], written, "is_prime", PRIME)
    assert trial.accepted and odds.accepted, (trial.reason, odds.reason)
    assert by_six.reason == "disagrees_with_consensus"
    diff = by_six.details["differential"]
    assert diff["enumerated"] == 201 and diff["disagreeing_inputs"] == 3
    assert [t["args"] for t in diff["new_tests"]] == ["(49,)", "(77,)", "(91,)"]
    assert set(by_six.details["differential_tests"].values()) == {"failed"}
    assert set(trial.details["differential_tests"].values()) == {"passed"}


SPIRAL = "def spiral(n: int) -> list[list[int]]:"
TURN = (
    SPIRAL
    + """
    grid = [[0] * n for _ in range(n)]
    r = c = 0
    dr, dc = 0, 1
    for value in range(1, n * n + 1):
        grid[r][c] = value
        if not (0 <= r + dr < n and 0 <= c + dc < n and grid[r + dr][c + dc] == 0):
            dr, dc = dc, -dr
        r, c = r + dr, c + dc
    return grid
"""
)
LAYERS = (
    SPIRAL
    + """
    grid = [[0 for _ in range(n)] for _ in range(n)]
    top, left, bottom, right, value = 0, 0, n - 1, n - 1, 1
    while top <= bottom and left <= right:
        for c in range(left, right + 1):
            grid[top][c], value = value, value + 1
        for r in range(top + 1, bottom + 1):
            grid[r][right], value = value, value + 1
        if top < bottom:
            for c in range(right - 1, left - 1, -1):
                grid[bottom][c], value = value, value + 1
        if left < right:
            for r in range(bottom - 1, top, -1):
                grid[r][left], value = value, value + 1
        top, left, bottom, right = top + 1, left + 1, bottom - 1, right - 1
    return grid
"""
)
# Right up to 39; from 40 on its matrix is transposed (a wrong answer only on large outputs).
TRANSPOSED = TURN.replace(
    "    return grid", "    return [list(r) for r in zip(*grid)] if n >= 40 else grid"
)


def test_outputs_too_long_to_send_whole_are_compared_by_digest(cv: CodeVerifier) -> None:
    """A spiral for every n up to 100 is megabytes of output: the job that compares them failed
    on its output limit, and every solution of such a problem became ``infra_error``. Long
    outputs are now compared by digest, and the expected value of a disagreement is asked again
    of one candidate to become a test."""
    written = [
        {"args": [1], "expected": [[1]]},
        {"args": [2], "expected": [[1, 2], [4, 3]]},
        {"args": [3], "expected": [[1, 2, 3], [8, 9, 4], [7, 6, 5]]},
    ]
    turn, layers, transposed = cv.verify([TURN, LAYERS, TRANSPOSED], written, "spiral", SPIRAL)
    assert turn.accepted and layers.accepted, (turn.reason, layers.reason)
    assert transposed.reason == "disagrees_with_consensus"
    diff = transposed.details["differential"]
    assert not diff["infra_error"] and diff["disagreeing_inputs"] == 61  # n = 40 ... 100
    [first, *_] = diff["new_tests"]
    assert first["args"] == "(40,)" and first["expected"].startswith("[[1, 2, 3, ")


HARMONIC = "def harmonic(n: int) -> dict[int, float]:"
UPWARD = (
    HARMONIC
    + """
    out, total = {}, 0.0
    for i in range(1, n + 1):
        total += 1 / i
        out[i] = total
    return out
"""
)
DOWNWARD = (
    HARMONIC + "\n    return {i: sum(1 / k for k in range(i, 0, -1)) for i in range(n, 0, -1)}\n"
)


def test_long_outputs_equal_in_every_way_but_order_and_float_noise_agree(cv: CodeVerifier) -> None:
    """Two programs whose long dicts differ in key order and in the last bits of their sums
    (and so, near the size where outputs go as digests, one sent whole and one not): no
    disagreement, both kept."""
    tests = "assert harmonic(0) == {}\nassert harmonic(2) == {1: 1.0, 2: 1.5}\nassert harmonic(1)\n"
    upward, downward = cv.verify([UPWARD, DOWNWARD], tests, "harmonic", HARMONIC)
    assert upward.accepted and downward.accepted, (upward.reason, downward.reason)
    assert upward.details["differential"]["disagreeing_inputs"] == 0


ROTATE = "def rotate_left(xs: list[int], k: int) -> list[int]:"
# The precision bench's c07 as the 1.5B model wrote it (comments taken out). ONCE corrects k by
# one length only; WHOLE gives the list back unrotated once |k| >= len(xs); MODULO is right.
ONCE = (
    ROTATE
    + """
    if not xs:
        return []
    n = len(xs)
    if k > n:
        k -= n
    elif k < 0:
        k += n
    return xs[k:] + xs[:k]
"""
)
WHOLE = (
    ROTATE
    + """
    if not xs:
        return []
    n = len(xs)
    if k >= n or k < -n:
        return xs
    k %= n
    return xs[k:] + xs[:k]
"""
)
MODULO = (
    ROTATE
    + """
    if not xs:
        return []
    k = k % len(xs)
    return xs[k:] + xs[:k]
"""
)


def test_a_majority_of_programs_shown_wrong_elsewhere_decides_nothing(cv: CodeVerifier) -> None:
    """For k >= 2 * len(xs) the two wrong programs agree (the list unrotated) and outvote the
    right one; for len(xs) < k < 2 * len(xs) the right one and ONCE outvote WHOLE. Input by
    input there is always a majority, and ONCE, which never lost, was kept while MODULO was
    rejected as wrong (a wrong keep, and an inverted DPO pair). No set of programs that lost
    nowhere holds a majority: all three are unresolved, and no test is made from those votes."""
    written = [
        {"args": [[1, 2, 3, 4], 1], "expected": [2, 3, 4, 1]},
        {"args": [[1, 2, 3, 4], -1], "expected": [4, 1, 2, 3]},
        {"args": [[], 2], "expected": []},
        {"args": [[1, 2, 3], 0], "expected": [1, 2, 3]},
    ]
    verdicts = cv.verify([ONCE, WHOLE, MODULO], written, "rotate_left", ROTATE)
    assert [v.reason for v in verdicts] == ["unresolved_disagreement"] * 3
    diff = verdicts[0].details["differential"]
    assert diff["split_majority"] and diff["new_tests"] == []
    # with three samples of the right program (3 of 5), it stands alone, and the others lose
    once, whole, *modulo = cv.verify([ONCE, WHOLE, *[MODULO] * 3], written, "rotate_left", ROTATE)
    assert all(v.accepted for v in modulo), [v.reason for v in modulo]
    assert once.reason == whole.reason == "disagrees_with_consensus"


# Wrong on 1, 2 and every odd composite: its losses fill the first tests.
ODD = PRIME + "\n    return n % 2 == 1\n"
# Wrong on 97 alone.
NOT_97 = TRIAL.replace("    if n <= 1:", "    if n <= 1 or n == 97:")


def test_every_losing_candidate_gets_a_test_of_its_own(cv: CodeVerifier) -> None:
    """Tests were the first ``max_new_tests`` disagreements: a candidate losing early took
    them all, and one losing only on a later input was kept."""
    written = [
        {"args": [3], "expected": True},
        {"args": [5], "expected": True},
        {"args": [4], "expected": False},
    ]
    sources = [TRIAL, TRIAL, ODDS, ODD, NOT_97]
    trial, _, odds, odd, not_97 = cv.verify(sources, written, "is_prime", PRIME)
    assert trial.accepted and odds.accepted, (trial.reason, odds.reason)
    assert odd.reason == not_97.reason == "disagrees_with_consensus"
    added = {t["args"] for t in not_97.details["differential"]["new_tests"]}
    assert "(97,)" in added and len(added) == 4  # three of ODD's, then NOT_97's own


def test_a_candidate_s_prints_do_not_fail_the_comparison(cv: CodeVerifier) -> None:
    """Every call printing 20 kB went to the job's stderr, which a 201-input comparison ran past
    its limit: ``infra_error`` for every solution. A candidate's output now goes nowhere."""
    noisy = TRIAL.replace("    if n <= 1:", "    print('.' * 20000)\n    if n <= 1:")
    written = [{"args": [n], "expected": n in (2, 3, 5)} for n in range(1, 7)]
    for verdict in cv.verify([noisy, ODDS], written, "is_prime", PRIME):
        assert verdict.accepted, verdict.reason
        assert verdict.details["differential"]["enumerated"] == 201


# Right in the harness (wrong on 49, 77, 91); in the comparison job it leaves a process behind
# that kills every process the driver starts after it, so that the others' outputs become
# timeouts and no majority is left to outvote it.
SABOTEUR = (
    BY_SIX
    + """
import os as _os
import time as _time

_me, _driver = _os.getpid(), _os.getppid()
if _os.path.isdir("_vd") and _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _end = _time.monotonic() + 20
        while _time.monotonic() < _end:
            for _pid in filter(str.isdigit, _os.listdir("/proc")):
                try:
                    with open(f"/proc/{_pid}/stat") as _f:
                        _ppid = int(_f.read().rsplit(")", 1)[1].split()[1])
                    if _ppid == _driver and int(_pid) != _me:
                        _os.kill(int(_pid), 9)
                except (OSError, ValueError, IndexError):
                    pass
    _os._exit(0)
"""
)


def test_a_candidate_cannot_silence_the_others_in_the_comparison(cv: CodeVerifier) -> None:
    """Each candidate runs in a job of its own, and the sandbox ends every process of a job
    with it: what the saboteur leaves behind never sees the others run."""
    written = [
        {"args": [2], "expected": True},
        {"args": [9], "expected": False},
        {"args": [17], "expected": True},
    ]
    saboteur, trial, odds = cv.verify([SABOTEUR, TRIAL, ODDS], written, "is_prime", PRIME)
    assert trial.accepted and odds.accepted, (trial.reason, odds.reason)
    assert saboteur.reason == "disagrees_with_consensus", saboteur.reason
    assert saboteur.details["differential"]["disagreeing_inputs"] == 3


def test_same_seed_same_inputs(cv: CodeVerifier) -> None:
    first = cv.verify([BAD, LOOP], WEAK, "clamp_sum", SIGNATURE, reference=GOOD)[0]
    again = cv.verify([BAD, LOOP], WEAK, "clamp_sum", SIGNATURE, reference=GOOD)[0]
    assert first.details["differential"]["new_tests"] == again.details["differential"]["new_tests"]


def test_consensus_drops_a_wrong_test_and_rejects_the_odd_one_out(cv: CodeVerifier) -> None:
    tests = [*WEAK, {"args": [[2, 2], 10], "expected": 4}, WRONG_TEST]
    odd = SIGNATURE + "\n    return sum(xs) if sum(xs) < 4 else -1\n"
    loop, good, wrong = cv.verify([LOOP, GOOD, odd], tests, "clamp_sum", SIGNATURE)
    assert loop.accepted and good.accepted
    assert wrong.reason == "tests_failed"
    assert "case:4" in loop.details["dropped_tests"]
    assert "consensus" in loop.details["dropped_tests"]["case:4"]["why"]


def test_too_few_trusted_tests(cv: CodeVerifier) -> None:
    [v] = cv.verify([GOOD], WEAK[:2], "clamp_sum", SIGNATURE)
    assert v.reason == "too_few_trusted_tests"
    [v] = cv.verify([GOOD], [*WEAK[:2], WRONG_TEST], "clamp_sum", SIGNATURE, reference=GOOD)
    assert v.reason == "too_few_trusted_tests"


def test_weak_suite_is_flagged_by_mutation() -> None:
    require("bwrap")
    source = (
        "def grade(score: int) -> str:\n"
        + "".join(
            f"    if score >= {bar}:\n        return {letter!r}\n"
            for bar, letter in ((90, "A"), (80, "B"), (70, "C"))
        )
        + "    return 'F'\n"
    )
    only_a = [{"args": [s], "expected": "A"} for s in (95, 99, 100)]
    every = [
        *only_a,
        {"args": [85], "expected": "B"},
        {"args": [75], "expected": "C"},
        {"args": [10], "expected": "F"},
    ]
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=8, differential=False), 2) as cv:
        [weak] = cv.verify([source], only_a, "grade")
        [strong] = cv.verify([source], every, "grade")
    assert weak.reason == "weak_tests"
    assert weak.details["mutation_score"] < 0.5
    assert weak.details["mutation"]["survivors"]
    assert strong.accepted and strong.details["mutation_score"] >= 0.5


def test_stdin_stdout_cases(cv: CodeVerifier) -> None:
    program = "a, b = map(float, input().split())\nprint(a / b, '  ')\nprint()\n"
    cases = [
        {"input": "1 3\n", "output": "0.333333333\n"},
        {"input": "4 2", "output": "2.0"},
        {"input": "9 3", "output": "3.0\n"},
    ]
    [v] = cv.verify([program], None, io_cases=cases)
    assert v.accepted, v.details
    [v] = cv.verify(["print('nope')\n"], None, io_cases=cases)
    assert v.reason == "tests_failed"


def test_a_hang_is_a_timeout_not_a_wrong_answer() -> None:
    require("bwrap")
    hang = "def f(x):\n    while x >= 0:\n        pass\n    return x\n"
    tests = [
        {"args": [-1], "expected": -1},
        {"args": [1], "expected": 1},
        {"args": [-2], "expected": -2},
    ]
    with CodeVerifier(CodeOptions(backend="bwrap", timeout_s=3, mutants=0), 1) as cv:
        [v] = cv.verify([hang], tests, "f")
    assert v.reason == "timeout"


def test_averify_from_asyncio(cv: CodeVerifier) -> None:
    async def main() -> list[list[str]]:
        runs = [cv.averify([GOOD, None], WEAK, "clamp_sum", SIGNATURE) for _ in range(3)]
        return [[v.reason for v in vs] for vs in await asyncio.gather(*runs)]

    assert asyncio.run(main()) == [["accepted", "no_code"]] * 3


def test_verdict_details_carry_what_the_export_reads(cv: CodeVerifier) -> None:
    [v] = cv.verify([GOOD], WEAK, "clamp_sum", SIGNATURE)
    d = v.details
    assert v.verifier == "code" and d["backend"] == "bwrap"
    assert d["sandbox_version"].startswith("bwrap:")
    assert set(d["limits"]) == {"timeout_s", "call_timeout_s", "memory_mb"}
    assert [t["outcome"] for t in d["tests_run"]] == ["passed"] * 3


def test_a_fault_in_the_verifier_is_an_infra_error_never_a_verdict(cv: CodeVerifier) -> None:
    """A broken user-supplied input strategy stops nothing and convicts nobody: every open
    solution is ``infra_error`` with the exception named, and the next problem is judged."""

    def broken(_: object) -> tuple[object, ...]:
        raise KeyError("bug in the caller's strategy")

    strategy = st.tuples(st.lists(st.integers()), st.integers()).map(broken)
    verdicts = cv.verify([GOOD, LOOP, None], WEAK, "clamp_sum", SIGNATURE, strategy=strategy)
    assert [(v.outcome, v.reason) for v in verdicts] == [
        (Outcome.INFRA_ERROR, "verifier_error"),
        (Outcome.INFRA_ERROR, "verifier_error"),
        (Outcome.REJECTED, "no_code"),
    ]
    assert "KeyError" in verdicts[0].details["error"]
    assert verdicts[0].details["at"][-1].endswith(" broken")  # where to look, for a bug report
    [after] = cv.verify([GOOD], WEAK, "clamp_sum", SIGNATURE)
    assert after.accepted, after.reason


def test_a_loop_of_asserts_is_as_many_checks_as_it_runs(cv: CodeVerifier) -> None:
    loop = "def test_many():\n    for x in range(5):\n        assert clamp_sum([x], 10) == x\n"
    [v] = cv.verify([GOOD], loop, "clamp_sum", SIGNATURE)
    assert (v.details["tests_total"], v.details["checks_passed"]) == (1, 5)
    assert v.reason != "too_few_trusted_tests"


def test_a_test_that_asserts_nothing_is_too_few_even_when_trusted(cv: CodeVerifier) -> None:
    nothing = "def test_runs():\n    clamp_sum([1], 2)\n"
    for trusted in (False, True):
        [v] = cv.verify([GOOD], nothing, "clamp_sum", SIGNATURE, trusted_suite=trusted)
        assert v.reason == "too_few_trusted_tests"
        assert v.details["checks_passed"] == 0


def test_unittest_assert_methods_count_once_each(cv: CodeVerifier) -> None:
    code = (
        "import unittest\n\nclass T(unittest.TestCase):\n    def test_a(self):\n"
        "        self.assertEqual(clamp_sum([1, 2], 9), 3)\n"
        "        self.assertEqual([clamp_sum([1], 9)], [1])\n"  # runs assertListEqual inside
        "        self.assertTrue(clamp_sum([], 9) == 0)\n"
    )
    [v] = cv.verify([GOOD], code, "clamp_sum", SIGNATURE)
    assert v.details["checks_passed"] == 3
    assert v.reason != "too_few_trusted_tests"


FORGER = (
    GOOD
    + """
import json
import sys
FORGED = [[{"id": "test_one", "outcome": "passed", "checks": 99}]]
print(json.dumps({"nonce": "x", "runs": [{"results": FORGED}]}))

def __verigen_check_passed__():
    return None

_host = sys.modules.get("solhost")
if _host is not None:  # export the counter's name, so the test namespace would hold a proxy
    _exported = _host.exported

    def _more(ns):
        names, values = _exported(ns)
        return [*names, "__verigen_check_passed__"], values

    _host.exported = _more
"""
)


def test_a_solution_cannot_change_its_own_check_count(cv: CodeVerifier) -> None:
    one = "def test_one():\n    assert clamp_sum([1], 9) == 1\n"
    [v] = cv.verify([FORGER], one, "clamp_sum", SIGNATURE)
    assert v.reason == "too_few_trusted_tests"
    assert v.details["checks_passed"] == 1


def test_an_answer_that_shortens_a_loop_makes_too_few_checks(cv: CodeVerifier) -> None:
    """The suite checks each element returned; an empty answer passes it by checking nothing."""
    sig = "def evens(n: int) -> list[int]:"
    good = sig + "\n    return [i for i in range(n) if i % 2 == 0]\n"
    empty = sig + "\n    return []\n"
    tests = "def test_all_even():\n    for x in evens(10):\n        assert x % 2 == 0\n"
    [g, e] = cv.verify([good, empty], tests, "evens", sig)
    assert g.details["checks_passed"] == 5 and g.reason != "too_few_trusted_tests"
    assert (e.reason, e.details["checks_passed"]) == ("too_few_trusted_tests", 0)


SHADOW = "def abs(x):\n    return 0\n\ndef mean(xs: list[float]) -> float:\n    return 12345.0\n"
CLOSE = "".join(
    f"assert abs(mean({xs}) - {m}) < 1e-6\n"
    for xs, m in (([1.0], 1.0), ([2.0, 4.0], 3.0), ([0.0], 0.0))
)


@pytest.mark.parametrize("prefix", ["", "from solution import *\n"], ids=["names", "star"])
def test_a_solution_cannot_shadow_the_builtins_its_tests_use(cv: CodeVerifier, prefix: str) -> None:
    """``abs`` here is the test's, not the solution's: a wrong mean is caught."""
    [v] = cv.verify([SHADOW], prefix + CLOSE, "mean")
    assert v.reason == "tests_failed", v.details


def test_an_entry_point_named_like_a_builtin_is_still_the_solution(cv: CodeVerifier) -> None:
    total = (
        "def sum(xs: list[int]) -> int:\n    t = 0\n    for x in xs:\n        t += x\n"
        "    return t\n"
    )
    tests = "".join(f"assert sum({xs}) == {sum(xs)}\n" for xs in ([1, 2], [5], [-3, 3, 4]))
    [v] = cv.verify([total], tests, "sum")
    assert v.details["tests_passed"] == 3, v.details


# The 1.5B model's bench c18: its test writer expected the dot of a hidden file to go, and the
# one program that deletes every "." passed all five cases, while three others failed elsewhere.
PATH_SIGNATURE = "def normalize_path(path: str) -> str:"
PATH_TESTS = [
    {"args": ["/"], "expected": "/"},
    {"args": ["/a/b/c"], "expected": "/a/b/c"},
    {"args": ["/a/./b/../../c"], "expected": "/c"},
    {"args": ["/a//b/"], "expected": "/a/b"},
    {"args": ["/home/user/.config"], "expected": "/home/user/config"},
]
DOTS_GONE = (
    "import os\n\n" + PATH_SIGNATURE + "\n"
    "    normalized = os.path.normpath(path).replace('.', '')\n"
    "    return normalized if normalized == '/' else normalized.rstrip('/')\n"
)
NO_ROOT = (
    PATH_SIGNATURE + "\n    parts = [p for p in path.split('/') if p not in ('', '.')]\n"
    "    return '/'.join(parts)\n"
)


def test_a_model_s_tests_passed_by_one_solution_alone_keep_nothing(cv: CodeVerifier) -> None:
    solutions = [DOTS_GONE, NO_ROOT, NO_ROOT.replace("parts", "kept")]
    lone, *others = cv.verify(solutions, PATH_TESTS, "normalize_path", PATH_SIGNATURE,
                              written_tests=True)  # fmt: skip
    assert lone.details["tests_passed"] == 5, "it passes every test the writer wrote"
    assert (lone.outcome, lone.reason) == (Outcome.REJECTED, "unconfirmed_tests")
    assert lone.details["solutions_passing"] == 1
    assert all(o.reason == "tests_failed" for o in others)

    # a user's own suite (`verigen verify`, a benchmark) is not a model's word: one solution
    # passing it stands, as before
    [own] = cv.verify([DOTS_GONE], PATH_TESTS, "normalize_path", PATH_SIGNATURE)
    assert own.accepted, own.reason


def test_two_solutions_passing_a_model_s_tests_confirm_them(cv: CodeVerifier) -> None:
    right = (
        PATH_SIGNATURE + "\n    parts = []\n    for p in path.split('/'):\n"
        "        if p == '..':\n            parts = parts[:-1]\n"
        "        elif p not in ('', '.'):\n            parts.append(p)\n"
        "    return '/' + '/'.join(parts)\n"
    )
    also_right = (
        "import posixpath\n\n" + PATH_SIGNATURE + "\n"
        "    return '/' + posixpath.normpath('/' + path).lstrip('/')\n"
    )
    tests = PATH_TESTS[:4]
    verdicts = cv.verify([right, also_right], tests, "normalize_path", PATH_SIGNATURE,
                         written_tests=True)  # fmt: skip
    assert [v.reason for v in verdicts] == ["accepted", "accepted"], verdicts
    assert verdicts[0].details["solutions_passing"] == 2
    # an easy problem's samples often coincide: the same program twice is what it can give
    twice = cv.verify([right, right], tests, "normalize_path", PATH_SIGNATURE,
                      written_tests=True)  # fmt: skip
    assert [v.reason for v in twice] == ["accepted", "accepted"], twice
