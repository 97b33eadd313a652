"""Test formats → one ``TestPlan`` whose tests each have a stable id and can be dropped one by one.

Formats taken:

- function-call cases as JSON (what the test writer produces):
  ``[{"args": [...], "kwargs": {...}, "expected": ...}]``. Compared with JSON semantics, because
  JSON is all the writer could say: a tuple matches a list, ``int`` and ``float`` compare by value
  (floats within ``float_rel_tol``), but ``True`` never equals ``1`` and ``None`` only itself.
- assert-style test code: each top-level ``assert``, ``test_*`` function and ``TestCase`` method
  is one test; other statements are set-up and stay in place.
- HumanEval's ``check(candidate)`` with an entry point: the body of ``check`` is hoisted so each
  assert (or each loop holding asserts) is a test of its own — a single opaque ``check`` would
  make a pass matrix and test trust meaningless.

A test is the unit of trust (dropped or kept whole); a *check* is the unit of ``min_tests``: one
executed assert, counted by the harness (a loop of 100 random cases is one test and 100 checks).
``TestPlan.fixed_checks`` knows the count before running when every test is a single assert.
- exact-type cases (from differential testing): Python literals, compared type for type (floats
  within ``float_rel_tol``).
- stdin/stdout cases ``{"input": ..., "output": ...}``: plain jobs, stdout compared on the host,
  tolerant of trailing whitespace and, optionally, of float precision.

Everything except stdin/stdout runs through the sandbox harness (its comparisons happen in the
test process, which the solution cannot reach). This module only writes test code; it never runs
anything.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from verigen.errors import InputError
from verigen.pyparse import parse_module
from verigen.records import CallCase, CaseTests, CodeTests, read_tests_column
from verigen.sandbox import TestOutcome, TestSuite
from verigen.sandbox.harness.runner import plan

# Set-up for JSON cases: runs in the harness's test process, on plain data the proxy returned.
_JSON_PRELUDE = """
import json as _verigen_json
import math as _verigen_math

def _verigen_shape(v):
    if type(v) in (list, tuple):
        return [_verigen_shape(x) for x in v]
    if type(v) is dict:
        return {(k if type(k) is str else _verigen_json.dumps(k)): _verigen_shape(x)
                for k, x in v.items()}
    return v

def _verigen_same(got, exp, tol):
    if type(exp) is list and type(got) in (set, frozenset):
        return len(got) == len(exp) and all(any(_verigen_same(g, e, tol) for g in got)
                                            for e in exp)
    got = _verigen_shape(got)
    if type(exp) in (int, float) and type(got) in (int, float):
        return got == exp or (tol > 0 and _verigen_math.isclose(got, exp, rel_tol=tol))
    if type(exp) is list:
        return type(got) is list and len(got) == len(exp) and all(
            _verigen_same(g, e, tol) for g, e in zip(got, exp))
    if type(exp) is dict:
        return type(got) is dict and got.keys() == exp.keys() and all(
            _verigen_same(got[k], exp[k], tol) for k in exp)
    return type(got) is type(exp) and got == exp

def _verigen_exact(got, exp, tol):
    if type(got) is not type(exp):
        return False
    if type(exp) is float and tol > 0:
        return got == exp or _verigen_math.isclose(got, exp, rel_tol=tol)
    if type(exp) in (list, tuple):
        return len(got) == len(exp) and all(_verigen_exact(g, e, tol) for g, e in zip(got, exp))
    if type(exp) is dict:
        return got.keys() == exp.keys() and all(_verigen_exact(got[k], exp[k], tol) for k in exp)
    return got == exp

def _verigen_expect(got, exp, tol, exact=False):
    if not (_verigen_exact if exact else _verigen_same)(got, exp, tol):
        raise AssertionError(f"expected {exp!r}, got {got!r}"[:500])
    return True
