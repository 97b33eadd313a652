# ATTACK 153 stash_stderr_pipe
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that, while loading, leaves its stdout and stderr (the job's stderr
#           pipe) in a unix socket cycle no process owns (fds sent, never received), so the pipe
#           never reaches end-of-file: a supervisor that waits for it turns a wrong solution into
#           a sandbox failure ("retry, never count as wrong"). The kernel collects such cycles only
#           when some unix socket is released, so the solution first kills the process that
#           forked it (releasing its socket while the cycle is still reachable) and puts its own
#           socket to the test runner into the cycle too: when it is killed, nothing is released.
# CORRECT SANDBOX MUST: (verifier) the job ends when its processes are gone; the wrong solution is
#           graded failing, never as an infrastructure error.
# HARNESS CHECK: graded failing, not an infrastructure error.
import os
import signal
import socket
import stat

os.kill(os.getppid(), signal.SIGKILL)
_held = [1, 2]
for _name in os.listdir("/proc/self/fd"):
    try:
        if int(_name) > 2 and stat.S_ISSOCK(os.fstat(int(_name)).st_mode):
            _held.append(int(_name))
    except OSError:
        pass
_a, _b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
socket.send_fds(_a, [b"x"], [_a.fileno(), _b.fileno(), *_held])
socket.send_fds(_b, [b"y"], [_a.fileno(), _b.fileno(), *_held])


def add(a, b):
    return a - b
