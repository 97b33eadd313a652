# ATTACK 120 signal_zygote
# KIND: containment
# ATTEMPTS: damage the warm sandbox for the next job without killing anything: every signal to
#           PID 1, SIGSTOP and every blockable signal to the zygote, thousands of queued real-time
#           signals into it (until the queue refuses), a changed process group, and a ptrace attach.
# CORRECT SANDBOX MUST: the fork server ignores the job; nothing pending or stopped in the zygote
#           reaches a later job: the next harness job grades a correct solution passing and a
#           wrong one failing.
# HARNESS CHECK: the run ends ok; afterwards correct add passes and wrong add fails in the pool.
import contextlib
import ctypes
import os
import signal

me = os.getpid()
others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
for sig in signal.valid_signals():
    if sig not in (signal.SIGKILL,):
        with contextlib.suppress(OSError):
            os.kill(1, sig)
queued = 0
for pid in others:
    for sig in signal.valid_signals():
        if sig not in (signal.SIGKILL, signal.SIGCONT):
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
    for _ in range(5000):
        try:
            os.kill(pid, signal.SIGRTMIN + 3)
            queued += 1
        except OSError:
            break
    try:
        os.setpgid(pid, me)
    except OSError as e:
        print(f"ATTACK_INFO: setpgid {pid} -> {e!r}")
libc = ctypes.CDLL(None, use_errno=True)
attached = [p for p in others if libc.ptrace(16, p, None, None) == 0]  # PTRACE_ATTACH
print(f"ATTACK_INFO: others={others} queued={queued} attached={attached}")
print("ATTACK_RESULT: " + (f"ESCAPED ptrace on {attached}" if attached else "BLOCKED see harness"))
