# ATTACK 154 deep_nesting_solution
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that, while loading, builds a directory tree 1500 levels deep in its
#           working directory, so that the supervisor's clean-up after the job fails and the run
#           is reported as a sandbox failure instead of a wrong solution.
# CORRECT SANDBOX MUST: (verifier) the wrong solution is graded failing, never as an
#           infrastructure error.
# HARNESS CHECK: graded failing, not an infrastructure error.
import os

_here = os.getcwd()
try:
    for _ in range(1500):
        os.mkdir("d")
        os.chdir("d")
except OSError:
    pass
os.chdir(_here)


def add(a, b):
    return a - b