"""


@dataclass(frozen=True)
class IOCase:
    """Run the solution as a program with ``input`` on stdin; stdout must equal ``output``."""

    input: str
    output: str


@dataclass(frozen=True)
class Node:
    """One top-level statement of the code suite and the ids of the tests it holds (none for
    set-up)."""

    source: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestPlan:
    """A problem's tests. Ids are stable across ``keep``, so a dropped test stays nameable."""

    __test__ = False  # not a pytest test class

    entry_point: str = ""
    nodes: tuple[Node, ...] = ()
    io: tuple[tuple[str, IOCase], ...] = ()
    check: str = ""
    """An opaque ``check(candidate)`` suite (one test, ``check``) when hoisting was impossible."""
    shown: Mapping[str, Any] = field(default_factory=dict)
    """For each id, what to record when the test is dropped (its source or its case)."""

    def fixed_checks(self) -> int | None:
        """The checks this plan makes when every test is exactly one (a top-level assert, a
        JSON case, a stdin/stdout case); ``None`` when some test may make any number (a test
        function, a loop, a ``check``), which only running it can tell."""
        nodes = [n for n in self.nodes if n.ids]
        if self.check or not all(_one_assert(n.source) for n in nodes):
            return None
        return len(self.ids)

    @property
    def ids(self) -> list[str]:
        out = [i for n in self.nodes for i in n.ids] + [i for i, _ in self.io]
        return out + (["check"] if self.check else [])

    def keep(self, ids: Iterable[str]) -> TestPlan:
        """This plan with only the tests in ``ids`` (set-up statements always stay)."""
        kept = set(ids)
        nodes = [_keep_node(n, kept) for n in self.nodes]
        return replace(
            self,
            nodes=tuple(n for n in nodes if n is not None),
            io=tuple(c for c in self.io if c[0] in kept),
            check=self.check if "check" in kept else "",
        )

    def with_exact(
        self,
        cases: Sequence[tuple[str, tuple[Any, ...], Any]],
        rel_tol: float,
        shown: Mapping[str, Any],
    ) -> TestPlan:
        """Add ``(id, args, expected)`` cases compared type for type; args and expected must be
        plain literals (``ast.literal_eval`` gives them back), which the caller checks."""
        nodes = list(self.nodes)
        if not any(n.source == _JSON_PRELUDE for n in nodes):
            nodes.insert(0, Node(_JSON_PRELUDE))
        for test_id, args, expected in cases:
            nodes.append(
                Node(
                    f"assert _verigen_expect({self.entry_point}(*{args!r}), "
                    f"{expected!r}, {rel_tol!r}, exact=True)",
                    (test_id,),
                )
            )
        return replace(self, nodes=tuple(nodes), shown={**self.shown, **shown})

    def suites(self) -> tuple[list[TestSuite], list[list[str]]]:
        """Harness suites and, per suite, our ids in the order the harness reports them."""
        suites: list[TestSuite] = []
        ids: list[list[str]] = []
        ours = [i for n in self.nodes for i in n.ids]
        if ours:
            code = "\n".join(n.source for n in self.nodes)
            suite = TestSuite("code", code=code, entry_point=self.entry_point)  # see runner
            if len(plan(suite.to_wire())) != len(ours):
                raise InputError("test code changed shape when rebuilt (duplicate test names?)")
            suites.append(suite)
            ids.append(ours)
        if self.check:
            suites.append(TestSuite.check(self.check, self.entry_point))
            ids.append(["check"])
        return suites, ids


def outcomes_by_id(
    ids: list[list[str]], tests: tuple[tuple[TestOutcome, ...], ...]
) -> dict[str, TestOutcome]:
    """The harness's per-suite outcomes keyed by our ids (positions match ``suites()``)."""
    return {
        i: t
        for suite_ids, suite in zip(ids, tests, strict=True)
        for i, t in zip(suite_ids, suite, strict=True)
    }


def parse_tests(
    tests: Any, entry_point: str, io_cases: Any = None, float_rel_tol: float = 1e-9
) -> TestPlan:
    """Any accepted format (see the module docstring) → a ``TestPlan``; ``InputError`` when the
    tests cannot be understood (the caller turns that into rejected ``invalid_tests``). A
    problem's typed tests (``records.CaseTests``, ``records.CodeTests``) are taken as they are."""
    if isinstance(tests, str):  # the ``tests`` text column
        try:
            tests = read_tests_column(tests)
        except ValueError as exc:
            raise InputError(f"tests: {str(exc).splitlines()[0]}") from None
    if isinstance(tests, CodeTests):
        tests = tests.code
    elif isinstance(tests, CaseTests):
        tests = [case.model_dump() for case in tests.cases]
    plan_ = TestPlan(entry_point=entry_point)
    if isinstance(tests, str):
        plan_ = _from_code(tests, entry_point)
    elif isinstance(tests, Sequence) and not isinstance(tests, str):
        plan_ = _from_cases(list(tests), entry_point, float_rel_tol)
    elif tests not in (None, "") and not (isinstance(tests, Sequence) and not tests):
        raise InputError(f"tests must be test code or a list of cases, not {type(tests).__name__}")
    if io_cases:
        if isinstance(io_cases, str):
            io_cases = json.loads(io_cases)
        extra = _from_cases(list(io_cases), entry_point, float_rel_tol)
        plan_ = replace(plan_, io=plan_.io + extra.io, shown={**plan_.shown, **extra.shown})
    return plan_


