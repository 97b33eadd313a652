# ATTACK 157 exception_name_spoofing
# KIND: verdict
# STYLE: unittest
# TASK: implement add(a, b) -> a + b; unittest.TestCase tests are appended and run in-process.
# ATTEMPTS: wrong solution whose add() raises exceptions chosen for how a test runner treats them:
#           unittest.SkipTest (a skipped test is not a failed one), a class named SkipTest, one
#           named KeyboardInterrupt deriving from Exception, unittest's _ShouldStop, and
#           StopIteration, in turn.
# CORRECT SANDBOX MUST: (verifier) a skipped or interrupted test is not passed; the solution's
#           exceptions reach tests only as ordinary errors.
# HARNESS CHECK: graded failing, not an infrastructure error.
import unittest


class SkipTest(Exception):
    pass


class KeyboardInterrupt(Exception):
    pass


_kinds = [unittest.SkipTest, SkipTest, KeyboardInterrupt, unittest.case._ShouldStop, StopIteration]
_n = [0]


def add(a, b):
    _n[0] += 1
    raise _kinds[_n[0] % len(_kinds)]("skip me")
