"""Taxonomies: the shipped files load, their exemplars are right, and bad files fail in one line.

Exemplars teach the problem writer, so a wrong one spreads: every math answer is recomputed
here independently and compared with the real verifier, and every code solution is run against
its tests. The solutions are our own files, not model output, but they still run in a separate
``python -I`` process with a timeout; the results come back as JSON and are compared here.
"""

from __future__ import annotations

import inspect
import json
import math
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sympy

from verigen.errors import ConfigError
from verigen.generate.taxonomy import (
    LEVELS,
    CodeExemplar,
    CodeTaxonomy,
    MathExemplar,
    MathTaxonomy,
    Taxonomy,
    load_taxonomy,
)
from verigen.verify.math import MathOptions, MathVerifier, extract_answer

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T", bound=Taxonomy)


def _shipped(name: str, kind: type[T]) -> T:
    taxonomy = load_taxonomy(REPO / "problems" / f"{name}.yaml")
    assert isinstance(taxonomy, kind)
    return taxonomy


MATH = _shipped("math", MathTaxonomy)
CODE = _shipped("code", CodeTaxonomy)


def _exemplars(taxonomy: Taxonomy) -> list[Any]:
    return [
        pytest.param(topic.id, i, ex, id=f"{topic.id}-{i}")
        for topic in taxonomy.topics
        for i, ex in enumerate(topic.exemplars)
    ]


# --- the shipped taxonomies ----------------------------------------------------------------


@pytest.mark.parametrize(("taxonomy", "kind"), [(MATH, MathTaxonomy), (CODE, CodeTaxonomy)])
def test_shipped_taxonomies_are_complete(taxonomy: Taxonomy, kind: type[Taxonomy]) -> None:
    assert isinstance(taxonomy, kind)
    assert len(taxonomy.topics) >= 15 and 10 <= len(taxonomy.personas) <= 16
    for topic in taxonomy.topics:
        assert len(topic.exemplars) == 2, topic.id
        assert all(topic.difficulties.describe(level) for level in LEVELS)
        assert len(topic.description) >= 150, f"{topic.id}: description too thin to follow"
    problems = [ex.problem for topic in taxonomy.topics for ex in topic.exemplars]
    assert len(set(problems)) == len(problems)


def test_code_entry_points_are_distinct() -> None:
    names = [ex.entry_point for topic in CODE.topics for ex in topic.exemplars]
    assert len(set(names)) == len(names)


# --- math exemplars: answers recomputed independently --------------------------------------

x = sympy.Symbol("x")
xr = sympy.Symbol("x", real=True)
R = sympy.Rational


def _pair() -> tuple[Any, Any]:
    u, v = sympy.symbols("u v")
    return u, v


def _xy() -> Any:
    u, v = _pair()
    s = sympy.solve([u + v - 10, u - v - 4], [u, v])
    return s[u] * s[v]


def _adult_tickets() -> Any:
    c, a = _pair()
    return sympy.solve([c + a - 40, 5 * c + 8 * a - 260], [c, a])[a]


def _inverse() -> Any:
    y = sympy.Symbol("y")
    return sympy.solve(sympy.Eq(y, (x - 4) / 3), x)[0].subs(y, x)


def _arithmetic_term() -> Any:
    d = R(27 - 11, 7 - 3)
    return 11 - 2 * d + 19 * d


