"""The harness's pieces without a sandbox: plain-data codec, test plans, and the host's decision
rules against forged, foreign, partial and missing verdict frames."""

from __future__ import annotations

import ast
import json
import math
import os
from pathlib import Path

import pytest

from verigen.sandbox import Result, Status, TestSuite
from verigen.sandbox.harness.codec import NotPlainData, decode, digest, encode
from verigen.sandbox.harness.runner import CHECKS, SolutionError, _rebuild, count_asserts, plan
from verigen.sandbox.harness.server import wipe
from verigen.sandbox.seccomp import program
from verigen.sandbox.verdict import decide

PLAIN = [
    None,
    True,
    0,
    1,
    -(10**30),
    1.5,
    "s",
    b"\x00\xff",
    1 + 2j,
    [1, [2]],
    (1, (2,)),
    {1: "a", "k": (1, 2)},
    {1, 2},
    frozenset({3}),
]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_codec_round_trip_keeps_exact_types(value: object) -> None:
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value and type(back) is type(value)


def test_codec_keeps_bool_int_float_apart_and_nan() -> None:
    assert [type(v) for v in decode(encode([True, 1, 1.0]))] == [bool, int, float]
    assert math.isnan(decode(json.loads(json.dumps(encode(float("nan"))))))


class LyingInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("value", [LyingInt(3), object(), [1, LyingInt(2)], {"k": print}])
def test_codec_refuses_anything_not_exactly_builtin(value: object) -> None:
    with pytest.raises(NotPlainData):
        encode(value)


@pytest.mark.parametrize("data", [{"x": 1}, {"l": 1}, {"d": [[1]]}, {"l": [], "t": []}, [1]])
def test_codec_refuses_malformed_data(data: object) -> None:
    with pytest.raises(ValueError):
        decode(data)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({i: str(i) for i in range(50)}, {i: str(i) for i in reversed(range(50))}),
        ({"b", "a", "c"}, {"c", "b", "a"}),
        ([0.1 + 0.2, 1e300], [0.3, 1e300 * (1 + 1e-15)]),
        (frozenset({(1, 2.5)}), frozenset({(1, 2.5000000000001)})),
    ],
)
def test_digest_is_the_same_for_values_compared_equal(a: object, b: object) -> None:
    """An output too long to send whole is compared by digest: dict and set order, and float
    noise in the last bits, must not make two equal outputs look different."""
    assert digest(a) == digest(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [([1, 2], (1, 2)), ([1], [1.0]), ([True], [1]), ({"a": 1}, {"a": 2}), ([0.5], [0.5001])],
)
def test_digest_tells_apart_what_comparison_tells_apart(a: object, b: object) -> None:
    assert digest(a) != digest(b)


def test_plan_lists_asserts_functions_and_testcase_methods() -> None:
    code = (
        "x = 1\nassert f(1) == 2\ndef test_a():\n    assert f(2)\n"
        "import unittest\nclass T(unittest.TestCase):\n    def test_b(self): pass\n"
        "    def helper(self): pass\n"
    )
    assert plan({"kind": "code", "code": code}) == ["assert:2", "test_a", "T.test_b"]


SUITE = [TestSuite.asserts("assert f(1) == 1\nassert f(2) == 2\n")]


def ok(stdout: dict[str, object] | bytes) -> Result:
    body = stdout if isinstance(stdout, bytes) else json.dumps(stdout).encode()
    return Result(status=Status.OK, exit_code=0, stdout_bytes=body)


def passed(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "outcome": "passed"} for i in ids]


def runs(*results: object) -> list[dict[str, object]]:
    """The frame's ``runs``: one entry per solution, each with its per-suite results."""
    return [{"results": r} for r in results]


def test_decide_accepts_a_complete_frame_with_our_nonce() -> None:
    frame = {"nonce": "n", "runs": runs([passed("assert:1", "assert:2")])}
    assert decide(ok(frame), SUITE, "n").passed


