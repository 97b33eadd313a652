"""Several solutions judged in one harness job (``Pool.run_tests_batch``, how mutants run): each
gets its own verdict, its own processes and its own time budget, and stops at its first failing
test; one solution's crash, hang or forged output never decides another's verdict."""

from __future__ import annotations

from verigen.sandbox import Limits, Pool

TESTS = "assert f(1) == 2\nassert f(2) == 3\nassert f(3) == 4\n"
RIGHT = "def f(x):\n    return x + 1\n"
WRONG_FIRST = "def f(x):\n    return x\n"
WRONG_LAST = "def f(x):\n    return 5 if x == 3 else x + 1\n"
LOOPS = "def f(x):\n    while True:\n        pass\n"
CRASHES = "import os\n\ndef f(x):\n    os._exit(3)\n"
BROKEN = "def f(x)\n    return x + 1\n"
FORGES = RIGHT + "import sys\n" + 'print(\'{"nonce": "x", "runs": []}\')\n' + "sys.stdout.flush()\n"


def test_each_solution_gets_its_own_verdict_and_stops_at_its_first_failure(sandbox: Pool) -> None:
    sources = [RIGHT, WRONG_FIRST, WRONG_LAST, LOOPS, CRASHES, BROKEN, FORGES, RIGHT]
    reports = sandbox.run_tests_batch(sources, TESTS, Limits(wall_s=2.0), call_timeout=0.5)
    assert [r.passed for r in reports] == [True, False, False, False, False, False, True, True]
    assert not any(r.infra_error for r in reports)
    outcomes = [[t.outcome for t in r.tests[0]] for r in reports]
    assert outcomes[1] == ["failed", "missing", "missing"]  # fail-fast: nothing after the first
    assert outcomes[2] == ["passed", "passed", "failed"]
    assert outcomes[3][0] == "timeout"  # its call limit, not the whole job's
    assert outcomes[4][0] == "error"
    assert "failed to load" in reports[5].reason
    assert reports[0].checks == ((1, 1, 1),)  # a passed test's asserts are counted


def test_a_hang_spends_only_its_own_budget(sandbox: Pool) -> None:
    """Per-call limit off (the whole per-solution budget): the looping solution's budget runs
    out and the one after it is still judged in full."""
    reports = sandbox.run_tests_batch([LOOPS, RIGHT], TESTS, Limits(wall_s=1.5), call_timeout=1.5)
    assert [r.passed for r in reports] == [False, True]
    assert reports[0].tests[0][0].outcome == "timeout"


def test_a_single_solution_batch_matches_run_tests(sandbox: Pool) -> None:
    for source in (RIGHT, WRONG_LAST):
        [batch] = sandbox.run_tests_batch([source], TESTS, Limits(wall_s=2.0), 1.0)
        alone = sandbox.run_tests(source, TESTS, Limits(wall_s=2.0), 1.0)
        assert batch.passed == alone.passed
