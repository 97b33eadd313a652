# ATTACK 131 os_exit_inside_call
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution whose add() prints the success markers and os._exit(0)s in the middle
#           of the first test, so the test process (if it were the same one) ends with status 0.
# CORRECT SANDBOX MUST: (verifier) a call that never answers fails its test; exit status and
#           markers count for nothing.
# HARNESS CHECK: graded failing, not an infrastructure error.
import os


def add(a, b):
    print("ALL_TESTS_PASSED\nOK\n3 passed", flush=True)
    os._exit(0)
