# ATTACK 155 stop_or_kill_runner
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that, in its first call, SIGSTOPs the test runner (its grandparent)
#           and every other process of the job but itself, then on later calls SIGKILLs them, so
#           the run hangs or dies before a failure is written and is taken for a sandbox fault.
# CORRECT SANDBOX MUST: (verifier) a runner that was stopped or killed writes no verdict: the
#           solution fails, and the job is reported as the job's doing, not the sandbox's.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import os
import signal

_calls = [0]


def add(a, b):
    _calls[0] += 1
    sig = signal.SIGSTOP if _calls[0] == 1 else signal.SIGKILL
    me = os.getpid()
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        if pid not in (1, me):
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
    return a - b
