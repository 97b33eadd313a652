"""Hypothesis strategies for an entry point's arguments, read from its type hints — without eval.

The hints come from LLM-written text (the problem's signature or a solution's ``def``), so they
are read as syntax: only names on a fixed list (``int``, ``list[...]``, ``Optional[...]``, ``X |
Y``, ...) become strategies, and anything else means "no strategy" (differential testing is then
skipped and the verdict says why). This is ``st.from_type`` for that list, with bounds: unbounded
integers and 1000-element lists mostly test the interpreter's patience, and type hints say nothing
about a function's contract (inputs the reference rejects are discarded later).
"""

from __future__ import annotations

import ast
import itertools
import math
import string
from collections import Counter
from collections.abc import Sequence

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from verigen.pyparse import parse_expression, parse_module

MAX_SIZE = 6
INT_SPAN = 100
"""Integers are drawn from [-INT_SPAN, INT_SPAN]; enumeration never goes wider."""
MAX_ALPHABET = 64
"""Most characters taken from a problem's own test inputs (the most frequent ones)."""
MAX_SEEDS = 50
"""Most test input strings mutated into new inputs."""
_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " ,.-_!?", max_size=10)
_SCALARS: dict[str, SearchStrategy[object]] = {
    "int": st.integers(-INT_SPAN, INT_SPAN),
    "float": st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "bytes": st.binary(max_size=10),
    "None": st.none(),
}
_SEQUENCES = {"list", "List", "Sequence", "Iterable", "MutableSequence", "Collection"}
_SETS = {"set", "Set", "frozenset", "FrozenSet", "AbstractSet"}
_DICTS = {"dict", "Dict", "Mapping", "MutableMapping"}


class Unsupported(ValueError):
    """A hint this module does not turn into a strategy."""


def arguments(
    source: str, entry_point: str, seeds: Sequence[str] = ()
) -> SearchStrategy[tuple[object, ...]]:
    """A strategy for the positional arguments of ``entry_point`` as defined in ``source`` (a
    ``def`` line or a whole solution); ``Unsupported`` when a parameter has no usable hint.

    ``seeds``: the strings the problem's own tests pass in. A string's meaning lives in them
    (brackets for a nesting check, separators for a parser), and two programs that differ only
    there are never told apart by letters and digits; so strings are also drawn from the seeds'
    characters and, as EvalPlus mutates its seed inputs, as a seed with one character replaced
    by another of theirs (``[(]]`` from ``[()]``)."""
    text = _seeded_text(seeds) if any(seeds) else _TEXT
    return st.tuples(*(_strategy(hint, text) for hint in _hints(source, entry_point)))


def small_domain(source: str, entry_point: str, budget: int) -> list[tuple[object, ...]]:
    """Every input of a small argument domain, natural numbers first; ``[]`` when a parameter
    is not a scalar of a finite kind (``int``, ``bool``, ``None``, their unions).

    Random draws miss the sparse inputs where a plausible program is wrong: of the 201 integers
    ``arguments`` draws from, a prime test that skips every other odd divisor fails on 49, 77 and
    91 only, and 60 draws hit none of them (seen in a kept demo row). Enumerating costs a few
    microseconds an input, so a one-``int`` function is tried on all of [-100, 100]; more
    parameters share ``budget`` inputs (two ``int``: [-7, 7] each), Hypothesis covers the rest."""
    try:
        kinds = [_finite(hint) for hint in _hints(source, entry_point)]
    except Unsupported:
        return []
    if not kinds or budget < 1:
        return []
    span = next((r for r in range(INT_SPAN, -1, -1) if _count(kinds, r) <= budget), None)
    if span is None:
        return []
    ints = range(-span, span + 1)
    axes = [[*extra, *(ints if takes_int else [])] for takes_int, extra in kinds]
    return sorted(itertools.product(*axes), key=_contract_first)


def _contract_first(args: tuple[object, ...]) -> tuple[bool, int]:
    """Inputs without a negative number first, then by magnitude: most contracts are about
    natural numbers, and a candidate that hangs on negatives must not spend its job's time
    before the inputs that matter have run."""
    ints = [a for a in args if type(a) is int]
    return any(a < 0 for a in ints), sum(abs(a) for a in ints)


