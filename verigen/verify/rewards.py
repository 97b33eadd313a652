"""Thin adapters from the verifiers to RL trainers and ``datasets.map``.

- ``MathReward``: a TRL GRPO reward function, ``(prompts, completions, **columns) ->
  list[float | None]``: 1.0 when the completion's final answer equals the row's ``answer``,
  0.0 when it does not, ``None`` for rows of another domain (TRL ignores ``None``, so math and
  code rewards can be listed side by side).
- ``compute_score``: the verl shape, ``(data_source, solution_str, ground_truth, extra_info)``,
  for math and code rows.
- ``MathBatchVerifier``: a ``Dataset.map(batched=True)`` callable adding the verdict columns
  (``verigen/schema.py``, the same as ``CodeBatchVerifier`` and ``verigen verify``) to
  rows of (completion, answer); ``schema.add_verdicts`` maps it with those columns typed.

Infrastructure errors are never scored 0.0: a wrong answer and a crashed checker must not look
the same to the trainer. By default they raise ``InfraError``; with ``on_infra_error="none"``
the reward is ``None`` and ``infra_errors`` counts them. ``MathBatchVerifier`` records them as
rows with outcome ``infra_error`` and ``verified`` null. Whatever the reason (a crashed worker,
``unverifiable``, ``vote_unsettled``, ``sandbox_error``), the outcome decides: ``reward_of``.

These objects are picklable (TRL and ``datasets`` may send them to other processes, verl to Ray
workers): the worker pool is started lazily, in the process that first calls them, and is not
pickled. Calls from several threads share one pool.

- ``CodeReward``: the same TRL shape for code rows: the completion's last fenced code block is
  run against the row's ``tests`` (JSON cases or test code) and ``entry_point`` in the sandbox;
  1.0 when it passes, 0.0 when it does not, ``None`` for rows of another domain. Code rows get
  ``None`` from ``MathReward`` and math rows ``None`` from ``CodeReward``, so both can be listed;
  ``compute_score`` scores ``verigen/code`` rows the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar, Literal

from verigen.errors import InfraError, InputError
from verigen.pyparse import parse_module
from verigen.records import Outcome, Verdict
from verigen.schema import verdict_batch
from verigen.verify.code import CodeOptions, CodeVerifier
from verigen.verify.lazy import LazyVerifier
from verigen.verify.math import MathOptions, MathVerifier
from verigen.verify.math import check as check_math

InfraPolicy = Literal["raise", "none"]
Completion = str | Sequence[dict[str, Any]]


class _LazyVerifier(LazyVerifier[MathVerifier]):
    """Owns a ``MathVerifier`` started on first use in the calling process, never pickled."""

    make = MathVerifier

    def __init__(self, options: MathOptions | None = None, workers: int = 2) -> None:
        super().__init__(options or MathOptions(), workers)

    def check_many(self, pairs: list[tuple[str, str]]) -> list[Verdict]:
        """Verdicts in input order; a pool that cannot take work is an ``InfraError``."""
        try:
            return self.verifier().check_many(pairs)
        except RuntimeError as exc:  # pebble: "The Pool is not active" and kin
            raise InfraError(f"math verifier pool unusable: {exc}") from exc


class _GrpoReward:
    """What the TRL rewards share: rows of another domain get ``None``, and an infra error
    raises ``InfraError`` or (``on_infra_error="none"``) gives ``None`` and counts in
    ``infra_errors``, never 0.0. Subclasses say how their domain's rows are judged."""

    domain: ClassVar[str]
    on_infra_error: InfraPolicy
    infra_errors: int

    def __call__(
        self, prompts: Sequence[Any], completions: Sequence[Completion], **columns: Any
    ) -> list[float | None]:
        del prompts
        domains = columns.get("domain") or [self.domain] * len(completions)
        todo = [i for i, d in enumerate(domains) if d == self.domain]
        rewards: list[float | None] = [None] * len(completions)
        try:
            verdicts = self.judge(todo, completions, columns)
        except InfraError:
            if self.on_infra_error == "raise":
                raise
            self.infra_errors += len(todo)
            return rewards
        for i, verdict in zip(todo, verdicts, strict=True):
            rewards[i] = self.score(verdict)
        return rewards

    def judge(
        self, rows: list[int], completions: Sequence[Completion], columns: dict[str, Any]
    ) -> list[Verdict]:
        """One verdict per row index in ``rows``; ``InfraError`` when nothing could be judged."""
        raise NotImplementedError

    def score(self, verdict: Verdict) -> float | None:
        """1.0 accepted, 0.0 rejected; an infra error raises or is ``None`` (and counted)."""
        reward = reward_of(verdict)
        if reward is None:
            if self.on_infra_error == "raise":
                raise _infra(verdict)
            self.infra_errors += 1
        return reward


class MathReward(_GrpoReward, _LazyVerifier):
    """TRL GRPO reward: ``reward_funcs=[MathReward()]`` with the RL export as train dataset."""

    __name__ = "verigen_math"
    """TRL logs each reward under its function's ``__name__``."""
    domain = "math"

    def __init__(
        self,
        options: MathOptions | None = None,
        workers: int = 2,
        on_infra_error: InfraPolicy = "raise",
        answer_column: str = "answer",
    ) -> None:
        super().__init__(options, workers)
        self.on_infra_error = on_infra_error
        self.answer_column = answer_column
        self.infra_errors = 0

    def judge(
        self, rows: list[int], completions: Sequence[Completion], columns: dict[str, Any]
    ) -> list[Verdict]:
        answers = columns.get(self.answer_column)
        if answers is None:
            raise KeyError(f"MathReward needs the {self.answer_column!r} column (RL export)")
        return self.check_many([(answers[i], completion_text(completions[i])) for i in rows])


