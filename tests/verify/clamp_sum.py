"""The code verifier tests' running problem: ``clamp_sum(xs, cap)``, ``min(sum(xs), cap)``, with
three weak tests on which no sum reaches 50 (so a program wrong from 50 on passes them)."""

SIGNATURE = "def clamp_sum(xs: list[int], cap: int) -> int:"
GOOD = SIGNATURE + "\n    return min(sum(xs), cap)\n"
LOOP = (
    "def clamp_sum(xs, cap):\n    t = 0\n    for x in xs:\n        t += x\n"
    "    return t if t <= cap else cap\n"
)
WEAK = [
    {"args": [[1, 2], 10], "expected": 3},
    {"args": [[4], 9], "expected": 4},
    {"args": [[], 3], "expected": 0},
]
