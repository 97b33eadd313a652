"""How often the crash-check judge is right, on a hand-labelled table of statements and calls.

    .venv/bin/python bench/crash_check.py [--model qwen2.5-coder-1.5b] [--api-base URL --name M]

Each row is a statement, a signature, a call on which solutions could raise, and whether the
statement decides what that call returns (covered) or rules it out / says nothing. Every row
goes through verigen's own request (``code_call_value``, the role at temperature 0) and
reading (``read_call_value``): covered when it reads a value. A covered call the judge
confirms is a wrong solution caught; an uncovered call it calls covered rejects right
solutions (yield lost, never a wrong keep).

The anchor is the verifier without the check: it catches none of the covered rows and rejects
none of the others. Printed: caught (covered rows read as covered) and false alarms (other
rows read as covered), each with its share.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from verigen.config import RoleConfig
from verigen.generate import code as code_gen
from verigen.generate.structured import Unusable, weaker_format
from verigen.llm import ChatRequest, ChatResponse
from verigen.local import local_server
from verigen.records import Domain, Problem, Usage, content_id

# (statement, signature, call, covered)
TABLE: list[tuple[str, str, str, bool]] = [
    # covered: a sentence decides what the call returns
    ("Return the sum of the distinct positive integers below `limit` that are divisible by at "
     "least one of `factors`. A factor of 0 divides nothing. Factors are non-negative.",
     "def multiples_sum(limit: int, factors: list[int]) -> int:", "multiples_sum(2, [0])", True),
    ("Return a divided by b, or None when b is 0.",
     "def safe_div(a: int, b: int) -> float | None:", "safe_div(1, 0)", True),
    ("Return the mean of the numbers in `xs`; the mean of an empty list is 0.",
     "def mean(xs: list[int]) -> float:", "mean([])", True),
    ("Return the sum of the decimal digits of `n`; a negative n has the digits of its absolute "
     "value.", "def digit_sum(n: int) -> int:", "digit_sum(-12)", True),
    ("Return the first character of `s`, or an empty string when `s` is empty.",
     "def first_char(s: str) -> str:", "first_char('')", True),
    ("Return the largest element of `xs`. If `xs` is empty, return None.",
     "def largest(xs: list[int]) -> int | None:", "largest([])", True),
    ("Count the vowels in `text` (a, e, i, o, u, either case). Other characters, digits "
     "included, are not vowels.", "def vowels(text: str) -> int:", "vowels('1')", True),
    ("Return `text` repeated `n` times. A negative or zero `n` gives the empty string.",
     "def repeat(text: str, n: int) -> str:", "repeat('ab', -2)", True),
    ("Return the element of `xs` at position `i`, counting from 0; an index past the end gives "
     "-1.", "def at(xs: list[int], i: int) -> int:", "at([1, 2], 5)", True),
    ("Return the percentage of `part` in `whole`, rounded to one decimal. When `whole` is 0 "
     "the percentage is 0.0.", "def percent(part: int, whole: int) -> float:",
     "percent(3, 0)", True),
    ("Return the product of the numbers in `xs`. The product of an empty list is 1.",
     "def product(xs: list[int]) -> int:", "product([])", True),
    ("Return the minimum of `xs`, or 0 when `xs` has no elements.",
     "def minimum(xs: list[int]) -> int:", "minimum([])", True),
    # not covered: a sentence rules the call out, or none decides it
    ("Write the integer `n` in the given base (2 <= base <= 36) using the digits 0-9 and then "
     "lower-case letters a-z. Negative numbers get a leading \"-\". Zero is \"0\".",
     "def to_base(n: int, base: int) -> str:", "to_base(1, 0)", False),
    ("Split `xs` into consecutive chunks of `size` elements (size >= 1; the last chunk may be "
     "shorter) and return the sum of each chunk.",
     "def chunk_sums(xs: list[int], size: int) -> list[int]:", "chunk_sums([], 0)", False),
    ("Return the fewest coins (each coin value may be used any number of times) that add up "
     "to exactly `amount`, or -1 when it cannot be done. An amount of 0 needs 0 coins. Coin "
     "values are positive.", "def fewest_coins(amount: int, coins: list[int]) -> int:",
     "fewest_coins(5, [0])", False),
    ("Return the mean of the numbers in the non-empty list `xs`.",
     "def mean(xs: list[int]) -> float:", "mean([])", False),
    ("Return the n-th prime number, where n = 1 gives 2. n is at least 1.",
     "def nth_prime(n: int) -> int:", "nth_prime(0)", False),
    ("Return a / b rounded to 2 decimal places. b is never 0.",
     "def ratio(a: int, b: int) -> float:", "ratio(1, 0)", False),
    ("Return True when every bracket in `s` is closed in the right order. Only the characters "
     "()[]{} appear in `s`.", "def balanced(s: str) -> bool:", "balanced('a')", False),
    ("Return the largest value in `xs`.", "def largest(xs: list[int]) -> int:",
     "largest([])", False),
    ("Return n! for a whole number n >= 0.", "def factorial(n: int) -> int:",
     "factorial(-1)", False),
    ("Return the integer square root of the non-negative integer `n` (the largest r with "
     "r * r <= n).", "def isqrt(n: int) -> int:", "isqrt(-4)", False),
    ("Return the last `k` elements of `xs`. `k` is between 1 and len(xs).",
     "def tail(xs: list[int], k: int) -> list[int]:", "tail([], 0)", False),
    ("Convert the Roman numeral `s` (made of I, V, X, L, C, D, M) to an integer.",
     "def roman(s: str) -> int:", "roman('A')", False),
]  # fmt: skip


def problem(statement: str, signature: str) -> Problem:
    entry = signature.split("(")[0].removeprefix("def ").strip()
    return Problem(
        id=content_id(statement, prefix="t-"),
        domain=Domain.CODE,
        statement=statement,
        entry_point=entry,
        signature=signature,
    )


async def read(request: ChatRequest, api_base: str, statement: str) -> str | None:
    """The judge's reading of one call (``read_call_value``); None when it gave none."""
    import litellm

    for fmt in (request.response_format, weaker_format(request.response_format or "")):
        try:
            raw = await litellm.acompletion(
                model=request.model,
                messages=[{"role": r, "content": c} for r, c in request.messages],
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                response_format=json.loads(fmt) if fmt else None,
                api_base=api_base,
                api_key="local",
            )
            break
        except Exception:  # a server refusing the schema form: the weaker one, as runs do
            continue
    else:
        return None
    text = raw.choices[0].message.content or ""
    try:
        return code_gen.read_call_value(
            ChatResponse(text=text, finish_reason="stop", usage=Usage(), model=request.model),
            statement,
        )
    except Unusable:
        return None