INDEPENDENT: dict[tuple[str, int], Callable[[], Any]] = {
    ("arithmetic-word-problems", 0): lambda: 144 // 6 * 9,
    ("arithmetic-word-problems", 1): lambda: (9 * 60 + 45) + (2 * 60 + 50) - 12 * 60,
    ("fractions-decimals-percentages", 0): lambda: R(2, 3) + R(3, 4) - R(1, 6),
    ("fractions-decimals-percentages", 1): lambda: 80 * R(125, 100) * R(80, 100),
    ("ratios-and-rates", 0): lambda: R(3, 3 + 5) * 24,
    ("ratios-and-rates", 1): lambda: 1 / (R(1, 6) + R(1, 3)),
    ("linear-equations", 0): lambda: sympy.solve(5 * x - 7 - (3 * x + 9), x)[0],
    ("linear-equations", 1): lambda: (R("23.40") - 15) / R("0.10"),
    ("systems-of-equations", 0): _xy,
    ("systems-of-equations", 1): _adult_tickets,
    ("quadratics", 0): lambda: max(sympy.solve(x**2 - 2 * x - 2, x), key=float),
    ("quadratics", 1): lambda: max(sympy.solve(x * (x + 3) - 40, x), key=float),
    ("divisibility-primes-gcd-lcm", 0): lambda: math.lcm(12, 18),
    ("divisibility-primes-gcd-lcm", 1): lambda: max(sympy.primefactors(2023)),
    ("modular-arithmetic", 0): lambda: pow(7, 100, 5),
    ("modular-arithmetic", 1): lambda: next(n for n in count(1) if n % 3 == 2 and n % 5 == 3),
    ("counting", 0): lambda: math.factorial(5),
    ("counting", 1): lambda: math.comb(10, 3) - math.comb(6, 3),
    ("probability", 0): lambda: R(sum(a + b == 7 for a in range(1, 7) for b in range(1, 7)), 36),
    ("probability", 1): lambda: R(math.comb(4, 2), math.comb(10, 2)),
    ("plane-geometry", 0): lambda: 9 + 12 + sympy.sqrt(9**2 + 12**2),
    ("plane-geometry", 1): lambda: sympy.pi * (10 * sympy.pi / (2 * sympy.pi)) ** 2,
    ("solid-geometry", 0): lambda: 2 * (3 * 4 + 4 * 5 + 3 * 5),
    ("solid-geometry", 1): lambda: sympy.pi * 3**2 * 4,
    ("sequences-and-series", 0): _arithmetic_term,
    ("sequences-and-series", 1): lambda: sum(3 * 2**k for k in range(6)),
    ("functions", 0): lambda: 2 * 3**2 + 3,
    ("functions", 1): _inverse,
    ("exponents-and-logarithms", 0): lambda: sympy.solve(9**xr - 27, xr)[0],
    ("exponents-and-logarithms", 1): lambda: sympy.log(81, 3) + sympy.log(R(1, 25), 5),
    ("derivatives", 0): lambda: sympy.diff(x**3 - 4 * x, x).subs(x, 2),
    ("derivatives", 1): lambda: sympy.diff(x**2 * sympy.sin(x), x),
    ("integrals", 0): lambda: sympy.integrate(3 * x**2 + 1, (x, 0, 2)),
    ("integrals", 1): lambda: sympy.integrate(x - x**2, (x, 0, 1)),
    ("statistics", 0): lambda: statistics.median(Fraction(v) for v in [7, 3, 9, 4, 12, 8]),
    ("statistics", 1): lambda: 82 * 5 - (75 + 90 + 80 + 88),
}


@pytest.fixture(scope="module")
def verifier() -> Iterator[MathVerifier]:
    with MathVerifier(MathOptions(), workers=1) as mv:
        yield mv


def test_every_math_exemplar_has_an_independent_check() -> None:
    shipped = {(t.id, i) for t in MATH.topics for i in range(len(t.exemplars))}
    assert shipped == set(INDEPENDENT)


@pytest.mark.parametrize(("topic", "index", "exemplar"), _exemplars(MATH))
def test_math_answer_is_bare_and_correct(
    verifier: MathVerifier, topic: str, index: int, exemplar: MathExemplar
) -> None:
    found = extract_answer(exemplar.answer, MathOptions())
    assert found is not None and found.rule == "bare" and found.answer == exemplar.answer
    value = sympy.sympify(INDEPENDENT[(topic, index)]())
    verdict = verifier.check(sympy.latex(value), exemplar.answer)
    assert verdict.accepted, f"{exemplar.answer!r} != {sympy.latex(value)!r}: {verdict.reason}"


# --- code exemplars: solutions run against their tests, in another process -----------------


def _encode(value: Any) -> Any:
    """A JSON form of a call's result that keeps its exact types (tuple is not list, 1 not 1.0)."""
    if value is None or isinstance(value, bool | int | float | str):
        return [type(value).__name__, value]
    if isinstance(value, list | tuple):
        return [type(value).__name__, [_encode(v) for v in value]]
    if isinstance(value, dict):
        items = [[_encode(k), _encode(v)] for k, v in value.items()]
        return ["dict", sorted(items, key=json.dumps)]
    return ["unsupported", repr(value)]


DRIVER = f"""
import json, sys
{inspect.getsource(_encode)}
job = json.load(sys.stdin)
namespace = {{"__name__": "solution"}}
exec(job["solution"], namespace)
fn = namespace[job["entry_point"]]
results = []
for case in job["cases"]:
    try:
        results.append({{"ok": _encode(fn(*case["args"], **case["kwargs"]))}})
    except Exception as exc:
        results.append({{"error": f"{{type(exc).__name__}}: {{exc}}"}})
print(json.dumps(results))
"""