@pytest.mark.parametrize(
    "frame",
    [
        {"nonce": "other", "runs": runs([passed("assert:1", "assert:2")])},  # foreign nonce
        {"nonce": "n", "runs": runs([passed("assert:1")])},  # a test missing
        {"nonce": "n", "runs": runs([passed("assert:1", "assert:1", "extra")])},  # wrong ids
        {"nonce": "n", "runs": runs([])},  # wrong suite count
        {"nonce": "n", "runs": runs([passed("assert:1", "assert:2")], [])},  # a run too many
        {"nonce": "n", "runs": []},  # no run
        {"nonce": "n", "runs": runs("assert:1 passed")},  # not a list of suites
        {"nonce": "n", "results": [passed("assert:1", "assert:2")]},  # the old frame layout
        {
            "nonce": "n",
            "runs": runs([[{"id": "assert:1", "outcome": "PASSED"}, *passed("assert:2")]]),
        },
        b"ALL_TESTS_PASSED\n",  # a marker, not a frame
        b"",  # nothing at all
    ],
)
def test_decide_fails_anything_else(frame: dict[str, object] | bytes) -> None:
    report = decide(ok(frame), SUITE, "n")
    assert not report.passed and not report.infra_error


def test_decide_requires_a_clean_job_end() -> None:
    frame = json.dumps({"nonce": "n", "runs": runs([passed("assert:1", "assert:2")])}).encode()
    r = Result(status=Status.TIMEOUT, stdout_bytes=frame)
    assert not decide(r, SUITE, "n").passed


def test_sandbox_error_is_infra_not_wrong() -> None:
    report = decide(Result.sandbox_error("engine gone", "docker"), SUITE, "n")
    assert not report.passed and report.infra_error


def test_seccomp_program_is_whole_instructions() -> None:
    prog = program()
    assert len(prog) % 8 == 0 and 0 < len(prog) // 8 < 4096


def test_asserts_of_test_code_count_themselves_once_passed() -> None:
    """What the runner compiles: each assert that passes calls the counter once; one that
    fails raises before reaching it; asserts in functions and loops count each time they run."""
    tree = ast.parse(
        "def helper(v):\n    assert v >= 0\n"
        "for i in range(4):\n    helper(i)\n    assert i < 4\n"
        "assert False, 'stop'\n"
    )
    seen: list[int] = []
    ns = {CHECKS: lambda: seen.append(1)}
    with pytest.raises(AssertionError, match="stop"):
        exec(count_asserts(tree.body), ns)
    assert len(seen) == 8


@pytest.mark.parametrize("kind", ["StopIteration", "StopAsyncIteration", "GeneratorExit"])
def test_iteration_enders_from_the_solution_reach_tests_as_errors(kind: str) -> None:
    """A solution's StopIteration rebuilt as itself would end a ``map`` over the candidate's
    calls quietly: ``all(map(...))`` of nothing passes (attack 152)."""
    exc = _rebuild({"type": kind, "message": "", "traceback": ""})
    assert isinstance(exc, SolutionError) and kind in str(exc)
    assert not isinstance(exc, StopIteration | StopAsyncIteration)


def test_other_builtin_exceptions_are_rebuilt_as_themselves() -> None:
    assert type(_rebuild({"type": "ValueError", "message": "m"})) is ValueError
    assert type(_rebuild({"type": "LookupError", "message": "m"})) is LookupError


def test_wipe_empties_a_tree_deeper_than_the_stack_and_path_max(tmp_path: Path) -> None:
    """The server's clean-up after a job: a 3000-level tree (a recursive wipe overflowed at
    1500, attack 113; its paths pass PATH_MAX), a link out of it left alone, odd modes."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    top = tmp_path / "scratch"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for i in range(3000):
        os.mkdir("d", dir_fd=fd)
        os.close(os.open(f"f{i % 3}", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.symlink(outside, "out", dir_fd=fd)
    os.close(fd)
    (top / "d").chmod(0o500)
    assert wipe(str(top)) and os.listdir(top) == []
    assert os.listdir(outside) == ["keep"]
    assert not wipe(str(tmp_path / "absent"))
