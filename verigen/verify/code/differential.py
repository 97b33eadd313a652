"""Hypothesis differential testing: the same generated inputs through every candidate at once.

Tests written by an LLM often miss the inputs where candidates differ. Here Hypothesis draws
``examples`` inputs from the entry point's type hints (``strategies.py``), after every input of
a small scalar domain when there is one (``strategies.small_domain``), one sandbox job runs
every candidate on all of them (``_driver.py``), and inputs on which candidates disagree are
flagged. The expected value of such an input is the reference's output, else the output of a
strict (weighted) majority; an input where that anchor raises or hangs is outside the contract
and discarded. Without a majority the input is *unresolved*: nobody can say who is right.

The first resolved disagreement is shrunk by Hypothesis (same seed, so generation replays from
the outputs already known; each shrink step is one small sandbox job, at most ``shrink_runs``).
The shrunk input, then other disagreeing inputs, become exact-type tests; the caller runs them
through the harness, where a candidate cannot misreport its outputs as it could here.

Reproducible: seed, example count and strategy are recorded; ``database=None, deadline=None``,
so nothing depends on a previous run or on timing. Hypothesis runs hold a lock (its engine is
not documented as thread-safe).
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from verigen.errors import SandboxError
from verigen.pyparse import literal_eval
from verigen.sandbox import Job, Limits, Pool, Status
from verigen.sandbox.harness import codec
from verigen.sandbox.verdict import new_nonce
from verigen.verify.code.options import CodeOptions

if TYPE_CHECKING:  # Hypothesis loads only when a problem has candidates to compare
    from hypothesis import settings
    from hypothesis.strategies import SearchStrategy

_HYPOTHESIS = threading.Lock()
MAX_RECORDED = 10
"""Disagreeing inputs recorded in the verdict (all of them are counted)."""
Outcome = dict[str, Any]


@dataclass
class Finding:
    """What differential testing found; ``details()`` is what the verdict records."""

    seed: int
    strategy: str = ""
    examples: int = 0
    enumerated: int = 0
    """Of ``examples``, those from enumerating a small domain rather than drawn."""
    jobs: int = 0
    infra_error: str = ""
    disagreeing: int = 0
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    new_tests: list[tuple[str, tuple[Any, ...], Any]] = field(default_factory=list)
    """``(id, args, expected)``, shrunk input first."""
    unresolved: set[int] = field(default_factory=set)
    """Candidates involved in a disagreement without a majority."""

    def details(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "strategy": self.strategy,
            "examples": self.examples,
            "enumerated": self.enumerated,
            "jobs": self.jobs,
            "infra_error": self.infra_error,
            "disagreeing_inputs": self.disagreeing,
            "disagreements": self.disagreements,
            "new_tests": [
                {"id": i, "args": repr(a)[:300], "expected": repr(e)[:300]}
                for i, a, e in self.new_tests
            ],
        }


@dataclass(frozen=True)
class _Judged:
    expected: Outcome | None
    bad: tuple[int, ...]
    unresolved: bool


class Differential:
    """Runs candidates on shared inputs in the pool; thread-safe."""

    def __init__(self, pool: Callable[[], Pool], options: CodeOptions) -> None:
        self.pool, self.options = pool, options

    def run(
        self,
        candidates: Sequence[str],
        weights: Sequence[int],
        anchor: int | None,
        entry_point: str,
        strategy: SearchStrategy[tuple[Any, ...]],
        call_timeout: float,
        enumerated: Sequence[tuple[Any, ...]] = (),
    ) -> Finding:
        """``enumerated``: inputs run before the drawn ones (a small domain, in full)."""
        found = Finding(seed=self.options.seed, strategy=repr(strategy)[:300])
        drawn = _draw(strategy, self.options.examples, self.options.seed)
        inputs = list({_key(a): a for a in [*enumerated, *drawn]}.values())
        found.examples, found.enumerated = len(inputs), len(enumerated)
        outputs = self._outputs(candidates, entry_point, inputs, call_timeout, found)
        if outputs is None:
            return found
        cache = {_key(a): [o[j] for o in outputs] for j, a in enumerate(inputs)}
        judged = [
            _judge([o[j] for o in outputs], weights, anchor, self.options.float_rel_tol)
            for j in range(len(inputs))
        ]
        hits = [j for j, v in enumerate(judged) if v.bad and v.expected is not None]
        for j, verdict in enumerate(judged):
            found.disagreeing += bool(verdict.bad)
            if verdict.unresolved:
                found.unresolved.update(verdict.bad)
            if verdict.bad and len(found.disagreements) < MAX_RECORDED:
                found.disagreements.append(
                    {
                        "input": _show(inputs[j]),
                        "candidates": list(verdict.bad),
                        "expected": None
                        if verdict.expected is None
                        else _show_out(verdict.expected),
                        "got": [_show_out(o[j]) for o in outputs],
                    }
                )
        if not hits:
            return found
        runs = 0

        def disagree(args: tuple[Any, ...]) -> bool:
            nonlocal runs
            outs = cache.get(_key(args))
            if outs is None:
                if runs >= self.options.shrink_runs:
                    return False  # budget spent: stop shrinking here
                runs += 1
                got = self._outputs(candidates, entry_point, [args], call_timeout, found)
                if got is None:
                    return False
                outs = cache[_key(args)] = [o[0] for o in got]
            v = _judge(outs, weights, anchor, self.options.float_rel_tol)
            return bool(v.bad) and v.expected is not None

        shrunk = _shrink(strategy, self.options.examples, self.options.seed, disagree)
        ordered = ([shrunk] if shrunk is not None else []) + [inputs[j] for j in hits]
        self._add_tests(found, ordered, cache, weights, anchor, shrunk)
        return found

    def _add_tests(
        self,
        found: Finding,
        ordered: list[tuple[Any, ...]],
        cache: dict[str, list[Outcome]],
        weights: Sequence[int],
        anchor: int | None,
        shrunk: tuple[Any, ...] | None,
    ) -> None:
        seen: set[str] = set()
        for args in ordered:
            key = _key(args)
            expected = _judge(cache[key], weights, anchor, self.options.float_rel_tol).expected
            full = len(found.new_tests) >= self.options.max_new_tests
            if key in seen or expected is None or full:
                continue
            seen.add(key)
            value = codec.decode(expected["v"])
            if _literal(args) and _literal(value):
                test_id = f"diff:{len(found.new_tests)}{'-shrunk' if args is shrunk else ''}"
                found.new_tests.append((test_id, tuple(args), value))

    def _outputs(
        self,
        candidates: Sequence[str],
        entry_point: str,
        inputs: list[Any],
        call_timeout: float,
        found: Finding,
    ) -> list[list[Outcome]] | None:
        """Outcomes per candidate per input from one job; None, with ``infra_error`` set on
        ``found``, when there are none after the retries.

        A job without a usable frame is an infra error like a sandbox error: nobody can say
        which candidate (if any) killed the driver or made it miss its wall limit, and treating
        it as "no disagreement found" would let a wrong candidate that kills the driver skip
        the differential test and be accepted."""
        budget = min(self.options.timeout_s * 3, 60.0)
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.retry_backoff_s * 2 ** (attempt - 1))
            nonce = new_nonce()
            spec = {
                "nonce": nonce,
                "entry_point": entry_point,
                "call_timeout": call_timeout,
                "candidates": [f"cand_{i}.py" for i in range(len(candidates))],
                "inputs": [codec.encode(list(a)) for a in inputs],
                "deadline_s": (budget - 2) / max(len(candidates), 1),
            }
            files: dict[str, str | bytes] = {f"cand_{i}.py": s for i, s in enumerate(candidates)}
            files.update(_driver_files())
            job = Job(
                files=files,
                command=("python3", "-I", "_vd/driver.py"),
                stdin=json.dumps(spec).encode(),
                limits=Limits(wall_s=budget, memory_mb=self.options.memory_mb),
            )
            found.jobs += 1
            try:
                result = self.pool().run(job)
            except SandboxError:
                raise
            except Exception as exc:  # the sandbox layer itself broke (the engine vanished)
                found.infra_error = f"the sandbox raised {type(exc).__name__}: {exc}"[:500]
                continue
            if result.status is Status.SANDBOX_ERROR:
                found.infra_error = result.error or "sandbox error"
                continue
            found.infra_error = ""
            try:
                frame = json.loads(result.stdout_bytes)
                outputs = frame["outputs"]
                if (
                    frame["nonce"] != nonce
                    or len(outputs) != len(candidates)
                    or any(len(o) != len(inputs) for o in outputs)
                ):
                    raise ValueError("foreign or incomplete frame")
            except (ValueError, KeyError, TypeError) as exc:
                found.infra_error = (
                    f"the differential job gave no usable frame ({result.status}: {exc})"[:500]
                )
                continue
            return [list(o) for o in outputs]
        return None


@cache
def _driver_files() -> dict[str, str]:
    here = resources.files("verigen.verify.code").joinpath("_driver.py").read_text()
    theirs = resources.files("verigen.sandbox.harness").joinpath("codec.py").read_text()
    return {"_vd/driver.py": here, "_vd/codec.py": theirs}


def _settings(examples: int, shrink: bool) -> settings:
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    return settings(
        database=None,
        deadline=None,
        max_examples=max(examples, 1),
        phases=phases,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


def _draw(
    strategy: SearchStrategy[tuple[Any, ...]], examples: int, seed: int
) -> list[tuple[Any, ...]]:
    """``examples`` distinct inputs, in the order Hypothesis generates them for ``seed``."""
    drawn: dict[str, tuple[Any, ...]] = {}

    def collect(args: tuple[Any, ...]) -> None:
        drawn.setdefault(_key(args), args)

    from hypothesis import given
    from hypothesis import seed as hypothesis_seed

    with _HYPOTHESIS:
        hypothesis_seed(seed)(_settings(examples, shrink=False)(given(strategy)(collect)))()
    return list(drawn.values())


def _shrink(
    strategy: SearchStrategy[tuple[Any, ...]],
    examples: int,
    seed: int,
    disagree: Callable[[tuple[Any, ...]], bool],
) -> tuple[Any, ...] | None:
    """Replay generation with the same seed until the first disagreement, then let Hypothesis
    shrink it; the last failing call is its minimal example (it replays that one last)."""
    last: list[tuple[Any, ...]] = []

    def check(args: tuple[Any, ...]) -> None:
        if disagree(args):
            last.append(args)
            raise AssertionError("candidates disagree")

    from hypothesis import given
    from hypothesis import seed as hypothesis_seed

    test = given(strategy)(check)
    # the run raises the disagreement we asked Hypothesis to find and shrink
    with _HYPOTHESIS, contextlib.suppress(Exception):
        hypothesis_seed(seed)(_settings(examples, shrink=True)(test))()
    return last[-1] if last else None


def _judge(
    outs: Sequence[Outcome], weights: Sequence[int], anchor: int | None, tol: float
) -> _Judged:
    expected: Outcome | None = outs[anchor] if anchor is not None else None
    if anchor is None:
        groups: list[tuple[Outcome, int]] = []
        for out, weight in zip(outs, weights, strict=True):
            i = next((k for k, (rep, _) in enumerate(groups) if _same(rep, out, tol)), None)
            if i is None:
                groups.append((out, weight))
            else:
                groups[i] = (groups[i][0], groups[i][1] + weight)
        top = max(groups, key=lambda g: g[1])
        expected = top[0] if 2 * top[1] > sum(weights) else None
        if expected is None:
            return _Judged(None, tuple(range(len(outs))) if len(groups) > 1 else (), True)
    if expected is None or "v" not in expected:
        return _Judged(None, (), False)  # the anchor raised or hung: outside the contract
    return _Judged(
        expected, tuple(c for c, o in enumerate(outs) if not _same(o, expected, tol)), False
    )


def _same(a: Outcome, b: Outcome, tol: float) -> bool:
    if "v" in a and "v" in b:
        try:
            return _equal(codec.decode(a["v"]), codec.decode(b["v"]), tol)
        except (ValueError, TypeError):
            return False
    return a == b


def _equal(x: Any, y: Any, tol: float) -> bool:
    if type(x) is not type(y):
        return False
    if type(x) is float:
        return x == y or (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=tol)
    if type(x) in (list, tuple):
        return len(x) == len(y) and all(_equal(a, b, tol) for a, b in zip(x, y, strict=True))
    if type(x) is dict:
        return x.keys() == y.keys() and all(_equal(x[k], y[k], tol) for k in x)
    return bool(x == y)


def _key(args: Any) -> str:
    return json.dumps(codec.encode(list(args)), sort_keys=True)


def _literal(value: Any) -> bool:
    """Does ``repr`` give this value back through ``ast.literal_eval`` (the test is code)?"""
    try:
        return bool(literal_eval(repr(value)) == value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _show(args: tuple[Any, ...]) -> str:
    return repr(args)[:300]


def _show_out(out: Outcome) -> str:
    if "v" in out:
        try:
            return repr(codec.decode(out["v"]))[:200]
        except (ValueError, TypeError):
            return "<malformed>"
    return f"raised {out['e']}" if "e" in out else "timeout"
