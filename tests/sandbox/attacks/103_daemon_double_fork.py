# ATTACK 103 daemon_double_fork
# KIND: containment
# ATTEMPTS: outlive the run: a classic double-fork daemon (setsid, ignore SIGTERM/SIGHUP, chdir /,
#           fds closed) that keeps a heartbeat in /dev/shm and /tmp, a chain of processes that
#           re-fork every few milliseconds to slip past a kill loop, and a child subreaper; the
#           main process exits 0 at once.
# CORRECT SANDBOX MUST: kill every process of the job when its main process ends; nothing of it
#           runs in the next job or on the host.
# HARNESS CHECK: host side: no process of the run survives it; the next job in the same sandbox
#           sees no foreign process and no heartbeat file.
import contextlib
import ctypes
import os
import signal
import time


def daemon_body(tag):
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)
    os.chdir("/")
    for fd in range(0, 256):
        with contextlib.suppress(OSError):
            os.close(fd)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for d in ("/dev/shm", "/tmp"):
            try:
                with open(f"{d}/verigen_heartbeat_{tag}", "w") as f:
                    f.write(str(time.time()))
            except OSError:
                pass
        time.sleep(0.05)


def daemonize(tag):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            daemon_body(tag)
        os._exit(0)


def hopper():
    if os.fork() == 0:
        os.setsid()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                if os.fork() != 0:
                    os._exit(0)  # the parent leaves, the child carries on under a new pid
            except OSError:
                time.sleep(0.001)
            time.sleep(0.002)
        os._exit(0)


def subreaper():
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        daemonize("subreaped")
        daemon_body("subreaper")


daemonize("classic")
hopper()
subreaper()
time.sleep(0.3)
print(f"ATTACK_INFO: daemons started from pid {os.getpid()}", flush=True)
print("ATTACK_RESULT: see harness", flush=True)
os._exit(0)
