"""Wrong solutions (and wrong tests) trying to get *kept* by the code verifier: one level above
the sandbox's own attack table (``tests/sandbox/attacks``). Each row is an attack, the problem
it is run on and the verdict it must get, through the real verifier and sandbox.

The problem: ``clamp_sum(xs, cap)``, ``min(sum(xs), cap)``, with three weak tests (no sum
reaches 50); every wrong program below is right on them and wrong from a sum of 50 on (or
wrong only where it can tell it is not in the differential job). Setups:

- ``ref``: the attack alone, with a reference solution;
- ``majority``: no reference, the attack beside two right programs (the majority decides);
- ``lone``: no reference, the attack alone on the weak tests, 8 mutants (the mutation score
  is the only thing between it and a keep).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends import require
from tests.verify.clamp_sum import GOOD, LOOP, SIGNATURE, WEAK
from verigen.records import Outcome
from verigen.verify.code import CodeOptions, CodeVerifier

pytestmark = pytest.mark.slow

HEAD = SIGNATURE + "\n"
WRONG = "    s = sum(xs)\n    return s if s < 50 else cap\n"


def detecting(condition: str, there: str = "return min(sum(xs), cap)") -> str:
    """Right (or ``there``) where ``condition`` says it runs in the differential job, wrong
    from a sum of 50 on elsewhere."""
    return f"import os, sys\n{HEAD}    if {condition}:\n        {there}\n{WRONG}"


DETECTORS = {
    "no __file__ global": "'__file__' not in globals()",
    "argv names the driver": "'driver' in ' '.join(sys.argv)",
    "caller frame is _child": "sys._getframe(1).f_code.co_name == '_child'",
    "driver directory on disk": "os.path.isdir('_vd')",
    "/proc/self/cmdline": "b'driver' in open('/proc/self/cmdline', 'rb').read()",
    "stderr is /dev/null": "os.path.realpath('/proc/self/fd/2') == '/dev/null'",
    "codec module loaded, no solhost": (
        "'codec' in sys.modules and 'solhost' not in str(sys.modules)"
    ),
    "inspect.stack() names _collect": (
        "any(f.function == '_collect' for f in __import__('inspect').stack())"
    ),
}
DRIVER_ATTACKS = {
    f"right in the differential job ({k})": detecting(v) for k, v in DETECTORS.items()
}
DRIVER_ATTACKS |= {
    # Raising in the driver everywhere makes every input a "loss": the tests made from them are
    # the smallest inputs, where it is right (a keep of code-1.11).
    "raises everywhere in the differential job": detecting(
        "'__file__' not in globals()", "raise ValueError('no')"
    ),
    "SystemExit in the differential job": detecting(
        "'__file__' not in globals()", "raise SystemExit(0)"
    ),
    "os._exit in the differential job": detecting("'__file__' not in globals()", "os._exit(0)"),
    # Wrong on its first calls only: right on the differential job's small first inputs.
    "wrong on the first three calls only": (
        "N = [0]\n"
        + HEAD
        + "    N[0] += 1\n    if N[0] > 3:\n        return min(sum(xs), cap)\n"
        + WRONG
    ),
}
PLAIN_ATTACKS = {
    "plainly wrong from a sum of 50": HEAD + WRONG,
    "memoizes the first answer": "M = []\n" + HEAD + "    M or M.append(min(sum(xs), cap))\n"
    "    return M[0]\n",
    "mutates its argument": HEAD + "    r = min(sum(xs), cap)\n    xs.clear()\n    return r + 1\n",
    "returns NaN": HEAD + "    return float('nan')\n",
    "returns -0.0 for zero": HEAD + "    r = min(sum(xs), cap)\n    return -0.0 if r == 0 else r\n",
    "returns a huge int": HEAD + "    return 10 ** 5000\n",
    "returns a deeply nested list": HEAD + "    r = []\n    for _ in range(10 ** 5):\n"
    "        r = [r]\n    return r\n",
    "returns an int subclass whose __eq__ lies": (
        "class Any(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n" + HEAD + "    return Any(-1)\n"
    ),
    "reads the caller's frame for the expected value": (
        "import inspect\n" + HEAD + "    for f in inspect.stack():\n"
        "        for k in ('expected', 'exp', 'want'):\n"
        "            if k in f.frame.f_locals:\n                return f.frame.f_locals[k]\n"
        "    return -1\n"
    ),
    "reads the tests from disk": (
        "import glob, json, re\n" + HEAD + "    for p in glob.glob('**/*', recursive=True):\n"
        "        try:\n            text = open(p).read()\n        except OSError:\n"
        "            continue\n        m = re.search(r'\"expected\": (-?\\d+)', text)\n"
        "        if m:\n            return int(m.group(1))\n    return -1\n"
    ),
    "raises SystemExit": HEAD + "    raise SystemExit(0)\n",
    "raises KeyboardInterrupt": HEAD + "    raise KeyboardInterrupt\n",
    "os._exit(0) mid-test": "import os\n" + HEAD + "    os._exit(0)\n",
    "prints a fake frame and verdict": (
        "import sys\n" + HEAD + '    print(\'{"nonce": "0", "outputs": [], "runs": []}\')\n'
        "    sys.stderr.write('PASSED 3/3\\n')\n    return -1\n"
    ),
}


@pytest.fixture(scope="module")
def cv() -> Iterator[CodeVerifier]:
    require("bwrap")
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=0), workers=2) as verifier:
        yield verifier


@pytest.fixture(scope="module")
def mutating() -> Iterator[CodeVerifier]:
    require("bwrap")
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=8), workers=2) as verifier:
        yield verifier


def _row(name: str, source: str, setup: str, reason: str) -> Any:
    return pytest.param(source, setup, reason, id=f"{setup}: {name}")


WITH_REFERENCE = [_row(k, v, "ref", "disagrees_with_consensus") for k, v in DRIVER_ATTACKS.items()]
WITH_MAJORITY = [
    _row(k, v, "majority", "disagrees_with_consensus") for k, v in DRIVER_ATTACKS.items()
]
# Right on the weak tests (``-0.0 == 0`` as JSON compares): the differential job tells them apart.
PASSES_THE_WEAK_TESTS = {"plainly wrong from a sum of 50", "returns -0.0 for zero"}
PLAIN = [
    _row(k, v, s, "disagrees_with_consensus" if k in PASSES_THE_WEAK_TESTS else "tests_failed")
    for k, v in PLAIN_ATTACKS.items()
    for s in ("ref", "majority")
]
HONEST = [
    _row("right (min)", GOOD, "ref", "accepted"),
    _row("right (loop)", LOOP, "majority", "accepted"),
    _row(
        "right, reading its own __file__",
        "import os\n" + HEAD + "    os.path.exists(__file__)\n    return min(sum(xs), cap)\n",
        "majority",
        "accepted",
    ),
]


@pytest.mark.parametrize(
    ("source", "setup", "reason"), WITH_REFERENCE + WITH_MAJORITY + PLAIN + HONEST
)
def test_a_solution_cannot_fake_its_verdict(
    cv: CodeVerifier, source: str, setup: str, reason: str
) -> None:
    if setup == "ref":
        [verdict] = cv.verify([source], WEAK, "clamp_sum", SIGNATURE, reference=GOOD)
    else:
        verdict, *others = cv.verify([source, LOOP, GOOD], WEAK, "clamp_sum", SIGNATURE)
        assert all(o.accepted for o in others), [o.reason for o in others]
    assert verdict.reason == reason, verdict.details.get("differential")
    assert verdict.accepted is (reason == "accepted")


WRONG_B = HEAD + "    s = 0\n    for x in xs:\n        s += x\n    return cap if s >= 50 else s\n"


def test_two_wrong_programs_agreeing_do_not_outvote_the_right_one_under_the_strict_share() -> None:
    """Collusion: two distinct wrong programs that agree with each other. Under ``min_share``
    0.7 (the strict preset) 2 of 3 decide nothing; at the default 0.5 they do outvote it, which
    the pipeline's dispute check is there for (``docs/code-verify.md``)."""
    require("bwrap")
    with CodeVerifier(CodeOptions(backend="bwrap", mutants=0, min_share=0.7), workers=2) as strict:
        verdicts = strict.verify([HEAD + WRONG, WRONG_B, GOOD], WEAK, "clamp_sum", SIGNATURE)
    assert [v.reason for v in verdicts] == ["unresolved_disagreement"] * 3


