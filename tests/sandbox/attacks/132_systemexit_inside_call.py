# ATTACK 132 systemexit_inside_call
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution whose add() raises SystemExit(0) during each test, hoping the runner
#           treats it as a clean exit (pytest-style harnesses stop and report success).
# CORRECT SANDBOX MUST: (verifier) an exception out of the solution fails the test.
# HARNESS CHECK: graded failing, not an infrastructure error.
import sys


def add(a, b):
    sys.exit(0)
