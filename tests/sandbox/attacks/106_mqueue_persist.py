# ATTACK 106 mqueue_persist
# KIND: containment
# ATTEMPTS: keep state for the next job in POSIX message queues without mq_open (which the seccomp
#           filter denies): open(O_CREAT) on a mounted mqueue filesystem (/dev/mqueue) creates a
#           queue just the same, and mq_timedsend on that fd stores a message in it.
# CORRECT SANDBOX MUST: no writable mqueue filesystem, or one emptied after every job: nothing a
#           job leaves may reach the next one.
# HARNESS CHECK: the next job in the same sandbox finds /dev/mqueue absent or empty.
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
NR_MQ_OPEN, NR_MQ_TIMEDSEND = 240, 242
r = libc.syscall(NR_MQ_OPEN, b"verigen_direct", os.O_CREAT | os.O_RDWR, 0o600, None)
print(f"ATTACK_INFO: mq_open syscall -> {r} errno {ctypes.get_errno()}")
created, sent = [], 0
for i in range(8):
    path = f"/dev/mqueue/verigen_left_behind_{i}"
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o666)
    except OSError as e:
        print(f"ATTACK_INFO: {path} -> {e!r}")
        break
    created.append(path)
    msg = f"a message left by an earlier job ({i})".encode()
    if libc.syscall(NR_MQ_TIMEDSEND, fd, msg, len(msg), 0, None) == 0:
        sent += 1
print(f"ATTACK_INFO: created {len(created)} queues, {sent} messages stored")
print(
    "ATTACK_RESULT: "
    + (
        f"WEAK {len(created)} queues (see harness: they must not outlive the job)"
        if created
        else "BLOCKED no mqueue filesystem"
    )
)
