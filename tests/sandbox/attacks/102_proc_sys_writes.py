# ATTACK 102 proc_sys_writes
# KIND: containment
# ATTEMPTS: write every file under /proc/sys and a bounded walk of /sys (cgroup limits, kernel
#           knobs, power state), and the per-process knobs of PID 1 and every other visible process
#           (oom_score_adj, timerslack_ns, coredump_filter, comm, uid_map, attr/current). To stay
#           harmless it only ever writes back the value it just read (never /proc/sysrq-trigger,
#           which it only opens); a write the kernel accepts is the escape: the knob is the job's
#           to change, and namespaced ones (kernel.msgmax, kernel.pid_max, fs.mqueue.*) keep the
#           change for every later job of a warm sandbox.
# CORRECT SANDBOX MUST: /proc/sys and /sys read-only or absent, cgroup files out of reach, other
#           processes' /proc knobs closed to the job.
# HARNESS CHECK: ESCAPED if any write was accepted (a file that opens for writing but cannot be
#           read, as /proc/<pid>/timerslack_ns of another process, is only listed).
import contextlib
import os

me = os.getpid()
written, opened, tried = [], [], 0


def try_write(path):
    global tried
    tried += 1
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return
    try:
        with open(path, "rb") as f:
            current = f.read(4096)
    except OSError:
        current = b""
    try:
        if current and path != "/proc/sysrq-trigger":
            os.write(fd, current)
            written.append(path)
        else:
            opened.append(path)
    except OSError:
        pass
    finally:
        os.close(fd)


for top in ("/proc/sys", "/sys"):
    count = 0
    for root, _, files in os.walk(top, followlinks=False):
        for name in files:
            if count < 20000:
                count += 1
                try_write(os.path.join(root, name))
try_write("/proc/sysrq-trigger")
knobs = (
    "oom_score_adj",
    "oom_adj",
    "timerslack_ns",
    "coredump_filter",
    "comm",
    "uid_map",
    "gid_map",
    "setgroups",
    "autogroup",
    "sched",
    "attr/current",
    "loginuid",
)
for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != me):
    for knob in knobs:
        with contextlib.suppress(OSError):
            try_write(f"/proc/{pid}/{knob}")
print(f"ATTACK_INFO: tried {tried} files; opened but not written: {opened[:40]}")
print(f"ATTACK_INFO: writes accepted: {written[:60]}")
if written:
    print(f"ATTACK_RESULT: ESCAPED {len(written)} knobs written")
else:
    print("ATTACK_RESULT: BLOCKED nothing writable")