def _finite(node: ast.expr) -> tuple[bool, list[object]]:
    """``(takes ints, its other values)`` for a hint with a finite domain; ``Unsupported`` else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _finite(parse_expression(node.value))
    if isinstance(node, ast.Constant) and node.value is None:
        return False, [None]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([node.left, node.right])
    if isinstance(node, ast.Subscript):
        name = _name(node.value)
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name == "Optional" and len(args) == 1:
            return _union([ast.Constant(None), args[0]])
        if name == "Union":
            return _union(args)
        raise Unsupported("not a finite scalar")
    name = _name(node)
    if name == "int":
        return True, []
    if name == "bool":
        return False, [False, True]
    if name == "None":
        return False, [None]
    raise Unsupported("not a finite scalar")


def _union(members: list[ast.expr]) -> tuple[bool, list[object]]:
    parts = [_finite(m) for m in members]
    extra: list[object] = []
    for _, values in parts:
        extra += [v for v in values if not any(v is e for e in extra)]
    return any(takes_int for takes_int, _ in parts), extra


def _count(kinds: list[tuple[bool, list[object]]], span: int) -> int:
    return math.prod(len(extra) + (2 * span + 1 if takes_int else 0) for takes_int, extra in kinds)


def _hints(source: str, entry_point: str) -> list[ast.expr]:
    """The type hints of ``entry_point``'s parameters, read as syntax."""
    code = source.rstrip()
    if code.endswith(":"):  # a bare ``def`` line
        code += "\n    ..."
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise Unsupported(f"signature does not parse: {exc}") from exc
    fn = next(
        (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == entry_point),
        None,
    )
    if fn is None:
        raise Unsupported(f"no def {entry_point}(...) found")
    a = fn.args
    if a.vararg or a.kwonlyargs or a.posonlyargs:
        raise Unsupported("only plain positional parameters are supported")
    hints = []
    for arg in a.args:
        if arg.annotation is None:
            raise Unsupported(f"parameter {arg.arg!r} has no type hint")
        hints.append(arg.annotation)
    return hints


def _seeded_text(seeds: Sequence[str]) -> SearchStrategy[str]:
    counts = Counter("".join(seeds))
    chars = "".join(sorted(c for c, _ in counts.most_common(MAX_ALPHABET)))
    words = sorted({s for s in seeds if s})[:MAX_SEEDS]
    mutated = st.builds(
        _replace_one, st.sampled_from(words), st.integers(0, 999), st.sampled_from(chars)
    )
    return st.one_of(_TEXT, st.text(alphabet=chars, max_size=10), mutated)


def _replace_one(seed: str, at: int, char: str) -> str:
    at %= len(seed)
    return seed[:at] + char + seed[at + 1 :]


def _strategy(node: ast.expr, text: SearchStrategy[str]) -> SearchStrategy[object]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _strategy(parse_expression(node.value), text)  # a quoted hint
    if isinstance(node, ast.Constant) and node.value is None:
        return st.none()
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return st.one_of(_strategy(node.left, text), _strategy(node.right, text))
    name = _name(node.value if isinstance(node, ast.Subscript) else node)
    if not isinstance(node, ast.Subscript):
        if name == "str":
            return text
        if name in _SCALARS:
            return _SCALARS[name]
        if name in _SEQUENCES:
            return st.lists(st.integers(-100, 100), max_size=MAX_SIZE)
        raise Unsupported(f"unsupported type hint {ast.unparse(node)!r}")
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    return _generic(name, args, node, text)


def _generic(
    name: str, args: list[ast.expr], node: ast.expr, text: SearchStrategy[str]
) -> SearchStrategy[object]:
    if name in _SEQUENCES and len(args) == 1:
        return st.lists(_strategy(args[0], text), max_size=MAX_SIZE)
    if name in _SETS and len(args) == 1:
        made = st.sets(_strategy(args[0], text), max_size=MAX_SIZE)
        return made.map(frozenset) if name.lower().startswith("frozen") else made
    if name in _DICTS and len(args) == 2:
        keys, values = _strategy(args[0], text), _strategy(args[1], text)
        return st.dictionaries(keys, values, max_size=MAX_SIZE)
    if name in ("tuple", "Tuple"):
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
            return st.lists(_strategy(args[0], text), max_size=MAX_SIZE).map(tuple)
        return st.tuples(*(_strategy(a, text) for a in args))
    if name == "Optional" and len(args) == 1:
        return st.one_of(st.none(), _strategy(args[0], text))
    if name == "Union":
        return st.one_of(*(_strategy(a, text) for a in args))
    raise Unsupported(f"unsupported type hint {ast.unparse(node)!r}")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List, t.Optional
        return node.attr
    raise Unsupported(f"unsupported type hint {ast.unparse(node)!r}")
