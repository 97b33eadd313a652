# ATTACK 156 namespace_pollution
# KIND: verdict
# STYLE: unittest
# TASK: implement add(a, b) -> a + b; unittest.TestCase tests are appended and run in-process.
# ATTEMPTS: wrong solution that exports globals named like what the tests use or define
#           (unittest, TestAdd, TestCase, self, check, candidate, setUp, main, solution) as plain
#           data and callables, hoping one replaces the tests' own, and a huge plain-data global.
# CORRECT SANDBOX MUST: (verifier) the tests' names are their own; the solution's globals only
#           fill names the tests do not bind.
# HARNESS CHECK: graded failing, not an infrastructure error.
unittest = {"TestCase": None}
TestAdd = None
TestCase = 0
self = "self"
candidate = None
solution = None
huge = list(range(200000))


def check(*a, **k):
    return None


def setUp(*a, **k):
    return None


def main(*a, **k):
    return None


def add(a, b):
    return a - b
