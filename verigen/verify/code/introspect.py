"""Can a program see its own code, or where it runs? Then its mutants' deaths prove nothing.

A mutation score says how much a suite checks only if a mutant dies of its mutation. A program
that checks its own integrity (a hash of ``f.__code__.co_code``, its source read back, a frame's
code) makes every mutant fail whatever the tests are, and a program that can see its place in the
mutants' job (a file an earlier process left, its pid) dies in the mutants' places: either way a
weak suite scores as a strong one. Python gives a program too many ways to do that at run time
to catch the act, so the test is on the text: a program may be mutation evidence only when it
can compute and nothing else, an allow-list rather than a list of known tricks.

Refused (``observes_itself`` says where):

- an import outside ``PURE_MODULES`` (``inspect``, ``gc``, ``io``, ``ctypes``…);
- ``sys`` and ``os`` used for anything but ``LIMITED``'s calls (``sys.maxsize``,
  ``sys.setrecursionlimit``, ``os.path.normpath`` and the other string functions of ``os.path``);
- the builtins that reach objects by name or touch files: ``getattr``, ``vars``, ``globals``,
  ``eval``, ``exec``, ``compile``, ``open`` (but for ``open(0)``, the input)…;
- dunder names and attributes other than the operator protocol (``__code__``, ``__globals__``,
  ``__file__``, ``__traceback__``…), and the attributes of frames, code objects, tracebacks and
  generators (``f_code``, ``co_code``, ``gi_frame``…), whatever they are read from;
- names that read attributes from strings: ``str.format`` on anything but a literal whose fields
  read no attribute, ``operator.attrgetter``/``methodcaller``, ``string.Formatter``.

Honest solutions to function problems almost never need any of these; one that does keeps every
other check and is only not taken as the measure of its suite.
"""

from __future__ import annotations

import ast
import string

from verigen.pyparse import parse_module

PURE_MODULES = frozenset(
    {
        "__future__", "abc", "array", "base64", "binascii", "bisect", "calendar", "cmath",
        "collections", "contextlib", "copy", "dataclasses", "datetime", "decimal", "difflib",
        "enum", "fractions", "functools", "graphlib", "hashlib", "heapq", "itertools", "json",
        "keyword", "math", "numbers", "operator", "queue", "random", "re", "reprlib", "secrets",
        "statistics", "string", "struct", "textwrap", "time", "typing", "unicodedata",
        "zlib",
    }
)  # fmt: skip
"""Modules that compute and hold no handle on files, processes, frames or code."""
SYS_ATTRIBUTES = frozenset(
    {
        "maxsize", "maxunicode", "float_info", "int_info", "hash_info", "version_info",
        "setrecursionlimit", "getrecursionlimit", "set_int_max_str_digits",
        "get_int_max_str_digits", "byteorder", "float_repr_style", "stdin", "stdout",
    }
)  # fmt: skip
PATH_FUNCTIONS = frozenset(
    {
        "basename", "commonpath", "commonprefix", "dirname", "isabs", "join", "normcase",
        "normpath", "sep", "split", "splitdrive", "splitext",
    }
)  # fmt: skip
"""``os.path``'s functions of strings alone (not ``exists``, ``abspath``: those read the disk)."""
LIMITED: dict[str, frozenset[tuple[str, ...]]] = {
    "sys": frozenset((a,) for a in SYS_ATTRIBUTES),
    "os": frozenset(("path", f) for f in PATH_FUNCTIONS),
    "os.path": frozenset((f,) for f in PATH_FUNCTIONS),
}
"""Modules a program may use only through these attribute chains."""
REACHING_BUILTINS = frozenset(
    {
        "getattr", "setattr", "delattr", "vars", "globals", "locals", "dir", "eval", "exec",
        "compile", "__import__", "open", "breakpoint",
    }
)  # fmt: skip
REACHING_NAMES = frozenset(
    {
        "attrgetter", "methodcaller", "Formatter", "get_type_hints", "ForwardRef",
        "singledispatch", "singledispatchmethod",
    }
)  # fmt: skip
"""Library names that read attributes named by a string, or evaluate annotations' text."""
_PROTOCOL = """
    init new del repr str bytes format hash bool len iter next reversed contains getitem setitem
    delitem missing call enter exit lt le eq ne gt ge add sub mul matmul truediv floordiv mod
    divmod pow lshift rshift and xor or neg pos abs invert radd rsub rmul rtruediv rfloordiv rmod
    rpow rand ror rxor iadd isub imul itruediv ifloordiv imod ipow iand ior ixor int float
    complex index round trunc floor ceil name qualname class slots post_init
"""
PROTOCOL_DUNDERS = frozenset(f"__{name}__" for name in _PROTOCOL.split())
"""Dunders an honest class uses; none of them leads to code, frames or globals."""
RUNTIME_ATTRIBUTES = frozenset(
    {
        "f_back", "f_builtins", "f_code", "f_globals", "f_lasti", "f_lineno", "f_locals",
        "f_trace", "tb_frame", "tb_lasti", "tb_lineno", "tb_next", "gi_code", "gi_frame",
        "gi_yieldfrom", "cr_await", "cr_code", "cr_frame", "cr_origin", "ag_await", "ag_code",
        "ag_frame",
    }
)  # fmt: skip


