# ATTACK 104 inode_exhaustion
# KIND: containment
# ATTEMPTS: exhaust inodes rather than bytes: empty files, directories and symlinks in the
#           scratch directory and /dev/shm until the filesystem refuses (or 6 s pass).
# CORRECT SANDBOX MUST: cap inodes as well as bytes on every writable filesystem (about 4096 in
#           /tmp and 1024 in /dev/shm under the test limits); a full filesystem is the program's
#           failure, never a sandbox error; the next job gets an empty scratch.
# HARNESS CHECK: the counts printed stay within the caps; the next job's scratch is empty.
import os
import time

deadline = time.monotonic() + 6
for top in ("/tmp/job", "/dev/shm"):
    base = os.path.join(top, "inodes")
    made, last = 0, None
    try:
        os.mkdir(base)
        made += 1
    except OSError as e:
        last = e
    while last is None and time.monotonic() < deadline:
        i = made
        try:
            kind = i % 3
            if kind == 0:
                os.close(os.open(f"{base}/f{i}", os.O_CREAT | os.O_WRONLY, 0o600))
            elif kind == 1:
                os.mkdir(f"{base}/d{i}")
            else:
                os.symlink("/" + "x" * 100, f"{base}/s{i}")
            made += 1
        except OSError as e:
            last = e
    print(f"ATTACK_INFO: {top} inodes={made} last error {last!r}", flush=True)
print("ATTACK_RESULT: see harness")
