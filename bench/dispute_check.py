"""How often the dispute-check judge sides with the statement, on a hand-labelled table.

    .venv/bin/python bench/dispute_check.py [--model qwen2.5-coder-1.5b] [--api-base URL --name M]

Each row is a statement, a signature, a call on which samples disagree, the value the statement
gives and the value of a plausible shared misreading (a bracket counter blind to kinds, banker's
rounding, a case-sensitive vowel count). Every row goes through verigen's own request
(``code_dispute_value``, the role at temperature 0), reading (``read_call_value``) and decision
(``dispute_check.against_majority``), twice: once with the misreading holding the majority
(the judge should veto it: caught) and once with the right value holding it (a veto there
rejects right solutions: a false alarm, yield lost, never a wrong keep). Both are one request,
so one reply scores both.

The anchor is the verifier without the check: it catches none and vetoes none.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crash_check import problem, read, score_judges
from verigen.config import RoleConfig
from verigen.generate import code as code_gen
from verigen.verify.code.dispute_check import against_majority

# (statement, signature, call, the statement's value, a shared misreading's value)
TABLE: list[tuple[str, str, str, str, str]] = [
    ("Return True when the brackets (), [] and {} in `s` are balanced and properly nested; "
     "every other character is ignored.", "def balanced(s: str) -> bool:",
     "balanced('[)')", "False", "True"),
    ("Return the number of vowels (a, e, i, o, u) in `text`, upper or lower case.",
     "def count_vowels(text: str) -> int:", "count_vowels('AE')", "2", "0"),
    ("Return `s` with every run of spaces collapsed to one space; leading and trailing spaces "
     "are removed.", "def squeeze(s: str) -> str:", "squeeze('  a  b ')", "'a b'", "' a b '"),
    ("Return the n-th Fibonacci number, where fib(0) = 0 and fib(1) = 1.",
     "def fib(n: int) -> int:", "fib(0)", "0", "1"),
    ("Return True when `n` is a prime number. 1 is not a prime number.",
     "def is_prime(n: int) -> bool:", "is_prime(1)", "False", "True"),
    ("Return the second largest distinct value in `nums`, or None when `nums` has fewer than "
     "two distinct values.", "def second_largest(nums: list[int]) -> int | None:",
     "second_largest([3, 3])", "None", "3"),
    ("Round `x` to the nearest integer; a value exactly halfway rounds away from zero.",
     "def round_half(x: float) -> int:", "round_half(2.5)", "3", "2"),
    ("Return the words of `text` in reverse order, joined by single spaces.",
     "def reverse_words(text: str) -> str:", "reverse_words('a  b')", "'b a'", "'b  a'"),
    ("Return how many times `sub` occurs in `text`, counting overlapping occurrences.",
     "def count_overlapping(text: str, sub: str) -> int:", "count_overlapping('aaa', 'aa')",
     "2", "1"),
    ("Return the number of days in `month` of `year`. February has 29 days in a leap year: a "
     "year divisible by 4, except a century year not divisible by 400.",
     "def days_in(month: int, year: int) -> int:", "days_in(2, 1900)", "28", "29"),
    ("Return `xs` rotated left by `k` positions; `k` may be larger than the length of `xs`.",
     "def rotate(xs: list[int], k: int) -> list[int]:", "rotate([1, 2, 3], 4)", "[2, 3, 1]",
     "[1, 2, 3]"),
    ("Return `s` with the first letter of every word upper-case and the other letters "
     "lower-case. Words are separated by spaces.", "def title(s: str) -> str:",
     "title('hELLO')", "'Hello'", "'HELLO'"),
]  # fmt: skip


def disputed(call: str, majority: str, loser: str) -> dict[str, Any]:
    """A dispute as differential testing records it: two samples against one."""
    return {"call": call, "majority": majority, "values": {majority: [0, 1], loser: [2]}}


async def score(model: str, api_base: str) -> dict[str, Any]:
    role = RoleConfig(models=[model], temperature=0.0, max_tokens=256)
    rows = []
    for statement, signature, call, right, wrong in TABLE:
        (request,) = code_gen.call_value_requests(
            problem(statement, signature), call, role, 0, api_base, code_gen.DISPUTE_TEMPLATE
        )
        reading = await read(request, api_base, statement)
        said = None if reading is None else [r for r in [reading] if r not in code_gen.UNDECIDED]
        caught = against_majority(disputed(call, wrong, right), said)
        false_alarm = against_majority(disputed(call, right, wrong), said)
        rows.append([call, right, reading, caught, false_alarm])
    return {
        "caught": sum(r[3] is True for r in rows),
        "false_alarms": sum(r[4] is True for r in rows),
        "calls": len(rows),
        "unread": sum(r[2] is None for r in rows),
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    results = score_judges(argv, __doc__.split("\n")[0], score)
    if results is None:
        return 0
    print(f"{'judge':24} {'caught':>12} {'false alarms':>13} {'unread':>7}   (anchor: 0 and 0)")
    for name, r in results.items():
        n = r["calls"]
        caught = f"{r['caught']}/{n} {r['caught'] / n:.0%}"
        false = f"{r['false_alarms']}/{n} {r['false_alarms'] / n:.0%}"
        print(f"{name:24} {caught:>12} {false:>13} {r['unread']:>7}")
        for call, right, reading, hit, alarm in r["rows"]:
            mark = "ok" if hit else "--" if alarm else "  "
            print(f"   {mark} {call:34} statement={right:12} read={reading}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
