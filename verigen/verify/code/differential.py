"""Hypothesis differential testing: the same generated inputs through every candidate.

Tests written by an LLM often miss the inputs where candidates differ. Here Hypothesis draws
``examples`` inputs from the entry point's type hints (``strategies.py``), after every small
input (``small_scope.py``); each candidate runs on all of them in a sandbox job of its own
(``_driver.py``), and inputs on which candidates disagree are flagged. The expected value of
such an input is the reference's output, else the output of a strict (weighted) majority; an
input where that anchor raises or hangs is outside the contract and discarded. Without a
majority the input is *unresolved*: nobody can say who is right.

The first resolved disagreement is shrunk by Hypothesis (same seed, so generation replays from
the outputs already known; each shrink step is one small sandbox job, at most ``shrink_runs``).
The shrunk input, then other disagreeing inputs, become exact-type tests — enough that every
losing candidate meets one it loses — and the caller runs them through the harness, where a
candidate cannot misreport its outputs as it could here.

Reproducible: seed, example count and strategy are recorded; ``database=None, deadline=None``,
so nothing depends on a previous run or on timing. Hypothesis runs hold a lock (its engine is
not documented as thread-safe) and the host's parse lock (``pyparse``: Hypothesis builds ASTs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from verigen.errors import SandboxError
from verigen.pyparse import holding, letting_go, literal_eval
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
INLINE_BYTES = 2048
"""An output whose canonical text is longer comes back as a digest (``codec.digest``; a spiral
matrix for every n up to 100 is megabytes); equal digests are equal outputs."""
MAX_SHOWN = 200
"""The longest call, or value's ``repr``, recorded for a judge to read (``Finding.disputed``)."""
MAX_TEST_BYTES = 1 << 16
"""The longest expected value asked again to become a test."""
MAX_AGREED = 600
"""The most agreed inputs re-run through the harness (``Finding.agreed``)."""
AGREED_BYTES = 256 << 10
"""The most source text those re-runs take (each input's and value's ``repr``)."""
FRAME_BYTES = 16 << 20
"""A differential job's stdout limit: every input's outcome, each at most ``INLINE_BYTES``."""
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
    agreed: list[tuple[tuple[Any, ...], Any]] = field(default_factory=list)
    """``(args, expected)`` of inputs whose expected value is decided and sent whole (up to
    ``MAX_AGREED``), whoever lost there: the caller re-runs them through the harness. This job
    is only what the candidates *report*; a program that detects it (its driver's name, a
    missing ``__file__``, its caller's frame) could answer right here and wrong in the harness,
    or raise here everywhere, so that the tests made from its "losses" are the smallest
    inputs, where it is right; either way it passed on answers it never gave where they
    count."""
    unresolved: set[int] = field(default_factory=set)
    """Candidates involved in a disagreement without a majority."""
    split_majority: bool = False
    """Every input had a majority, but no set of candidates that lost nowhere holds one."""
    raising: int = 0
    """Inputs on which a majority of the weight raises (without a reference)."""
    raised: list[dict[str, Any]] = field(default_factory=list)
    """The first ``MAX_RECORDED`` of them: ``{"call", "raises", "candidates"}``. Nothing
    here outvotes anyone: whether the statement allows such an input is for a model to say
    (``code.crash_check``); every candidate raising the same way is no evidence either way."""
    disputed: list[dict[str, Any]] = field(default_factory=list)
    """Inputs a majority decided (without a reference), the first of each kind (who lost and
    what the majority gave), up to ``MAX_RECORDED``: ``{"call", "majority", "values"}``, the
    values as ``repr`` keyed to the candidates giving them. A majority of samples of one small
    model can share a misreading and outvote the one that read the statement right; a model
    asked what the statement says of the call can see it (``code.dispute_check``)."""

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
            "split_majority": self.split_majority,
            "raising_inputs": self.raising,
            "raised": self.raised,
            "disputed": self.disputed,
            "agreed_inputs": len(self.agreed),
            "new_tests": [
                {"id": i, "args": repr(a)[:300], "expected": repr(e)[:300]} | _as_case(a, e)
                for i, a, e in self.new_tests
            ],
        }


@dataclass(frozen=True)
class _Judged:
    expected: Outcome | None
    bad: tuple[int, ...]
    unresolved: bool