class MathBatchVerifier(_LazyVerifier):
    """``add_verdicts(dataset, MathBatchVerifier())``: adds the verdict columns.

    Checks run in parallel across ``workers`` processes. Added columns: ``schema.VERDICT``
    (``verified`` is True, False, or null for an infra error; the test columns are null for
    math). A pool that cannot take work raises ``InfraError``: no row is written as wrong.
    """

    def __init__(
        self,
        options: MathOptions | None = None,
        workers: int = 2,
        completion_column: str = "completion",
        answer_column: str = "answer",
        keep_input: bool = False,
    ) -> None:
        super().__init__(options, workers)
        self.completion_column = completion_column
        self.answer_column = answer_column
        self.keep_input = keep_input
        """Return the batch's own columns too (``ray.data``'s ``map_batches`` needs them)."""

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        pairs = [
            (str(gold), completion_text(text))
            for gold, text in zip(
                batch[self.answer_column], batch[self.completion_column], strict=True
            )
        ]
        return verdict_batch(self.check_many(pairs), batch if self.keep_input else None)


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: dict[str, Any] | None = None,
) -> float:
    """verl's reward hook (``custom_reward_function.name: compute_score``).

    ``verigen/math``: ``ground_truth`` is the RL export's ``answer``. ``verigen/code``:
    ``ground_truth`` is its ``tests`` and ``extra_info["entry_point"]`` the function they call;
    the completion's last fenced block runs in a sandbox pool started once per process (verl
    calls this inside Ray workers). Raises ``InfraError`` on an infra error: verl has no "no
    score" value, and 0.0 would be a lie.
    """
    if data_source in ("verigen/code", "code"):
        entry_point = str((extra_info or {}).get("entry_point") or "")
        verifier = _verl_code_reward().verifier()
        [verdict] = verifier.verify([code_of(solution_str)], ground_truth, entry_point)
    elif data_source in ("verigen/math", "math"):
        verdict = check_math(ground_truth, solution_str)
    else:
        raise InputError(f"compute_score: no verifier for data_source {data_source!r}")
    reward = reward_of(verdict)
    if reward is None:
        raise _infra(verdict)
    return reward


@cache
def _verl_code_reward() -> CodeReward:
    """One ``CodeReward`` per process for ``compute_score``, made on first use (its sandbox
    pool starts on the first verification)."""
    return CodeReward()


def completion_text(completion: Completion) -> str:
    """TRL gives a string, or (conversational datasets) a list of messages: the last turn's."""
    if isinstance(completion, str):
        return completion
    return str(completion[-1]["content"]) if completion else ""


def reward_of(verdict: Verdict) -> float | None:
    """1.0 accepted, 0.0 rejected (a wrong answer), ``None`` for an infra error of any reason:
    a check nobody could finish says nothing about the completion."""
    if verdict.outcome is Outcome.INFRA_ERROR:
        return None
    return 1.0 if verdict.accepted else 0.0


def _infra(verdict: Verdict) -> InfraError:
    return InfraError(
        f"{verdict.verifier} verifier infra error: {verdict.reason} {verdict.details}"
    )


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def code_of(completion: str) -> str | None:
    """The last fenced code block of a completion, else the whole text if it parses as Python;
    ``None`` when there is no code (rejected ``no_code``, a 0.0 reward)."""
    blocks = _FENCE.findall(completion)
    text = blocks[-1] if blocks else completion
    try:
        parse_module(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return text if text.strip() else None


class CodeReward(_GrpoReward, LazyVerifier[CodeVerifier]):
    """TRL GRPO reward for code rows: ``reward_funcs=[MathReward(), CodeReward()]``.

    The row's tests were trusted when the dataset was made, so by default the reward only runs
    them: no mutation score (a weak suite is the dataset's property, not the completion's fault),
    no differential testing, and one test is enough. Infra errors raise ``InfraError`` or, with
    ``on_infra_error="none"``, give ``None`` and count in ``infra_errors`` — never 0.0.
    Picklable; the sandbox pool starts on first call in the calling process.
    """

    __name__ = "verigen_code"
    domain = "code"
    make = CodeVerifier

    def __init__(
        self,
        options: CodeOptions | None = None,
        workers: int = 2,
        on_infra_error: InfraPolicy = "raise",
        tests_column: str = "tests",
        entry_point_column: str = "entry_point",
    ) -> None:
        super().__init__(
            options or CodeOptions(mutants=0, differential=False, min_tests=1), workers
        )
        self.on_infra_error = on_infra_error
        self.tests_column, self.entry_point_column = tests_column, entry_point_column
        self.infra_errors = 0

    def judge(
        self, rows: list[int], completions: Sequence[Completion], columns: dict[str, Any]
    ) -> list[Verdict]:
        tests = columns.get(self.tests_column)
        if tests is None:
            raise KeyError(f"CodeReward needs the {self.tests_column!r} column (RL export)")
        entries = columns.get(self.entry_point_column) or [""] * len(completions)
        verdicts = self.verifier().verify_many(
            [
                {
                    "solutions": [code_of(completion_text(completions[i]))],
                    "tests": tests[i],
                    "entry_point": entries[i] or "",
                }
                for i in rows
            ]
        )
        return [v[0] for v in verdicts]
