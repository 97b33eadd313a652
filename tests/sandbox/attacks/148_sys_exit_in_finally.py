# ATTACK 148 sys_exit_in_finally
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution whose module ends in try/finally: sys.exit(0) (so a shared-interpreter
#           harness stops after loading it, with status 0), and whose add() returns from inside a
#           finally that raises SystemExit.
# CORRECT SANDBOX MUST: (verifier) a solution that exits while loading or during a call fails.
# HARNESS CHECK: graded failing, not an infrastructure error.
import sys


def add(a, b):
    try:
        return a - b
    finally:
        sys.exit(0)


try:
    print("ALL_TESTS_PASSED")
finally:
    sys.exit(0)