@dataclass(frozen=True)
class _Round:
    """One problem's differential test: who runs, how their votes count, how each call runs."""

    candidates: Sequence[str]
    weights: Sequence[int]
    anchor: int | None
    entry_point: str
    call_timeout: float
    found: Finding


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
        with holding():  # a strategy's repr can parse (Hypothesis shows a lambda as its source)
            found = Finding(seed=self.options.seed, strategy=repr(strategy)[:300])
        r = _Round(candidates, weights, anchor, entry_point, call_timeout, found)
        drawn = _draw(strategy, self.options.examples, self.options.seed)
        inputs = list({_key(a): a for a in [*enumerated, *drawn]}.values())
        found.examples, found.enumerated = len(inputs), len(enumerated)
        outputs = self._outputs(r, inputs)
        if outputs is None:
            return found
        per_input = [[o[j] for o in outputs] for j in range(len(inputs))]
        cache = {_key(a): outs for a, outs in zip(inputs, per_input, strict=True)}
        judged = [self._judge(r, outs) for outs in per_input]
        hits = [j for j, v in enumerate(judged) if v.bad and v.expected is not None]
        found.agreed = _agreed(inputs, judged)
        if anchor is None:
            _record_raises(found, entry_point, inputs, outputs, weights)
            _record_disputes(found, entry_point, inputs, outputs, judged)
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
        share = self.options.min_share
        if anchor is None and not _standing_majority(judged, hits, weights, share, found):
            return found
        runs = 0

        def disagree(args: tuple[Any, ...]) -> bool:
            nonlocal runs
            outs = cache.get(_key(args))
            if outs is None:
                if runs >= self.options.shrink_runs:
                    return False  # budget spent: stop shrinking here
                runs += 1
                got = self._outputs(r, [args], together=True)
                if got is None:
                    return False
                outs = cache[_key(args)] = [o[0] for o in got]
            v = self._judge(r, outs)
            return bool(v.bad) and v.expected is not None

        shrunk = _shrink(strategy, self.options.examples, self.options.seed, disagree)
        ordered = ([shrunk] if shrunk is not None else []) + [inputs[j] for j in hits]
        self._add_tests(r, ordered, cache, shrunk)
        return found

    def _judge(self, r: _Round, outs: Sequence[Outcome]) -> _Judged:
        return _judge(outs, r.weights, r.anchor, self.options.float_rel_tol, self.options.min_share)

    def _add_tests(
        self,
        r: _Round,
        ordered: list[tuple[Any, ...]],
        cache: dict[str, list[Outcome]],
        shrunk: tuple[Any, ...] | None,
    ) -> None:
        """Disagreeing inputs become tests, in order (the shrunk one first): up to
        ``max_new_tests``, and past it one more for each candidate that loses somewhere and no
        test so far catches, so no loser goes untested because others lost first."""
        tests, seen, caught = r.found.new_tests, set[str](), set[int]()
        for args in ordered:
            key = _key(args)
            verdict = self._judge(r, cache[key])
            new = set(verdict.bad) - caught
            full = len(tests) >= self.options.max_new_tests
            if key in seen or verdict.expected is None or (full and not new):
                continue
            seen.add(key)
            value = self._expected(r, verdict.expected, cache[key], args)
            if value is not None and _literal(args) and _literal(value[0]):
                tests.append((f"diff:{len(tests)}{'-shrunk' * (args is shrunk)}", args, value[0]))
                caught |= new

    def _expected(
        self, r: _Round, expected: Outcome, outs: list[Outcome], args: tuple[Any, ...]
    ) -> tuple[Any] | None:
        """``(value,)`` an input's test expects; a value sent as a digest (too long to send
        with every input) is asked again of a candidate that gave it, for this input alone."""
        if "h" in expected:
            giver = next(c for c, o in enumerate(outs) if _same(o, expected, 0.0))
            alone = dataclasses.replace(r, candidates=[r.candidates[giver]])
            got = self._outputs(alone, [args], inline=MAX_TEST_BYTES)
            if got is None or "v" not in got[0][0]:
                return None
            expected = got[0][0]
        try:
            return (codec.decode(expected["v"]),)
        except (ValueError, TypeError):
            return None

    def _outputs(
        self, r: _Round, inputs: list[Any], inline: int = INLINE_BYTES, together: bool = False
    ) -> list[list[Outcome]] | None:
        """Outcomes per candidate per input; None, with ``infra_error`` set on the round's
        finding, when a job has none after the retries.

        One sandbox job per candidate, because the sandbox kills every process of a job after
        it: a candidate that leaves a process behind to kill or slow the others' runs would
        otherwise turn their outputs into timeouts and escape the majority that catches it.
        ``together``: all in one job, for a shrink step (one input, up to ``shrink_runs`` of
        them), where such a process could at most stop the shrinking: the disagreements found
        apart still become tests. A job without a usable frame is an infra error like a sandbox
        error: treating it as "no disagreement found" would let a wrong candidate that kills
        the driver skip the differential test."""
        share = (min(self.options.timeout_s * 3, 60.0) - 2) / max(len(r.candidates), 1)
        groups = [r.candidates] if together else [[c] for c in r.candidates]
        outputs: list[list[Outcome]] = []
        for group in groups:
            got = self._run_job(r, group, inputs, share, inline)
            if got is None:
                return None
            outputs += got
        return outputs

    def _run_job(
        self, r: _Round, sources: Sequence[str], inputs: list[Any], share: float, inline: int
    ) -> list[list[Outcome]] | None:
        """The outcomes of ``sources`` from one job; a job that fails every retry sets the
        round's ``infra_error``, which no later job clears."""
        error = ""
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.retry_backoff_s * 2 ** (attempt - 1))
            nonce = new_nonce()
            spec = {
                "nonce": nonce,
                "entry_point": r.entry_point,
                "call_timeout": r.call_timeout,
                "candidates": [f"cand_{i}.py" for i in range(len(sources))],
                "inputs": [codec.encode(list(a)) for a in inputs],
                "deadline_s": share,
                "inline": inline,
            }
            files: dict[str, str | bytes] = {f"cand_{i}.py": s for i, s in enumerate(sources)}
            job = Job(
                files={**files, **_driver_files()},
                command=("python3", "-I", "_vd/driver.py"),
                stdin=json.dumps(spec).encode(),
                limits=Limits(
                    wall_s=share * len(sources) + 2,
                    memory_mb=self.options.memory_mb,
                    output_bytes=FRAME_BYTES,
                ),
            )
            r.found.jobs += 1
            try:
                result = self.pool().run(job)
            except SandboxError:
                raise
            except Exception as exc:  # the sandbox layer itself broke (the engine vanished)
                error = f"the sandbox raised {type(exc).__name__}: {exc}"
                continue
            if result.status is Status.SANDBOX_ERROR:
                error = result.error or "sandbox error"
                continue
            try:
                frame = json.loads(result.stdout_bytes)
                outputs = frame["outputs"]
                if (
                    frame["nonce"] != nonce
                    or len(outputs) != len(sources)
                    or any(len(o) != len(inputs) for o in outputs)
                ):
                    raise ValueError("foreign or incomplete frame")
            except (ValueError, KeyError, TypeError) as exc:
                error = f"the differential job gave no usable frame ({result.status}: {exc})"
                continue
            return [list(o) for o in outputs]
        r.found.infra_error = r.found.infra_error or error[:500]
        return None


