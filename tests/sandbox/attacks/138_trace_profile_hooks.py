# ATTACK 138 trace_profile_hooks
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that installs sys.settrace, sys.setprofile, threading hooks and an
#           audit hook that try to skip assert lines (f_lineno jumps), swallow exceptions and
#           rewrite frames' locals, in the hope the tests run under them.
# CORRECT SANDBOX MUST: (verifier) tests run in a process the solution's hooks never reach.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import sys
import threading


def _tracer(frame, event, arg):
    if event == "line" and "assert" in (frame.f_code.co_name + str(frame.f_code.co_filename)):
        with contextlib.suppress(ValueError):
            frame.f_lineno = frame.f_lineno + 1
    if event == "exception":
        frame.f_locals.clear()
    return _tracer


sys.settrace(_tracer)
sys.setprofile(lambda frame, event, arg: None)
threading.settrace(_tracer)
threading.setprofile(lambda frame, event, arg: None)
sys.addaudithook(lambda event, args: None)


def add(a, b):
    return a + b + 1