def input_strings(plan: TestPlan) -> list[str]:
    """Every string a plan's tests pass in (case arguments, string literals of test code):
    the seeds differential testing draws and mutates strings from."""
    parts: list[str] = []
    for shown in plan.shown.values():
        if isinstance(shown, Mapping):
            _strings(shown.get("args"), parts)
            _strings(shown.get("kwargs"), parts)
            _strings(shown.get("input"), parts)
        elif isinstance(shown, str):
            with contextlib.suppress(SyntaxError, ValueError, RecursionError):
                for node in ast.walk(parse_module(shown)):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        parts.append(node.value)
    return parts


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            _strings(item, out)


def given_ids(tests: Any) -> frozenset[str]:
    """The ids ``parse_tests`` gives an imported problem's own cases (``CaseTests.given``)."""
    if not isinstance(tests, CaseTests):
        return frozenset()
    return frozenset(_case_id(case, i) for i, case in enumerate(tests.cases[: tests.given]))


def _case_id(case: Any, i: int) -> str:
    return f"{'case' if isinstance(case, CallCase) else 'io'}:{i}"


def trusted_suite(
    tests: CaseTests | CodeTests | None, entry_point: str, details: Mapping[str, Any]
) -> CaseTests | CodeTests | None:
    """The tests a code verdict (its ``details``) judged with, to ship with the sample: the
    problem's tests without those dropped as contradicting the consensus or the reference,
    with the cases differential testing added (cases only: test code keeps its own). A dropped
    test shipped anyway fails every right completion of a trainer rewarding by this column —
    `make demo` shipped ``is_prime(3) == False``."""
    dropped = set(details.get("dropped_tests") or ())
    if isinstance(tests, CodeTests):
        if not dropped:
            return tests
        kept = parse_tests(tests, entry_point)
        kept = kept.keep(i for i in kept.ids if i not in dropped)
        if not kept.ids:
            return None
        code = kept.check or "\n".join(n.source for n in kept.nodes)
        return CodeTests(code=code)
    own = list(tests.cases) if tests is not None else []
    kept_cases = [c for i, c in enumerate(own) if _case_id(c, i) not in dropped]
    given = sum(
        _case_id(c, i) not in dropped for i, c in enumerate(own[: tests.given if tests else 0])
    )
    added = (details.get("differential") or {}).get("new_tests") or ()
    cases = kept_cases + [CallCase.model_validate(t["case"]) for t in added if t.get("case")]
    return CaseTests(cases=tuple(cases), given=given) if cases else None


def _from_cases(cases: list[Any], entry_point: str, tol: float) -> TestPlan:
    nodes: list[Node] = []
    io: list[tuple[str, IOCase]] = []
    shown: dict[str, Any] = {}
    for i, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise InputError(f"test case {i} is not an object: {case!r}"[:200])
        if "args" in case or "expected" in case:
            if not entry_point:
                raise InputError("function-call test cases need an entry point")
            args, kwargs = case.get("args", []), case.get("kwargs") or {}
            if not isinstance(args, list) or not isinstance(kwargs, Mapping):
                raise InputError(f"test case {i}: args must be a list and kwargs an object")
            data = [json.dumps(v) for v in (args, dict(kwargs), case.get("expected"))]
            source = (
                f"assert _verigen_expect({entry_point}(*_verigen_json.loads({data[0]!r}), "
                f"**_verigen_json.loads({data[1]!r})), _verigen_json.loads({data[2]!r}), "
                f"{tol!r})"
            )
            nodes.append(Node(source, (f"case:{i}",)))
            shown[f"case:{i}"] = dict(case)
        elif "input" in case and "output" in case:
            io.append((f"io:{i}", IOCase(str(case["input"]), str(case["output"]))))
            shown[f"io:{i}"] = dict(case)
        else:
            raise InputError(f"test case {i} has neither args/expected nor input/output")
    if nodes:
        nodes.insert(0, Node(_JSON_PRELUDE))
    return TestPlan(entry_point=entry_point, nodes=tuple(nodes), io=tuple(io), shown=shown)


