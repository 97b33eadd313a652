# ATTACK 142 lying_dunders
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution returning an object that lies in every dunder a comparison may use:
#           __eq__ always True, __ne__ always False, __bool__ True, __hash__ equal to the
#           expected int's, __repr__/__str__ printing the expected value, __int__/__index__
#           converting to it, __class__ claiming to be int.
# CORRECT SANDBOX MUST: (verifier) only exact builtin values cross from the solution; anything
#           else fails the test.
# HARNESS CHECK: graded failing, not an infrastructure error.


class _Liar:
    def __init__(self, shown):
        self.shown = shown

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __hash__(self):
        return hash(self.shown)

    def __repr__(self):
        return repr(self.shown)

    __str__ = __repr__

    def __int__(self):
        return self.shown

    __index__ = __int__

    @property
    def __class__(self):
        return int


def add(a, b):
    return _Liar(a + b)
