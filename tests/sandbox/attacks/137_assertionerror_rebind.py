# ATTACK 137 assertionerror_rebind
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that exports names the tests rely on: a global AssertionError class,
#           a global `add` shadow through globals(), the harness's assert counter name, and an
#           `__eq__`-free int alias, hoping the test namespace picks them up.
# CORRECT SANDBOX MUST: (verifier) the solution's names never replace a builtin or the harness's
#           own names in the test namespace.
# HARNESS CHECK: graded failing, not an infrastructure error.


class AssertionError(Exception):
    pass


globals()["__verigen_check_passed__"] = lambda: None
verigen_check_passed = lambda: None  # noqa: E731
int = lambda x=0: 3  # noqa: E731


def add(a, b):
    return a - b