@functools.lru_cache(maxsize=1024)  # a plan is immutable; rows and mutants repeat suites
def _from_code(code: str, entry_point: str) -> TestPlan:
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise InputError(f"test code does not parse: {exc}") from exc
    check = next(
        (
            n
            for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name == "check" and n.args.args
        ),
        None,
    )
    if check is not None and entry_point:
        return _hoist_check(tree, check, entry_point) or TestPlan(
            entry_point, check=code, shown={"check": code}
        )
    nodes = [Node(ast.unparse(n), _ids_of(n)) for n in tree.body]
    shown = {i: n.source for n in nodes for i in n.ids}
    return TestPlan(entry_point=entry_point, nodes=tuple(nodes), shown=shown)


def _ids_of(node: ast.stmt) -> tuple[str, ...]:
    """The ids the harness's ``plan`` gives this top-level statement (same rules)."""
    if isinstance(node, ast.Assert):
        return (f"assert:{node.lineno}",)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
        return (node.name,)
    if isinstance(node, ast.ClassDef) and any(
        ast.unparse(b).endswith("TestCase") for b in node.bases
    ):
        return tuple(
            f"{node.name}.{m.name}"
            for m in node.body
            if isinstance(m, ast.FunctionDef) and m.name.startswith("test")
        )
    return ()


def _hoist_check(tree: ast.Module, check: ast.FunctionDef, entry_point: str) -> TestPlan | None:
    """``def check(candidate): ...`` → top-level tests calling ``entry_point`` directly."""
    nodes = [Node(ast.unparse(n)) for n in tree.body if n is not check and not _calls_check(n)]
    nodes.append(Node(f"{check.args.args[0].arg} = {entry_point}"))
    for stmt in check.body:
        if isinstance(stmt, ast.Assert):
            if isinstance(stmt.test, ast.Constant):
                continue  # ``assert True, "..."``: tests nothing
            nodes.append(Node(ast.unparse(stmt), (f"check:{stmt.lineno}",)))
        elif isinstance(stmt, ast.Return):
            return None
        elif any(isinstance(n, ast.Assert) for n in ast.walk(stmt)):
            body = ast.unparse(stmt).replace("\n", "\n    ")
            nodes.append(
                Node(f"def test_check_{stmt.lineno}():\n    {body}", (f"check:{stmt.lineno}",))
            )
        else:
            nodes.append(Node(ast.unparse(stmt)))
    if not any(n.ids for n in nodes):
        return None
    shown = {i: n.source for n in nodes for i in n.ids}
    return TestPlan(entry_point=entry_point, nodes=tuple(nodes), shown=shown)


@functools.lru_cache(maxsize=4096)
def _one_assert(source: str) -> bool:
    """A test node that is one plain ``assert`` statement (one check, whatever it holds)."""
    return source.startswith("assert ") and isinstance(parse_module(source).body[0], ast.Assert)


def _calls_check(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "check"
    )


def _keep_node(node: Node, kept: set[str]) -> Node | None:
    if not node.ids or all(i in kept for i in node.ids):
        return node
    if not any(i in kept for i in node.ids):
        return None
    cls = parse_module(node.source).body[0]  # a TestCase class losing some of its methods
    assert isinstance(cls, ast.ClassDef)
    cls.body = [
        m
        for m in cls.body
        if not (
            isinstance(m, ast.FunctionDef)
            and f"{cls.name}.{m.name}" in node.ids
            and f"{cls.name}.{m.name}" not in kept
        )
    ]
    return Node(ast.unparse(cls), tuple(i for i in node.ids if i in kept))


def same_output(got: str, expected: str, rel_tol: float) -> bool:
    """stdout against the expected output: trailing whitespace on lines and at the end ignored;
    with ``rel_tol`` > 0, numeric tokens compared as floats within it."""
    g, e = _lines(got), _lines(expected)
    if g == e:
        return True
    if rel_tol <= 0 or len(g) != len(e):
        return False
    return all(_same_tokens(a.split(), b.split(), rel_tol) for a, b in zip(g, e, strict=True))


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def _same_tokens(got: list[str], expected: list[str], rel_tol: float) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=True):
        if a == b:
            continue
        try:
            x, y = float(a), float(b)
        except ValueError:
            return False
        if not math.isclose(x, y, rel_tol=rel_tol, abs_tol=rel_tol):
            return False
    return True