def _run(exemplar: CodeExemplar, solution: str | None = None) -> list[dict[str, Any]]:
    job = {
        "solution": solution or exemplar.solution,
        "entry_point": exemplar.entry_point,
        "cases": [t.model_dump(mode="json", include={"args", "kwargs"}) for t in exemplar.tests],
    }
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"from typing import Any\n{DRIVER}"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(out.stdout)
    return results


def _failures(exemplar: CodeExemplar, results: list[dict[str, Any]]) -> list[str]:
    assert len(results) == len(exemplar.tests)
    failures = []
    for i, (test, got) in enumerate(zip(exemplar.tests, results, strict=True)):
        if got.get("ok") != _encode(test.expected):
            failures.append(f"tests.{i} {list(test.args)}: want {test.expected!r}, got {got}")
    return failures


@pytest.mark.parametrize(("topic", "index", "exemplar"), _exemplars(CODE))
def test_code_solution_passes_its_tests(topic: str, index: int, exemplar: CodeExemplar) -> None:
    assert _failures(exemplar, _run(exemplar)) == []


def test_code_check_catches_wrong_types_and_values() -> None:
    exemplar = next(ex for t in CODE.topics for ex in t.exemplars if ex.entry_point == "two_sum")
    as_tuple = "def two_sum(nums, target):\n    return (0, 1)\n"
    raises = "def two_sum(nums, target):\n    raise ValueError('no')\n"
    assert len(_failures(exemplar, _run(exemplar, as_tuple))) == len(exemplar.tests)
    assert all("ValueError" in f for f in _failures(exemplar, _run(exemplar, raises)))


# --- selection and the spread over difficulty × persona -----------------------------------


def test_select_keeps_order_and_rejects_unknown_ids() -> None:
    assert [t.id for t in CODE.select(["graphs", "strings", "graphs"])] == ["graphs", "strings"]
    assert CODE.select(None) == list(CODE.topics)
    with pytest.raises(ConfigError, match=r"has no topic 'graph'; known: strings, arrays, "):
        CODE.select(["strings", "graph"])


def test_slots_cover_every_difficulty_persona_pair() -> None:
    topic = MATH.topics[3]
    n = len(LEVELS) * len(MATH.personas)
    pairs = {(s.difficulty, s.persona) for s in (MATH.slot(topic, i) for i in range(n))}
    assert len(pairs) == n
    starts = {MATH.slot(t, 0).persona for t in MATH.topics}
    assert len(starts) > 1, "every topic starts at the same persona"


# --- malformed files: one line naming file, line, key path and problem ---------------------

GOOD = """\
name: mine
domain: code
version: 1
personas: [a tax office]
topics:
  - id: doubling
    name: Doubling
    description: Double things.
    difficulties: {easy: e, medium: m, hard: h}
    exemplars:
      - problem: Double n.
        entry_point: double
        signature: "def double(n: int) -> int:"
        solution: |
          def double(n):
              return 2 * n
        tests:
          - {args: [2], expected: 4}
"""

SECOND = """\
  - id: doubling
    name: Again
    description: Again.
    difficulties: {easy: e, medium: m, hard: h}
    exemplars: [{problem: p, answer: 1}]
"""

MATH_GOOD = """\
name: mine
domain: math
version: 2
topics:
  - id: sums
    name: Sums
    description: Add.
    difficulties: {easy: e, medium: m, hard: h}
    exemplars: [{problem: "What is 2 + 3?", answer: 5}]
"""


def _load(tmp_path: Path, text: str) -> Taxonomy:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return load_taxonomy(path)


