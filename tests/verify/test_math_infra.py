"""A failing machine is never a wrong answer: timeouts, killed workers and checker errors.

Every failure here is real: a check made slow by an options value (a million numeric probes
of ``sin^2 x + cos^2 x = 1``) runs past its limit in a worker process; a worker running it is
killed with SIGKILL by pid; a checker bug is an options value the checker cannot use. Each
must give ``infra_error`` (``unverifiable`` after two timeouts), in a reference check and in
a vote, and never a rejection.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import psutil
import pytest

from verigen.records import Outcome, Verdict
from verigen.verify.math import MathOptions, MathVerifier, Vote

T = TypeVar("T")
SLOW_GOLD, SLOW_PRED = r"\sin^2 x + \cos^2 x", "1"
VOTE = [r"so $\boxed{\sin^2 x + \cos^2 x}$", r"$\boxed{1}$", r"hence \boxed{1}"]
"""Samples 1 and 2 agree with each other; their comparison with sample 0 is the slow one."""


def slow(timeout_s: float) -> MathOptions:
    """Options under which the symbolic comparison above takes far longer than ``timeout_s``."""
    return MathOptions(timeout_s=timeout_s, retry_factor=2.0, numeric_probes=10**6)


def broken() -> MathOptions:
    """Options the checker fails on (a checker bug stands for any exception in a worker)."""
    opts = MathOptions()
    object.__setattr__(opts, "numeric_probes", "many")  # the frozen record, corrupted
    return opts


def test_a_timeout_is_retried_longer_then_unverifiable() -> None:
    with MathVerifier(slow(0.3), workers=1) as mv:
        started = time.perf_counter()
        verdict = mv.check(SLOW_GOLD, SLOW_PRED)
        took = time.perf_counter() - started
        assert mv.check("1/2", "0.5").accepted  # the pool still works
    assert verdict.outcome is Outcome.INFRA_ERROR and verdict.reason == "unverifiable"
    assert verdict.details["first_try"] == "timeout"
    assert "both tries" in verdict.details["why"]
    assert took >= 0.3 + 0.6  # the second try ran with the longer limit


def test_a_slow_first_try_that_finishes_on_retry_is_a_real_verdict() -> None:
    """A loaded machine: the first limit is too short for an ordinary symbolic check, the
    retry's is not."""
    opts = MathOptions(timeout_s=0.005, retry_factor=100.0)
    with MathVerifier(opts, workers=1) as mv:
        verdict = mv.check(r"\frac{x^2-1}{x-1}", "x+1")
    assert verdict.outcome is Outcome.ACCEPTED, verdict


def test_acheck_retries_timeouts_too() -> None:
    with MathVerifier(slow(0.3), workers=1) as mv:
        verdict = asyncio.run(mv.acheck(SLOW_GOLD, SLOW_PRED))
    assert verdict.outcome is Outcome.INFRA_ERROR and verdict.reason == "unverifiable"


def test_a_checker_error_is_infra_in_a_reference_check() -> None:
    with MathVerifier(broken(), workers=1) as mv:
        verdict = mv.check(SLOW_GOLD, SLOW_PRED)
    assert verdict.outcome is Outcome.INFRA_ERROR and verdict.reason == "checker_error"
    assert "TypeError" in verdict.details["error"]


def test_a_killed_worker_is_infra_in_a_reference_check() -> None:
    with MathVerifier(slow(120.0), workers=1) as mv:
        verdict = _while_killing_busy_workers(mv, lambda: mv.check(SLOW_GOLD, SLOW_PRED))
    assert verdict.outcome is Outcome.INFRA_ERROR and verdict.reason == "worker_crashed"
    assert verdict.details["first_try"] == "worker_crashed"


def _assert_unsettled(vote: Vote, reason: str) -> None:
    assert vote.unsettled and vote.accepted_indices == () and vote.answer is None
    verdicts: list[Verdict] = [vote.verdict(i) for i in range(len(VOTE))]
    assert all(v.outcome is Outcome.INFRA_ERROR for v in verdicts), verdicts
    assert {v.reason for v in verdicts} == {"vote_unsettled"}
    assert [list(p) for p in vote.unknown_pairs] == [[1, 0, reason]]
    assert verdicts[0].details["unknown_pairs"] == [[1, 0, reason]]


def test_a_timeout_in_a_vote_unsettles_it() -> None:
    with MathVerifier(slow(0.3), workers=1) as mv:
        vote = mv.vote(VOTE, min_share=0.5)
    _assert_unsettled(vote, "unverifiable")


def test_a_checker_error_in_a_vote_unsettles_it() -> None:
    with MathVerifier(broken(), workers=1) as mv:
        vote = mv.vote(VOTE, min_share=0.5)
    _assert_unsettled(vote, "checker_error")


def test_a_killed_worker_in_a_vote_unsettles_it() -> None:
    with MathVerifier(slow(120.0), workers=1) as mv:
        vote = _while_killing_busy_workers(mv, lambda: mv.vote(VOTE, min_share=0.5))
    _assert_unsettled(vote, "worker_crashed")


def test_an_unknown_pair_that_cannot_change_the_vote_leaves_it_settled() -> None:
    """Four samples agree; the fifth, whose comparison times out, could not outvote them: the
    majority stands, and only the fifth sample's own verdict is infra_error."""
    preds = [r"\boxed{1}"] * 4 + [r"\boxed{\sin^2 x + \cos^2 x}"]
    with MathVerifier(slow(0.3), workers=1) as mv:
        vote = mv.vote(preds, min_share=0.5)
    assert not vote.unsettled and vote.accepted_indices == (0, 1, 2, 3) and vote.answer == "1"
    assert vote.floating == (4,)
    fifth = vote.verdict(4)
    assert fifth.outcome is Outcome.INFRA_ERROR and fifth.reason == "vote_comparison_unknown"
    assert vote.verdict(0).outcome is Outcome.ACCEPTED


def test_retry_factor_is_validated() -> None:
    with pytest.raises(ValueError, match="retry_factor"):
        replace(MathOptions(), retry_factor=0.5)


def _while_killing_busy_workers(mv: MathVerifier, call: Callable[[], T]) -> T:
    """Run ``call`` on a thread while SIGKILLing every worker of ``mv`` that is busy with a
    task: one whose CPU time grows past what warming up a worker costs (measured first)."""
    assert mv.check("1/2", "0.5").accepted  # the worker is warm
    forkserver = _forkserver()
    before = {p.pid: _cpu(p) for p in forkserver.children()}
    warm_cost = _cpu(max(forkserver.children(), key=lambda p: p.create_time()))  # mv's own
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    while thread.is_alive():
        for worker in forkserver.children():
            baseline = before.get(worker.pid, 0.0)
            if _cpu(worker) - baseline > 1.5 * warm_cost + 0.5:
                worker.kill()
        thread.join(timeout=0.1)
    return result[0]


def _forkserver() -> psutil.Process:
    for child in psutil.Process().children():
        if "forkserver" in " ".join(child.cmdline()):
            return child
    raise AssertionError("no forkserver: the pool must have started one")


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:  # already gone
        return 0.0
    return times.user + times.system
