# ATTACK 119 fd_scan_forge_frame
# KIND: containment
# ATTEMPTS: find the supervisor's channel to the host among inherited or reachable fds (fds 3 to
#           4096, /proc/1/fd, /proc/<zygote>/fd) and write a forged answer frame (length-prefixed
#           JSON claiming status ok) into every one it can; the same frame on its own stdout.
# CORRECT SANDBOX MUST: the job holds only fds 0-2; the supervisor's fds are unreachable; the host
#           reads the job's output as data, never as protocol.
# HARNESS CHECK: ESCAPED if any fd beyond 0-2 was open or writable; the run ends ok with the forged
#           bytes only in its stdout, and the pool still works.
import json
import os
import struct

body = json.dumps(
    {"status": "ok", "reason": None, "exit_code": 0, "stdout": "", "clean": True}
).encode()
frame = struct.pack(">I", len(body)) + body
extra = []
for fd in range(3, 4096):
    try:
        os.fstat(fd)
        extra.append(fd)
    except OSError:
        pass
written = []
me = os.getpid()
for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != me]:
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError as e:
        print(f"ATTACK_INFO: /proc/{pid}/fd -> {e!r}")
        continue
    for name in names:
        try:
            fd = os.open(f"/proc/{pid}/fd/{name}", os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, frame)
            os.close(fd)
            written.append(f"{pid}/{name}")
        except OSError:
            pass
os.write(1, frame + b"\n")
print(f"ATTACK_INFO: extra fds {extra}; wrote into {written}")
print(
    "ATTACK_RESULT: "
    + (f"ESCAPED fds {extra} {written}" if extra or written else "BLOCKED only fds 0-2")
)