@cache
def _driver_files() -> dict[str, str]:
    here = resources.files("verigen.verify.code").joinpath("_driver.py").read_text()
    theirs = resources.files("verigen.sandbox.harness").joinpath("codec.py").read_text()
    return {"_vd/driver.py": here, "_vd/codec.py": theirs}


def _settings(examples: int, shrink: bool) -> settings:
    """Every setting named: one left out would come from the profile the process loaded (a
    user's ``backend`` or ``report_multiple_bugs`` would change what a seed draws)."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    return settings(
        backend="hypothesis",
        report_multiple_bugs=False,
        stateful_step_count=1,
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

    with _hypothesis():
        from hypothesis import given
        from hypothesis import seed as hypothesis_seed

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
        with letting_go():  # a sandbox job: other threads may parse meanwhile
            bad = disagree(args)
        if bad:
            last.append(args)
            raise AssertionError("candidates disagree")

    # the run raises the disagreement we asked Hypothesis to find and shrink
    with _hypothesis(), contextlib.suppress(Exception):
        from hypothesis import given
        from hypothesis import seed as hypothesis_seed

        hypothesis_seed(seed)(_settings(examples, shrink=True)(given(strategy)(check)))()
    return last[-1] if last else None


@contextlib.contextmanager
def _hypothesis() -> Iterator[None]:
    """One Hypothesis run at a time, holding the parse lock (taken second: nothing that holds
    the parse lock waits for a Hypothesis run), its inputs a function of the seed alone."""
    with _HYPOTHESIS, holding(), _without_local_constants():
        yield


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis (6.131 on) sometimes draws a constant found in the source of the loaded
    "local" modules (neither stdlib nor site-packages), within a time budget: the same seed
    drew other inputs under pytest, in the CLI, on a Ray worker, after any import. Private API,
    so ``test_the_seed_alone_decides_the_inputs`` checks it still holds; where it is absent
    (older releases) there is nothing to turn off. The permitted-constants cache is shared by
    every run in the process, hence cleared on the way in and out."""
    from hypothesis.internal.conjecture import providers

    collect = getattr(providers, "_get_local_constants", None)
    permitted = getattr(providers, "CONSTANTS_CACHE", None)
    if collect is None or permitted is None:
        yield
        return
    from hypothesis.internal.constants_ast import Constants  # there when the above are

    providers._get_local_constants = Constants
    permitted.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = collect
        permitted.cache.clear()