@pytest.mark.parametrize(
    ("solutions", "reasons"),
    [
        pytest.param([HEAD + WRONG], ["unconfirmed_tests"], id="the wrong program alone"),
        pytest.param(
            [HEAD + WRONG, GOOD], ["unconfirmed_tests", "tests_failed"], id="beside a right one"
        ),
    ],
)
def test_a_model_test_only_a_wrong_program_passes_keeps_nothing(
    cv: CodeVerifier, solutions: list[str], reasons: list[str]
) -> None:
    """The test writer's misreading (a sum of 60 capped at 100 gives 100) shared by one
    program: a model's tests need two passing solutions."""
    written = [*WEAK, {"args": [[60], 100], "expected": 100}]
    verdicts = cv.verify(solutions, written, "clamp_sum", SIGNATURE, written_tests=True)
    assert [v.reason for v in verdicts] == reasons


# Right on the weak tests, with many mutation points they never reach: honest, its mutants
# mostly survive (score 0.375, ``weak_tests``).
UNREACHED = (
    HEAD
    + """    s = sum(xs)
    if s > 1000 and cap > 0 and len(xs) > 9:
        s = s - 1 + 2 - 3 + 4
        s = s + 1 - 2 + 3
    if s > 5000 or cap < -500:
        s = s + 2 - 1
    return s if s < cap else cap
"""
)
_SCOPE: dict[str, Any] = {}
exec(UNREACHED, _SCOPE)  # the hash the attack below carries is its own unmutated bytecode's
SELF_HASHED = (
    "import hashlib\n"
    + UNREACHED
    + "_c = clamp_sum.__code__\n"
    + "if hashlib.sha256(_c.co_code).hexdigest() != "
    + repr(hashlib.sha256(_SCOPE["clamp_sum"].__code__.co_code).hexdigest())
    + ":\n    raise ImportError('a mutant')\n"
)
SELF_CHECKED = (
    "_checked = []\n"
    + HEAD
    + "    if not _checked:\n        _checked.append(1)\n"
    + "        if clamp_sum([60], 100) != 100 or clamp_sum([1, 2], 10) != 3 "
    + "or clamp_sum([70], 20) != 20:\n"
    + "            raise ValueError('a mutant')\n"
    + WRONG
)
MUTANT_ATTACKS = [
    pytest.param(UNREACHED, "weak_tests", id="honest, weak tests"),
    pytest.param(
        "# a comment\n"
        + GOOD.replace("return", "t = 0\n    for x in xs:\n        t += x\n    return"),
        "accepted",
        id="honest, comments (dropped in mutants) change nothing",
    ),
    pytest.param(
        "# original\nif '# orig' + 'inal' not in open(__file__).read():\n"
        "    raise ImportError('a mutant')\n" + UNREACHED,
        "weak_tests",
        id="every mutant dies at load: its comment is gone (a keep of code-1.11)",
    ),
    pytest.param(
        "import os\n_seen = os.path.exists('.mark')\nopen('.mark', 'a').close()\n"
        "if _seen:\n    raise ImportError('not the first in the job')\n" + UNREACHED,
        "weak_tests",
        id="every process after the first in the mutants' job dies",
    ),
    pytest.param(
        "with open('.count', 'a+') as _f:\n    _f.seek(0)\n    _n = len(_f.read())\n"
        "    _f.write('x')\nif 1 <= _n <= 8:\n    raise ImportError('a mutant, by position')\n"
        + UNREACHED,
        "weak_tests",
        id="dies by its position in the mutants' job (a file it counts; a keep of code-1.12)",
    ),
    pytest.param(
        "import os\n_place = os.getpid()\n" + UNREACHED,
        "weak_tests",
        id="reads its pid, where its place in the job shows",
    ),
    pytest.param(SELF_HASHED, "weak_tests", id="checks a hash of its own bytecode (code-1.12)"),
    pytest.param(
        "import sys\n_seen = len(sys._getframe().f_code.co_code)\n" + UNREACHED,
        "weak_tests",
        id="reads its own module's code object from its frame",
    ),
    pytest.param(
        SELF_CHECKED,
        "weak_tests",
        marks=pytest.mark.xfail(
            strict=True,
            reason="a mutation score measures a suite against the program: a program that "
            "checks its own (wrong) outputs on its first call makes every mutant fail whatever "
            "the suite; only an independent solution or a reference can show it wrong",
        ),
        id="checks its own outputs on its first call, so its mutants die",
    ),
]


@pytest.mark.parametrize(("source", "reason"), MUTANT_ATTACKS)
def test_a_solution_cannot_fake_its_mutation_score(
    mutating: CodeVerifier, source: str, reason: str
) -> None:
    [verdict] = mutating.verify([source], WEAK, "clamp_sum", SIGNATURE)
    assert verdict.reason == reason, verdict.details.get("mutation")
    if reason == "accepted":
        assert verdict.outcome is Outcome.ACCEPTED


def test_a_solution_that_sees_its_own_code_is_not_the_one_mutated(mutating: CodeVerifier) -> None:
    """Two right programs, the first importing ``inspect``: the second is mutated, and the
    suite's score, measured on it, accepts both."""
    looking = "import inspect\n" + LOOP
    verdicts = mutating.verify([looking, LOOP], WEAK, "clamp_sum", SIGNATURE)
    assert [v.reason for v in verdicts] == ["accepted", "accepted"]
    assert verdicts[0].details["mutation"]["score"] >= 0.75
    [alone] = mutating.verify([looking], WEAK, "clamp_sum", SIGNATURE)
    assert alone.reason == "weak_tests"
    assert alone.details["mutation"] == {
        "score": None,
        "refused": {"0": "import of `inspect` at line 1"},
    }
