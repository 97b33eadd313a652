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
    return st.tuples(*(_strategy(hint, text) for hint in hints(source, entry_point)))


def hints(source: str, entry_point: str) -> list[ast.expr]:
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
    name = hint_name(node.value if isinstance(node, ast.Subscript) else node)
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


def hint_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.List, t.Optional
        return node.attr
    raise Unsupported(f"unsupported type hint {ast.unparse(node)!r}")
