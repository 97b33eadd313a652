"""Every small input of an entry point, smallest first: bounded-exhaustive testing.

Random draws miss the sparse inputs where a plausible program is wrong. Of the 201 integers the
strategies draw from, a prime test that skips every other odd divisor fails on 49, 77 and 91
only, and 60 draws hit none of them (a kept `make demo` row); a "second largest" that forgets
duplicates fails on ``[1, 1, 0]``, which integers drawn from [-100, 100] rarely repeat. Most bugs
show on some small input (SmallCheck's "small scope hypothesis"), so inputs are enumerated
whole up to a size, as many sizes as ``budget`` inputs allow, before Hypothesis draws the rest.

The size of a value: an ``int``'s magnitude, a ``bool`` or ``None`` 0, a string's length (its
characters from the problem's own test inputs, the most frequent first), a list's length plus
its elements' sizes; an argument tuple's, the sum of its arguments'. A size is taken whole or not
at all. Kinds without a useful small scope (``float``, ``dict``, sets, ``bytes``) give no
enumeration: Hypothesis alone draws for them.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from verigen.pyparse import parse_expression
from verigen.verify.code.strategies import INT_SPAN, MAX_SIZE, Unsupported, hint_name, hints

ALPHABET = 4
"""Characters strings are enumerated over (length 3 is then 85 strings)."""
DEFAULT_ALPHABET = "ab A"
"""Without test inputs to read characters from: two letters, a space and a capital."""


@dataclass(frozen=True)
class _Kind:
    """A type whose values are counted and listed by size."""

    tag: str
    """``int``, ``const``, ``str``, ``list``, ``tuple`` or ``union``."""
    members: tuple[_Kind, ...] = ()
    """list: its element's kind; tuple: its elements'; union: its members'."""
    values: tuple[object, ...] = ()
    """const: its values; str: its alphabet's characters."""


def small_domain(
    source: str, entry_point: str, budget: int, seeds: Sequence[str] = ()
) -> list[tuple[object, ...]]:
    """Every argument tuple of ``entry_point`` (as defined in ``source``) up to the largest size
    whose inputs, all sizes together, fit in ``budget``; inputs without a negative number first,
    then smallest first. ``[]`` when a parameter's kind has no small scope."""
    alphabet = _alphabet(seeds)
    try:
        kinds = tuple(_kind(hint, alphabet) for hint in hints(source, entry_point))
    except Unsupported:
        return []
    args = _Kind("tuple", kinds)
    if not kinds or budget < 1:
        return []
    total, size = 0, -1
    while size < INT_SPAN and total + _count(args, size + 1) <= budget:
        size += 1
        total += _count(args, size)
    inputs = [t for s in range(size + 1) for t in _tuples(kinds, s)]
    return sorted(inputs, key=_contract_first)


def _alphabet(seeds: Sequence[str]) -> str:
    counts = Counter("".join(seeds))
    common = sorted(counts, key=lambda c: (-counts[c], c))[:ALPHABET]
    return "".join(common) or DEFAULT_ALPHABET


def _contract_first(args: tuple[object, ...]) -> tuple[bool, int]:
    """Inputs without a negative number first, then by size: most contracts are about natural
    numbers, and a candidate that hangs on negatives must not spend its job's time before the
    inputs that matter have run."""
    ints = list(_ints(args))
    return any(n < 0 for n in ints), sum(map(abs, ints))


def _ints(value: object) -> Iterator[int]:
    if type(value) is int:
        yield value
    elif type(value) in (list, tuple):
        for item in value:  # type: ignore[attr-defined]  # a list or tuple: checked above
            yield from _ints(item)


def _kind(node: ast.expr, alphabet: str) -> _Kind:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _kind(parse_expression(node.value), alphabet)
    if isinstance(node, ast.Constant) and node.value is None:
        return _Kind("const", values=(None,))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _Kind("union", (_kind(node.left, alphabet), _kind(node.right, alphabet)))
    if not isinstance(node, ast.Subscript):
        name = hint_name(node)
        simple = {
            "int": _Kind("int"),
            "bool": _Kind("const", values=(False, True)),
            "None": _Kind("const", values=(None,)),
            "str": _Kind("str", values=tuple(alphabet)),
        }
        if name in simple:
            return simple[name]
        raise Unsupported(f"no small scope for {name}")
    name = hint_name(node.value)
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name in ("list", "List", "Sequence") and len(args) == 1:
        return _Kind("list", (_kind(args[0], alphabet),))
    if name in ("tuple", "Tuple"):
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
            raise Unsupported("no small scope for a tuple of any length")
        return _Kind("tuple", tuple(_kind(a, alphabet) for a in args))
    if name == "Optional" and len(args) == 1:
        return _Kind("union", (_Kind("const", values=(None,)), _kind(args[0], alphabet)))
    if name == "Union":
        return _Kind("union", tuple(_kind(a, alphabet) for a in args))
    raise Unsupported(f"no small scope for {name}")


@functools.lru_cache(maxsize=1 << 14)  # a long run sees many alphabets: bounded
def _count(kind: _Kind, size: int) -> int:
    """How many values of ``kind`` have exactly this size."""
    if size < 0:
        return 0
    if kind.tag == "int":
        return 1 if size == 0 else 2 * (size <= INT_SPAN)
    if kind.tag == "const":
        return len(kind.values) if size == 0 else 0
    if kind.tag == "str":
        return len(kind.values) ** size if size <= MAX_SIZE else 0
    if kind.tag == "union":
        return sum(_count(m, size) for m in kind.members)
    if kind.tag == "list":
        (item,) = kind.members
        lengths = range(min(size, MAX_SIZE) + 1)
        return sum(_split((item,) * length, size - length) for length in lengths)
    return _split(kind.members, size)


@functools.lru_cache(maxsize=1 << 14)  # a long run sees many alphabets: bounded
def _split(kinds: tuple[_Kind, ...], size: int) -> int:
    """Tuples of values of ``kinds`` whose sizes sum to ``size``."""
    if not kinds:
        return int(size == 0)
    return sum(_count(kinds[0], s) * _split(kinds[1:], size - s) for s in range(size + 1))


def _values(kind: _Kind, size: int) -> list[object]:
    """The values of ``kind`` of exactly this size, naturals before negatives."""
    if _count(kind, size) == 0:
        return []
    if kind.tag == "int":
        return [0] if size == 0 else [size, -size]
    if kind.tag == "const":
        return list(kind.values)
    if kind.tag == "str":
        return ["".join(map(str, p)) for p in itertools.product(kind.values, repeat=size)]
    if kind.tag == "union":
        return [v for m in kind.members for v in _values(m, size)]
    if kind.tag == "list":
        (item,) = kind.members
        lengths = range(min(size, MAX_SIZE) + 1)
        return [list(t) for n in lengths for t in _tuples((item,) * n, size - n)]
    return list(_tuples(kind.members, size))


def _tuples(kinds: tuple[_Kind, ...], size: int) -> Iterator[tuple[object, ...]]:
    if not kinds:
        if size == 0:
            yield ()
        return
    for s in range(size + 1):
        if _count(kinds[0], s) and _split(kinds[1:], size - s):
            for head in _values(kinds[0], s):
                for rest in _tuples(kinds[1:], size - s):
                    yield (head, *rest)