def _agreed(
    inputs: Sequence[tuple[Any, ...]], judged: Sequence[_Judged]
) -> list[tuple[tuple[Any, ...], Any]]:
    """Inputs whose anchor (the reference, or a deciding majority) returned a value sent whole,
    with that value, while they fit in ``MAX_AGREED`` and ``AGREED_BYTES`` (small inputs come
    first)."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    size = 0
    for args, verdict in zip(inputs, judged, strict=True):
        if verdict.expected is None or "v" not in verdict.expected:
            continue
        try:
            value = codec.decode(verdict.expected["v"])
        except (ValueError, TypeError):
            continue
        if not (_literal(args) and _literal(value)):
            continue
        size += len(repr(args)) + len(repr(value))
        if size > AGREED_BYTES or len(out) >= MAX_AGREED:
            break
        out.append((args, value))
    return out


def _standing_majority(
    judged: Sequence[_Judged],
    hits: Sequence[int],
    weights: Sequence[int],
    share: float,
    found: Finding,
) -> bool:
    """Do the candidates that lost on no input hold a strict majority of the weight, and
    ``share`` of it? A majority per input is not enough: two wrong programs that both return
    the list unrotated for ``k >= 2 * len(xs)`` outvote the right one there, while the right
    one and one of them outvote the other elsewhere, and the wrong one that never lost was kept
    (the precision bench, ``rotate_left``, 1.5B model). When they do not, every candidate is
    unresolved and no test is made: its expected values would come from votes of programs
    shown wrong."""
    lost = {c for j in hits for c in judged[j].bad} | found.unresolved
    standing = sum(w for c, w in enumerate(weights) if c not in lost)
    if _decides(standing, sum(weights), share):
        return True
    found.split_majority = True
    found.unresolved.update(range(len(weights)))
    return False


def _record_raises(
    found: Finding,
    entry_point: str,
    inputs: Sequence[tuple[Any, ...]],
    outputs: Sequence[Sequence[Outcome]],
    weights: Sequence[int],
) -> None:
    """Inputs on which candidates holding a majority of the weight raise, in the order they
    ran (smallest first). Such an input is discarded as outside the contract, which is right
    when the statement rules it out and a shared bug when it does not (the 1.5B model's
    ``multiples_sum`` samples all divide by a factor of 0, which the statement allows)."""
    for j, args in enumerate(inputs):
        raisers = [c for c, o in enumerate(outputs) if "e" in o[j]]
        if 2 * sum(weights[c] for c in raisers) <= sum(weights):
            continue
        found.raising += 1
        if len(found.raised) < MAX_RECORDED:
            raises = sorted({str(outputs[c][j]["e"])[:80] for c in raisers})
            call = f"{entry_point}({', '.join(map(repr, args))})"
            found.raised.append({"call": call, "raises": raises, "candidates": raisers})


def _record_disputes(
    found: Finding,
    entry_point: str,
    inputs: Sequence[tuple[Any, ...]],
    outputs: Sequence[Sequence[Outcome]],
    judged: Sequence[_Judged],
) -> None:
    """The first input of each kind that a majority decided, where every value is short
    enough to read (``MAX_SHOWN``): a judge can check ``f('[)')`` against the statement, not a
    wall of output. A raise or a timeout is shown as such, never as a value."""
    kinds: set[tuple[Any, ...]] = set()
    for j, args in enumerate(inputs):
        verdict = judged[j]
        if not verdict.bad or verdict.expected is None or len(found.disputed) >= MAX_RECORDED:
            continue
        majority = _exact(verdict.expected)
        kind = (verdict.bad, majority)
        call = f"{entry_point}({', '.join(map(repr, args))})"
        if kind in kinds or majority is None or len(call) > MAX_SHOWN:
            continue
        values: dict[str, list[int]] = {majority: []}
        for c, out in enumerate(outputs):
            value = majority if c not in verdict.bad else _exact(out[j])
            if value is None:
                break
            values.setdefault(value, []).append(c)
        else:
            kinds.add(kind)
            found.disputed.append({"call": call, "majority": majority, "values": values})


def _exact(out: Outcome) -> str | None:
    """An outcome as a judge can compare it: a value's full ``repr`` (None when longer than
    ``MAX_SHOWN`` or sent as a digest), else what happened (``raised ...``, ``timeout``)."""
    if "h" in out:
        return None
    if "v" not in out:
        return _show_out(out)
    try:
        text = repr(codec.decode(out["v"]))
    except (ValueError, TypeError):
        return None
    return text if len(text) <= MAX_SHOWN else None


def _returned(out: Outcome) -> bool:
    """A value came back (inline or as a digest), not a raise or a timeout."""
    return "v" in out or "h" in out


def _decides(weight: int, total: int, share: float) -> bool:
    """A strict majority holding at least ``share`` (as a ratio: ``0.7 * 10`` is not 7)."""
    return 2 * weight > total and weight / total >= share


def _judge(
    outs: Sequence[Outcome],
    weights: Sequence[int],
    anchor: int | None,
    tol: float,
    share: float,
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
        needs = share if _returned(top[0]) else 0.5
        expected = top[0] if _decides(top[1], sum(weights), needs) else None
        if expected is None:
            return _Judged(None, tuple(range(len(outs))) if len(groups) > 1 else (), True)
    if expected is None or not _returned(expected):
        return _Judged(None, (), False)  # the anchor raised or hung: outside the contract
    return _Judged(
        expected, tuple(c for c, o in enumerate(outs) if not _same(o, expected, tol)), False
    )


def _same(a: Outcome, b: Outcome, tol: float) -> bool:
    if "h" in a or "h" in b:  # sent as a digest: compared as one
        return _digest_of(a) == _digest_of(b) is not None
    if "v" in a and "v" in b:
        try:
            return _equal(codec.decode(a["v"]), codec.decode(b["v"]), tol)
        except (ValueError, TypeError):
            return False
    return a == b


def _digest_of(out: Outcome) -> str | None:
    if "h" in out:
        return str(out["h"])
    try:
        return codec.digest(codec.decode(out["v"])) if "v" in out else None
    except (ValueError, TypeError):
        return None


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


def _as_case(args: tuple[Any, ...], expected: Any) -> dict[str, Any]:
    """``{"case": ...}``, the test as a JSON call case (what the exported ``tests`` column
    holds), when JSON says it exactly; ``{}`` otherwise (a set, bytes, a tuple argument)."""
    if not (all(map(_json_native, args)) and _json_native(expected, tuples=True)):
        return {}
    shaped = json.loads(json.dumps(expected))  # a tuple, as JSON cases compare it: a list
    return {"case": {"args": list(args), "kwargs": {}, "expected": shaped}}


def _json_native(value: Any, tuples: bool = False) -> bool:
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    if kind in (type(None), bool, int, str):
        return True
    if kind is list or (tuples and kind is tuple):
        return all(_json_native(v, tuples) for v in value)
    if kind is dict:
        return all(type(k) is str and _json_native(v, tuples) for k, v in value.items())
    return False


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
    if "h" in out:
        return f"<{out.get('n')} bytes, sha256 {str(out['h'])[:12]}>"
    if "e" in out:
        return f"raised {out['e']}"
    return f"returned a {out['x']}, not plain data" if "x" in out else "timeout"
