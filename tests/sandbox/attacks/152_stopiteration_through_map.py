# ATTACK 152 stopiteration_through_map
# KIND: verdict
# STYLE: check
# TASK: implement add(a, b) -> a + b; a HumanEval-style check(candidate) runs after this solution.
# ATTEMPTS: wrong solution that raises StopIteration. Where test code calls the candidate inside
#           map() (or filter, iter(callable, sentinel), zip over map), that exception does not
#           fail the test: it silently ends the iteration, so all(map(...)) is True on an empty
#           sequence and the assertion holds.
# CORRECT SANDBOX MUST: (verifier) an exception out of the solution reaches the test code as an
#           ordinary error (never StopIteration, which iteration machinery swallows).
# HARNESS CHECK: graded failing, not an infrastructure error (the check style runs it against
#           `assert all(map(lambda p: candidate(*p) == p[0] + p[1], cases))`).


def add(a, b):
    raise StopIteration
