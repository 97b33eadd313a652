# ATTACK 114 setuid_binaries
# KIND: containment
# ATTEMPTS: gain privileges through the image's setuid/setgid binaries and file capabilities:
#           find them all, start each one with no arguments and stdin held open (so prompts
#           wait), and read its effective ids and capabilities from /proc while it runs; also
#           setuid(0)/setresuid and a setuid copy of our own in the scratch.
# CORRECT SANDBOX MUST: no_new_privs (setuid bits and file capabilities ignored), no capabilities,
#           nosuid scratch.
# HARNESS CHECK: ESCAPED if any process of the job ran with euid 0, a non-empty effective
#           capability set or a gid it did not start with.
import contextlib
import os
import shutil
import stat
import subprocess
import time

me_uid, me_gid = os.getuid(), os.getgid()
found = []
for top in ("/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/bin", "/sbin", "/usr/local"):
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            caps = False
            with contextlib.suppress(OSError):
                caps = bool(os.getxattr(path, "security.capability", follow_symlinks=False))
            if stat.S_ISREG(st.st_mode) and (st.st_mode & (stat.S_ISUID | stat.S_ISGID) or caps):
                found.append(path)
found = sorted(set(found))
print(f"ATTACK_INFO: setuid/setgid/capability binaries: {found}", flush=True)
copy = "/tmp/job/suid_python"
try:
    shutil.copy("/usr/bin/python3", copy)
    os.chmod(copy, 0o6755)
    found.append(copy)
except OSError as e:
    print(f"ATTACK_INFO: setuid copy -> {e!r}")


def status_of(pid):
    st = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            st[key] = value.split()
    return st


gained = []
for path in found:
    args = [path] if path != copy else [path, "-c", "import time; time.sleep(1)"]
    try:
        p = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except OSError as e:
        print(f"ATTACK_INFO: {path} -> {e!r}")
        continue
    time.sleep(0.15)
    try:
        st = status_of(p.pid)
        euid, egid = int(st["Uid"][1]), int(st["Gid"][1])
        cap_eff = int(st["CapEff"][0], 16)
        if euid != me_uid or egid != me_gid or cap_eff:
            gained.append((path, euid, egid, hex(cap_eff)))
    except (OSError, KeyError, ValueError):
        pass
    p.kill()
    p.wait()
for name, call in (
    ("setuid", lambda: os.setuid(0)),
    ("setresuid", lambda: os.setresuid(0, 0, 0)),
    ("setgid", lambda: os.setgid(0)),
    ("setgroups", lambda: os.setgroups([0])),
):
    try:
        call()
        gained.append(name)
    except OSError as e:
        print(f"ATTACK_INFO: {name} -> {e!r}")
print("ATTACK_RESULT: " + (f"ESCAPED {gained}" if gained else "BLOCKED no privilege gained"))