def observes_itself(source: str) -> str | None:
    """What lets ``source`` see its own code or surroundings (``"`__code__` at line 7"``), or
    None for a program that can only compute. Unparsable source is refused too."""
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError):
        return "source that does not parse"
    limited: dict[str, frozenset[tuple[str, ...]]] = {}
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        for module, name, bound in _imported(node):
            chains = _import_allowed(module, name)
            if chains is None:
                what = module if name is None else f"{module}.{name}"
                return f"import of `{what}` at line {getattr(node, 'lineno', 0)}"
            if chains:
                limited[bound] = chains
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in limited:
            found = _limited_use(node, limited[node.id], parents)
        elif isinstance(node, ast.Name) and node.id == "open" and _opens_std(node, parents):
            found = ""
        else:
            found = _reaching(node)
        if found:
            return f"{found} at line {getattr(node, 'lineno', 0)}"
    return None


def _imported(node: ast.AST) -> list[tuple[str, str | None, str]]:
    """``(module, imported name or None, bound name)`` per alias of an import; ``import a.b``
    binds ``a``, so it is reported as importing ``a``."""
    if isinstance(node, ast.Import):
        return [
            (a.name, None, a.asname) if a.asname else (a.name.partition(".")[0], None, a.name)
            for a in node.names
        ]
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return [(module, a.name, a.asname or a.name) for a in node.names]
    return []


def _import_allowed(module: str, name: str | None) -> frozenset[tuple[str, ...]] | None:
    """None for a refused import; else the chains the bound name is limited to (empty: any)."""
    if name is not None and (name in REACHING_NAMES or _dunder(name)):
        return None
    if module.partition(".")[0] in PURE_MODULES:
        return frozenset()
    if module in LIMITED and name is None:
        return LIMITED[module]
    chains = LIMITED.get(module, frozenset())
    if name is not None and (name,) in chains:
        return frozenset()
    below = frozenset(c[1:] for c in chains if c[0] == name and len(c) > 1)
    return below or None


def _limited_use(
    node: ast.Name, chains: frozenset[tuple[str, ...]], parents: dict[int, ast.AST]
) -> str:
    """ "" when ``node`` (a limited module's name) starts one of its allowed attribute chains."""
    if not isinstance(node.ctx, ast.Load):
        return ""
    read: list[str] = []
    current: ast.AST = node
    while isinstance(parent := parents.get(id(current)), ast.Attribute):
        read.append(parent.attr)
        current = parent
    if any(tuple(read[: len(c)]) == c for c in chains):
        return ""
    return f"`{'.'.join([node.id, *read])}`"


def _opens_std(node: ast.Name, parents: dict[int, ast.AST]) -> bool:
    """``open(0)``, ``open(1, "w")``: a program reading its input or writing its output the
    competitive programmer's way, through the file descriptors it already has."""
    call = parents.get(id(node))
    return (
        isinstance(call, ast.Call)
        and call.func is node
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value in (0, 1)
        and type(call.args[0].value) is int
    )


def _reaching(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        if node.id in REACHING_BUILTINS or node.id in REACHING_NAMES:
            return f"`{node.id}`"
        if _dunder(node.id) and node.id not in ("__name__", "__slots__"):
            return f"`{node.id}`"
    elif isinstance(node, ast.Attribute):
        if _reaching_attribute(node.attr):
            return f"`.{node.attr}`"
        if node.attr in ("format", "format_map") and not _plain_format(node.value):
            return f"`.{node.attr}` on a string that is not a plain literal"
    elif isinstance(node, ast.MatchClass):  # ``case object(__code__=c)`` reads an attribute
        for attr in node.kwd_attrs:
            if _reaching_attribute(attr):
                return f"`{attr}=` in a class pattern"
    return ""


def _reaching_attribute(attr: str) -> bool:
    return (
        attr in REACHING_NAMES
        or attr in RUNTIME_ATTRIBUTES
        or attr.startswith("co_")
        or (_dunder(attr) and attr not in PROTOCOL_DUNDERS)
    )


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _plain_format(value: ast.expr) -> bool:
    """A literal format string whose fields, nested ones too, name no attribute (``"{}"``,
    ``"{0:.2f}"``, ``"{:{width}}"``)."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    pending = [value.value]
    while pending:
        try:
            parsed = list(string.Formatter().parse(pending.pop()))
        except ValueError:
            return False
        for _, field, spec, _ in parsed:
            if field and "." in field:
                return False
            if spec and "{" in spec:
                pending.append(spec)
    return True
