# ATTACK 134 baseexception_subclasses
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that escapes `except Exception` in the harness: add() raises a
#           BaseException subclass, GeneratorExit, or an exception named like the harness's own
#           control-flow exceptions (BudgetSpent, FirstFailure), in turn.
# CORRECT SANDBOX MUST: (verifier) whatever the solution raises, its test fails.
# HARNESS CHECK: graded failing, not an infrastructure error.


class BudgetSpent(BaseException):
    pass


class FirstFailure(BaseException):
    pass


class Escape(BaseException):
    pass


_calls = [0]


def add(a, b):
    _calls[0] += 1
    kind = (Escape, GeneratorExit, BudgetSpent, FirstFailure)[_calls[0] % 4]
    raise kind("tests are over")
