# ATTACK 107 kill_everyone
# KIND: containment
# ATTEMPTS: kill other jobs' processes and the pool's: kill(-1, SIGKILL) (every process the
#           caller may signal), then SIGKILL/SIGSTOP to every pid it can see and to every pid up
#           to 32768 it cannot, and killpg of every process group, while a sibling job runs.
# CORRECT SANDBOX MUST: jobs in separate pid namespaces: a job reaches only its own processes
#           (and the fork server ignores it); sibling jobs finish untouched, the pool works.
# HARNESS CHECK: the sibling job (run alongside) ends ok with its own output; the pool still runs
#           jobs; no process of the run survives it.
import os
import signal

me = os.getpid()
try:
    os.kill(-1, signal.SIGKILL)
    print("ATTACK_INFO: kill(-1, SIGKILL) sent", flush=True)
except OSError as e:
    print(f"ATTACK_INFO: kill(-1) -> {e!r}", flush=True)
visible = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
hit = []
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in visible:
        try:
            os.kill(pid, sig)
            hit.append((pid, sig.name))
        except OSError:
            pass
blind = 0
for pid in range(2, 32768):
    if pid != me and pid not in visible:
        try:
            os.kill(pid, signal.SIGKILL)
            blind += 1
        except OSError:
            pass
groups = 0
for pgid in range(2, 32768):
    if pgid != os.getpgid(0):
        try:
            os.killpg(pgid, signal.SIGKILL)
            groups += 1
        except OSError:
            pass
print(
    f"ATTACK_INFO: visible={visible} signalled={hit} blind_hits={blind} groups={groups}", flush=True
)
print("ATTACK_RESULT: see harness (the sibling job must survive)")
