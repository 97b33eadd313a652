"""Host-side parsing is safe from many threads at once (the code verifier parses on a pool)."""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from verigen.pyparse import literal_eval, parse_expression, parse_module

SOURCE = "\n".join(
    f"def f{i}(x):\n    return [(a, {{b: (c, [d])}}) for a in x if a and (b or (c and d))]"
    for i in range(50)
)


class _Finaliser:
    """Garbage whose collection runs Python code, which lets another thread in mid-parse."""

    def __del__(self) -> None:
        sum(range(50))


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _hammer(
    parse: Callable[[str], object], threads: int = 4, rounds: int = 200
) -> list[BaseException]:
    errors: list[BaseException] = []

    def work() -> None:
        for _ in range(rounds):
            cycle = [_Finaliser() for _ in range(50)]
            for item in cycle:
                item.self = item  # type: ignore[attr-defined]  # a cycle: freed by the GC
            del cycle
            try:
                parse(SOURCE)
            except SystemError as exc:  # python/cpython#106905 on 3.11
                errors.append(exc)
                return

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors


@pytest.mark.usefixtures("eager_thread_switching")
def test_parsing_from_many_threads_never_raises_system_error() -> None:
    assert _hammer(parse_module) == []


def test_parse_helpers_match_the_standard_library() -> None:
    assert ast.dump(parse_module(SOURCE)) == ast.dump(ast.parse(SOURCE))
    assert ast.dump(parse_expression("list[int] | None")) == ast.dump(
        ast.parse("list[int] | None", mode="eval").body
    )
    assert literal_eval("{'a': (1, 2.5, None)}") == {"a": (1, 2.5, None)}
    with pytest.raises(SyntaxError):
        parse_module("def f(:")
    with pytest.raises(ValueError):
        literal_eval("__import__('os')")


@pytest.mark.usefixtures("eager_thread_switching")
def test_hypothesis_runs_beside_parsing_threads_never_raise_system_error() -> None:
    """Hypothesis builds ASTs of its own on the verifier threads (its test function's source,
    the constants of newly imported modules, its failure reports); they share the lock."""
    from hypothesis import strategies as st

    from verigen.verify.code.differential import _draw, _shrink

    strategy = st.tuples(st.integers(), st.lists(st.integers(), max_size=5))
    errors: list[BaseException] = []

    def hypothesis_runs() -> None:
        try:
            for seed in range(6):
                assert len(_draw(strategy, 20, seed)) > 1
                # the callback parses too: it runs with the lock let go, else it would deadlock
                found = _shrink(strategy, 20, seed, lambda a: literal_eval(repr(a[0])) > 10)
                assert found is not None and found[0] == 11
        except BaseException as exc:  # reported below, with the parsers'
            errors.append(exc)

    runner = threading.Thread(target=hypothesis_runs)
    runner.start()
    errors += _hammer(parse_module, threads=3, rounds=300)
    runner.join()
    assert errors == []
