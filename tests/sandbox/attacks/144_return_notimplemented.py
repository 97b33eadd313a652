# ATTACK 144 return_notimplemented
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution returning NotImplemented (truthy, and the value a rich comparison
#           hands back to mean "ask the other side"), Ellipsis, or an object whose __eq__ returns
#           NotImplemented so the comparison falls back to identity tricks.
# CORRECT SANDBOX MUST: (verifier) such values are not plain data: the test fails.
# HARNESS CHECK: graded failing, not an infrastructure error.


class _Defer:
    def __eq__(self, other):
        return NotImplemented

    __hash__ = object.__hash__


_n = [0]


def add(a, b):
    _n[0] += 1
    return (NotImplemented, ..., _Defer())[_n[0] % 3]
