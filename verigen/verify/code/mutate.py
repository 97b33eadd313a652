"""Small mutants of one solution, for measuring how much a test suite actually checks.

A suite that any plausible solution passes verifies nothing. Mutation testing asks: if the code
were subtly wrong, would the tests notice? Whole-project tools (mutmut, cosmic-ray) do not work on
one function's source, so this is a small ``ast.NodeTransformer`` with their classic operators:

- ``flip_compare``: ``<`` ↔ ``>=``, ``<=`` ↔ ``>``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔
  ``is not``;
- ``off_by_one``: the stop of a ``range(...)``, or a subscript index, plus one;
- ``constant_return``: every ``return`` of the entry point returns ``None``;
- ``drop_branch``: an ``if`` loses its body (the ``else``, if any, stays);
- ``swap_arith`` / ``swap_bool``: ``+`` ↔ ``-`` (``+=`` too), ``and`` ↔ ``or``.

Each mutant applies exactly one change. Equivalent mutants (a change that alters nothing
observable) exist and lower the score; that is why the weak-tests bar is "most mutants survive",
not "any".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import zip_longest

from verigen.pyparse import parse_module

_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH: dict[type[ast.operator], type[ast.operator]] = {ast.Add: ast.Sub, ast.Sub: ast.Add}


@dataclass(frozen=True)
class Mutant:
    kind: str
    line: int
    source: str


class _Mutator(ast.NodeTransformer):
    """Counts mutation points (``target`` None) or applies the ``target``-th one."""

    def __init__(self, entry_point: str, target: int | None = None) -> None:
        self.entry_point, self.target = entry_point, target
        self.points: list[tuple[str, int]] = []
        self._in_entry = False

    def _hit(self, kind: str, node: ast.AST) -> bool:
        self.points.append((kind, getattr(node, "lineno", 0)))
        return len(self.points) - 1 == self.target

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        outer, self._in_entry = self._in_entry, node.name == self.entry_point
        if self._in_entry and self._hit("constant_return", node):
            node = _ReturnNone().visit(node)
        self.generic_visit(node)
        self._in_entry = outer
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for j, op in enumerate(node.ops):
            if type(op) in _FLIP and self._hit("flip_compare", node):
                node.ops[j] = _FLIP[type(op)]()
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "range"
            and node.args
            and self._hit("off_by_one", node)
        ):
            stop = 0 if len(node.args) == 1 else 1
            node.args[stop] = _plus_one(node.args[stop])
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        index = node.slice
        if (
            isinstance(node.ctx, ast.Load)
            and not isinstance(index, ast.Slice | ast.Tuple)
            and not (isinstance(index, ast.Constant) and isinstance(index.value, str))
            and self._hit("off_by_one", node)
        ):
            node.slice = _plus_one(node.slice)
        return node

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if self._hit("drop_branch", node):
            return node.orelse or [ast.Pass()]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if type(node.op) in _ARITH and self._hit("swap_arith", node):
            node.op = _ARITH[type(node.op)]()
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if type(node.op) in _ARITH and self._hit("swap_arith", node):
            node.op = _ARITH[type(node.op)]()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if self._hit("swap_bool", node):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node


class _ReturnNone(ast.NodeTransformer):
    def visit_Return(self, node: ast.Return) -> ast.AST:
        return ast.copy_location(ast.Return(value=ast.Constant(None)), node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        for i, stmt in enumerate(node.body):
            node.body[i] = self.visit(stmt)
        return node


def _plus_one(expr: ast.expr) -> ast.expr:
    return ast.BinOp(left=expr, op=ast.Add(), right=ast.Constant(1))


def mutants(source: str, entry_point: str, limit: int) -> list[Mutant]:
    """Up to ``limit`` distinct mutants, taken round-robin across operator kinds so a few
    mutants still cover every kind; ``[]`` for code that does not parse."""
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    counter = _Mutator(entry_point)
    counter.visit(parse_module(source))  # a fresh parse is 4x cheaper than a deep copy
    by_kind: dict[str, list[int]] = {}
    for index, (kind, _) in enumerate(counter.points):
        by_kind.setdefault(kind, []).append(index)
    order = [i for group in zip_longest(*by_kind.values()) for i in group if i is not None]
    original = ast.unparse(tree)
    seen = {original}
    out: list[Mutant] = []
    for index in order:
        if len(out) >= limit:
            break
        mutated = _Mutator(entry_point, index).visit(parse_module(source))
        text = ast.unparse(ast.fix_missing_locations(mutated))
        if text not in seen:
            seen.add(text)
            kind, line = counter.points[index]
            out.append(Mutant(kind, line, text))
    return out


def control(source: str) -> str | None:
    """The source as every mutant is written (``ast.unparse``: comments and layout gone) but
    unchanged, run beside them: a program that looks at its own text (a comment only the
    original holds) fails to load as every mutant, and would be scored as a strong suite."""
    try:
        return ast.unparse(parse_module(source))
    except (SyntaxError, ValueError, RecursionError):
        return None


def wrong_variant(source: str, entry_point: str) -> str | None:
    """The ``constant_return`` mutant: almost always wrong, for checks that need wrong code."""
    found = [m for m in mutants(source, entry_point, 1_000) if m.kind == "constant_return"]
    return found[0].source if found else None
