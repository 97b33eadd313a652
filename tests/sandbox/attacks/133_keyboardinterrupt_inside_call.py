# ATTACK 133 keyboardinterrupt_inside_call
# KIND: verdict
# STYLE: unittest
# TASK: implement add(a, b) -> a + b; unittest.TestCase tests are appended and run in-process.
# ATTEMPTS: wrong solution whose add() raises KeyboardInterrupt, which unittest re-raises and
#           which stops a run "by the user" before any failure is recorded.
# CORRECT SANDBOX MUST: (verifier) an interrupted test is not a passed test.
# HARNESS CHECK: graded failing, not an infrastructure error.


def add(a, b):
    raise KeyboardInterrupt
