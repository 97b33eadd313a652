# ATTACK 108 sibling_scratch_write
# KIND: containment
# ATTEMPTS: write into another job's scratch: through /proc/<pid>/cwd and /proc/<pid>/root of
#           every visible process, every tmpfs listed in /proc/self/mountinfo, the scratch
#           directories of earlier or later jobs (/tmp/job*, /dev/shm), and directories named like
#           the host's bwrap mount points (/tmp/verigen-bwrap-*).
# CORRECT SANDBOX MUST: a job's scratch is private: a sibling job (another sandbox) never sees a
#           foreign file, and nothing written here reaches the next job.
# HARNESS CHECK: the sibling job run alongside finds only its own files; the next job in the same
#           sandbox finds an empty scratch.
import glob
import os

me = os.getpid()
targets = {"/tmp", "/tmp/job", "/tmp/job/..", "/dev/shm", "/var/tmp", "/run"}
for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != me):
    targets |= {
        f"/proc/{pid}/cwd",
        f"/proc/{pid}/root/tmp",
        f"/proc/{pid}/root/tmp/job",
        f"/proc/{pid}/root/dev/shm",
    }
try:
    with open("/proc/self/mountinfo") as f:
        targets |= {line.split()[4] for line in f if "tmpfs" in line}
except OSError:
    pass
targets |= set(glob.glob("/tmp/verigen-bwrap-*/*")) | set(glob.glob("/tmp/job*"))
landed = []
for t in sorted(targets):
    path = os.path.join(t, f"verigen_foreign_{me}")
    try:
        with open(path, "w") as f:
            f.write("written by attack 108")
        landed.append(t)
    except OSError:
        pass
print(f"ATTACK_INFO: tried {sorted(targets)}; wrote into {landed}")
print("ATTACK_RESULT: see harness (no file may reach a sibling or a later job)")