def test_minimal_user_taxonomies_load(tmp_path: Path) -> None:
    code = _load(tmp_path, GOOD)
    assert isinstance(code, CodeTaxonomy) and code.topics[0].exemplars[0].tests[0].expected == 4
    maths = _load(tmp_path, MATH_GOOD)
    assert isinstance(maths, MathTaxonomy) and maths.personas == ()
    assert maths.topics[0].exemplars[0] == MathExemplar(problem="What is 2 + 3?", answer="5")
    assert maths.slot(maths.topics[0], 4).persona is None


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            "    name: Doubling\n",
            "    name: Doubling\n    colour: red\n",
            r"t\.yaml:8: topics\.0\.colour: unknown key$",
        ),
        (
            "    description: Double things.\n",
            "",
            r"t\.yaml:6: topics\.0\.description: missing required key$",
        ),
        (
            "        tests:",
            "        tset:",
            r"t\.yaml:17: topics\.0\.exemplars\.0\.tset: unknown key"
            r" \(did you mean 'tests'\?\) \[\+1 more\]$",
        ),
        (
            "  - id: doubling\n",
            "  - id: Doubling Things\n",
            r"t\.yaml:6: topics\.0\.id: String should match pattern .* \(got 'Doubling Things'\)",
        ),
        (
            "domain: code",
            "domain: chemistry",
            r"t\.yaml:2: domain: must be 'math' or 'code' \(got 'chemistry'\)",
        ),
        ("domain: code\n", "", r"t\.yaml: domain: must be 'math' or 'code' \(missing\)"),
        ("version: 1", "version: 0", r"t\.yaml:3: version: .*greater than or equal to 1"),
        (
            "def double(n):",
            "def triple(n):",
            r"t\.yaml:14: topics\.0\.exemplars\.0\.solution: entry_point 'double' is not defined "
            r"by the solution \(it defines: triple\)",
        ),
        ("return 2 * n", "return 2 *", r"exemplars\.0\.solution: solution is not valid Python"),
        (
            '"def double(n: int) -> int:"',
            '"def twice(n: int) -> int:"',
            r"exemplars\.0\.signature: defines 'twice', not the entry_point 'double'",
        ),
        (
            '"def double(n: int) -> int:"',
            '"def double(n) -> int:"',
            r"exemplars\.0\.signature: needs type hints on every parameter and the return",
        ),
        ("entry_point: double", "entry_point: 2double", r"exemplars\.0\.entry_point: String"),
        (
            "{args: [2], expected: 4}",
            "{args: [2, 3], expected: 4}",
            r"exemplars\.0: tests\.0: 2 positional args, but double takes 1",
        ),
        (
            "{args: [2], expected: 4}",
            "{kwargs: {m: 2}, expected: 4}",
            r"exemplars\.0: tests\.0: double has no parameter 'm'",
        ),
        ("{args: [2], expected: 4}", "{args: [2]}", r"tests\.0\.expected: missing required key"),
        (
            "        tests:\n          - {args: [2], expected: 4}\n",
            "        tests: []\n",
            r"exemplars\.0\.tests: Tuple should have at least 1 item after validation, not 0"
            r" \(got \[\]\)$",
        ),
        (
            "        entry_point: double\n",
            "        answer: 4\n",
            r"exemplars\.0\.answer: unknown key \[\+1 more\]$",
        ),
        (
            "personas: [a tax office]",
            "personas: [a tax office, a tax office]",
            r"t\.yaml:4: personas: duplicate persona 'a tax office'",
        ),
    ],
)
def test_malformed_code_taxonomy_is_one_line(
    tmp_path: Path, old: str, new: str, pattern: str
) -> None:
    assert old in GOOD
    with pytest.raises(ConfigError, match=pattern) as err:
        _load(tmp_path, GOOD.replace(old, new))
    assert "\n" not in str(err.value) and str(tmp_path / "t.yaml") in str(err.value)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            GOOD + GOOD[GOOD.index("  - id:") :],
            r"t\.yaml:5: topics: duplicate topic id 'doubling' \(topics 0 and 1\)",
        ),
        (GOOD + SECOND, r"t\.yaml:23: topics\.1\.exemplars\.0\.answer: unknown key \[\+4 more\]$"),
        (
            MATH_GOOD.replace("answer: 5", "answer: yes"),
            r"exemplars\.0\.answer: Input should be a valid string \(got True\)",
        ),
        (
            MATH_GOOD.replace("answer: 5", "answer: ' '"),
            r"exemplars\.0\.answer: String should have at least 1 character",
        ),
        (MATH_GOOD.replace("topics:", "topics: []\nold_topics:"), r"old_topics: unknown key"),
        ("- just\n- a list\n", r"t\.yaml: the top level must be a mapping"),
        ("name: [unclosed\n", r"t\.yaml:2: not valid YAML"),
    ],
)
def test_malformed_taxonomy_files(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        _load(tmp_path, text)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"taxonomy file not found: .*nope\.yaml"):
        load_taxonomy(tmp_path / "nope.yaml")
