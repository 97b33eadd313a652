# ATTACK 115 neighbour_limits
# KIND: containment
# ATTEMPTS: raise its own hard rlimits (setrlimit, prlimit) and change the limits, nice value,
#           scheduling and CPU affinity of PID 1 and the zygote (prlimit, setpriority by pid,
#           process group and user, sched_setaffinity, sched_setscheduler), so every later job
#           in the warm sandbox runs starved or with other limits.
# CORRECT SANDBOX MUST: hard limits cannot be raised; a job changes no other process's limits,
#           priority or scheduling.
# HARNESS CHECK: ESCAPED if any call on another process (or any hard-limit raise) succeeded; the
#           next job in the same sandbox starts with nice 0 and the usual limits.
import os
import resource

me = os.getpid()
escaped = []
for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CPU"):
    res = getattr(resource, name)
    soft, hard = resource.getrlimit(res)
    if hard != resource.RLIM_INFINITY:
        try:
            resource.setrlimit(res, (hard + 1, hard + 1))
            escaped.append(f"setrlimit {name}")
        except (OSError, ValueError):
            pass
        try:
            resource.prlimit(me, res, (hard * 2, hard * 2))
            escaped.append(f"prlimit self {name}")
        except (OSError, ValueError):
            pass
others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]


def calls(pid):
    return {
        "prlimit NOFILE": lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (4, 4)),
        "prlimit AS": lambda: resource.prlimit(pid, resource.RLIMIT_AS, (1 << 24, 1 << 24)),
        "setpriority": lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
        "setpriority pgrp": lambda: os.setpriority(os.PRIO_PGRP, os.getpgid(pid), 19),
        "sched_setaffinity": lambda: os.sched_setaffinity(pid, {0}),
        "sched_setscheduler": lambda: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0)),
        "sched_setparam": lambda: os.sched_setparam(pid, os.sched_param(0)),
    }


for pid in others:
    for what, call in calls(pid).items():
        try:
            call()
            escaped.append(f"{what} on {pid}")
        except (OSError, ValueError):
            pass
try:
    os.setpriority(os.PRIO_USER, 0, 19)
    escaped.append("setpriority PRIO_USER")
except OSError:
    pass
print(f"ATTACK_INFO: others={others}")
print("ATTACK_RESULT: " + (f"ESCAPED {escaped}" if escaped else "BLOCKED no other process touched"))
