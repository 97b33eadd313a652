# ATTACK 105 tmp_shm_fill
# KIND: containment
# ATTEMPTS: fill every place that might be writable: the scratch directory, /tmp, /dev/shm,
#           /var/tmp, /run, /run/lock, /var/lock, /home, /root, /dev and / (the mqueue
#           filesystem is attack 106's), in 1 MiB writes, a new file after each size error,
#           until each refuses.
# CORRECT SANDBOX MUST: only the capped scratch (/tmp, 64 MiB) and /dev/shm (16 MiB) take
#           writes; everything else is read-only or absent.
# HARNESS CHECK: at most 64 + 16 MiB (plus slack) written in all; ESCAPED if any other directory
#           took a byte.
import os

chunk = b"\xa5" * (1 << 20)
ALLOWED = ("/tmp", "/tmp/job", "/dev/shm")
total, other = 0, []
for d in (
    "/tmp/job",
    "/tmp",
    "/dev/shm",
    "/var/tmp",
    "/run",
    "/run/lock",
    "/var/lock",
    "/home",
    "/root",
    "/dev",
    "/",
):
    wrote, files, errors = 0, 0, 0
    while errors < 3 and wrote < (256 << 20):
        path = os.path.join(d, f"verigen_fill_{files}")
        files += 1
        try:
            with open(path, "wb") as f:
                while True:
                    f.write(chunk)
                    f.flush()
                    wrote += len(chunk)
        except OSError:
            errors += 1
    total += wrote
    if wrote and d not in ALLOWED:
        other.append(d)
    print(f"ATTACK_INFO: {d}: wrote {wrote >> 20} MiB", flush=True)
print(f"ATTACK_INFO: total wrote {total >> 20} MiB")
print(
    "ATTACK_RESULT: "
    + (f"ESCAPED wrote to {other}" if other else "BLOCKED only the capped scratch")
)
