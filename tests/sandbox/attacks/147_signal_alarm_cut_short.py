# ATTACK 147 signal_alarm_cut_short
# KIND: verdict
# STYLE: unittest
# TASK: implement add(a, b) -> a + b; unittest.TestCase tests are appended and run in-process.
# ATTEMPTS: wrong solution that cuts the test run short: signal.alarm in its own process, and
#           SIGALRM, SIGINT, SIGUSR1 and SIGTERM sent to its parent, grandparent and every other
#           process of the job (the test runner among them), hoping tests are skipped or the run
#           ends before a failure is recorded.
# CORRECT SANDBOX MUST: (verifier) tests that did not complete fail; a signalled runner writes no
#           passing verdict.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import os
import signal

signal.alarm(1)
me = os.getpid()


def _ancestors():
    pids, pid = [], me
    for _ in range(4):
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
        if pid <= 1:
            break
        pids.append(pid)
    return pids


def add(a, b):
    for pid in _ancestors() + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if pid not in (1, me):
            for sig in (signal.SIGALRM, signal.SIGINT, signal.SIGUSR1):
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
    return a - b