async def score(model: str, api_base: str) -> dict[str, Any]:
    role = RoleConfig(models=[model], temperature=0.0, max_tokens=256)
    said: list[bool | None] = []
    for statement, signature, call, _ in TABLE:
        (request,) = code_gen.call_value_requests(
            problem(statement, signature), call, role, 0, api_base
        )
        reading = await read(request, api_base, statement)
        said.append(None if reading is None else reading not in code_gen.UNDECIDED)
    covered = [r for r, row in zip(said, TABLE, strict=True) if row[3]]
    other = [r for r, row in zip(said, TABLE, strict=True) if not row[3]]
    return {
        "caught": sum(r is True for r in covered),
        "covered": len(covered),
        "false_alarms": sum(r is True for r in other),
        "other": len(other),
        "unread": sum(r is None for r in said),
        "rows": [[row[2], row[3], r] for row, r in zip(TABLE, said, strict=True)],
    }


def score_judges(
    argv: Sequence[str] | None,
    description: str,
    score: Callable[[str, str], Coroutine[Any, Any, dict[str, Any]]],
) -> dict[str, dict[str, Any]] | None:
    """The judge benches' command line: ``score`` for each judge asked for (an endpoint's
    model, local catalog models; the 1.5B by default). None when the results went out as
    JSON (``--json``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", action="append", help="local catalog model(s)")
    parser.add_argument("--api-base", help="an OpenAI-compatible endpoint instead")
    parser.add_argument("--name", help="the model name at --api-base (openai/NAME)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    if args.api_base:
        results[args.name] = asyncio.run(score(f"openai/{args.name}", args.api_base))
    for name in args.model or ([] if args.api_base else ["qwen2.5-coder-1.5b"]):
        with local_server(name) as server:
            results[name] = asyncio.run(score(server.model, server.api_base))
    if args.json:
        print(json.dumps(results, indent=1))
        return None
    return results


def main(argv: Sequence[str] | None = None) -> int:
    results = score_judges(argv, __doc__.split("\n")[0], score)
    if results is None:
        return 0
    print(f"{'judge':24} {'caught':>14} {'false alarms':>14} {'unread':>7}   (anchor: 0 and 0)")
    for name, r in results.items():
        caught = f"{r['caught']}/{r['covered']} {r['caught'] / r['covered']:.0%}"
        false = f"{r['false_alarms']}/{r['other']} {r['false_alarms'] / r['other']:.0%}"
        print(f"{name:24} {caught:>14} {false:>14} {r['unread']:>7}")
        for call, covered, got in r["rows"]:
            mark = "ok" if got is covered else "--"
            print(f"   {mark} {call:28} covered={covered!s:5} read={got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
