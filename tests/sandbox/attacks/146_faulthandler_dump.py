# ATTACK 146 faulthandler_dump
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that arms faulthandler to dump tracebacks to every fd on a repeating
#           timer and on SIGUSR1/SIGSEGV, then crashes its own process with SIGSEGV inside add().
# CORRECT SANDBOX MUST: (verifier) a crash inside the solution fails the test; dumps are noise.
# HARNESS CHECK: graded failing, not an infrastructure error.
import faulthandler
import os
import signal
import sys

faulthandler.enable(file=sys.stderr, all_threads=True)
faulthandler.dump_traceback_later(0.05, repeat=True, file=sys.stderr)
faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)


def add(a, b):
    os.kill(os.getpid(), signal.SIGSEGV)
    return a + b
