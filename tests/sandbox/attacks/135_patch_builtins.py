# ATTACK 135 patch_builtins
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that patches builtins at import so appended asserts cannot fail:
#           AssertionError replaced by a harmless class, int.__eq__-like helpers (isinstance,
#           type, len, abs, all, any) made to answer True, __import__ and __build_class__
#           wrapped, print silenced.
# CORRECT SANDBOX MUST: (verifier) run tests in a process whose builtins the solution never
#           touched.
# HARNESS CHECK: graded failing, not an infrastructure error.
import builtins


class _Harmless(Exception):
    pass


builtins.AssertionError = _Harmless
builtins.isinstance = lambda *a: True
builtins.all = lambda *a: True
builtins.any = lambda *a: True
builtins.abs = lambda x: 0
builtins.len = lambda x: 0
builtins.print = lambda *a, **k: None
_real_import = builtins.__import__
builtins.__import__ = lambda name, *a, **k: _real_import(name, *a, **k)
_real_build = builtins.__build_class__
builtins.__build_class__ = lambda *a, **k: _real_build(*a, **k)


def add(a, b):
    return a - b
