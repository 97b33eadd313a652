"""Parsing Python source on the host, safe from any thread.

CPython 3.11 keeps the AST converter's recursion depth in state shared by every thread, so two
threads building ASTs at once (a garbage-collector finaliser is enough to switch between them)
can fail with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905).
The code verifier parses tests and solutions on a thread pool, and one such error once ended a
whole ``verigen verify`` run; every host-side parse therefore goes through this one lock. Parsing
is cheap next to running code in a sandbox, so the lock costs nothing measurable.

Hypothesis parses on those threads too (its test function's source on every run, the constants
of modules imported since its last run, its failure reports, and its own modules when pytest
rewrites them on first import), so the code verifier holds the lock around Hypothesis work
(``holding``) and lets go of it while a Hypothesis callback waits on a sandbox (``letting_go``).
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()  # re-entrant: a strategy built under ``holding`` parses its hints


@contextmanager
def holding() -> Iterator[None]:
    """The lock, around a library call that builds ASTs of its own."""
    with _LOCK:
        yield


@contextmanager
def letting_go() -> Iterator[None]:
    """Inside one ``holding``: other threads parse while this one waits on something else."""
    _LOCK.release()
    try:
        yield
    finally:
        _LOCK.acquire()


def parse_module(source: str) -> ast.Module:
    """``ast.parse`` of a whole file's worth of statements, under the lock; raises
    ``SyntaxError`` (``ValueError`` for NUL bytes) like it."""
    with _LOCK:
        return ast.parse(source)


def parse_expression(source: str) -> ast.expr:
    """One expression (a quoted type hint, a literal), under the lock."""
    with _LOCK:
        return ast.parse(source, mode="eval").body


def literal_eval(source: str) -> Any:
    """``ast.literal_eval`` of text: the parse holds the lock, the evaluation needs none."""
    return ast.literal_eval(parse_expression(source))
