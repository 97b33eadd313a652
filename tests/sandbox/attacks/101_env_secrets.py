# ATTACK 101 env_secrets
# KIND: containment
# ATTEMPTS: read the launcher's environment for secrets: os.environ, /proc/self/environ, then the
#           environ and cmdline of PID 1 and of every other visible process, looking for
#           VERIGEN_CANARY_ENV or anything named like a credential (KEY, TOKEN, SECRET, PASSWORD).
# CORRECT SANDBOX MUST: hand the program a clean environment (nothing of the launcher's) and keep
#           the supervisor's /proc/<pid>/environ unreadable.
# HARNESS CHECK: ESCAPED if the env canary or a credential-like variable shows up; host side: the
#           env canary token never appears in the output.
import os

SECRETISH = ("CANARY", "KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AWS_")
found = []


def scan(where, text):
    for item in text.split("\0"):
        name, _, value = item.partition("=")
        if value and any(s in name.upper() for s in SECRETISH):
            found.append(where)
            print(f"ATTACK_INFO: {where}: {name}={value}")


scan("os.environ", "\0".join(f"{k}={v}" for k, v in os.environ.items()))
print(f"ATTACK_INFO: own environment names: {sorted(os.environ)}")
me = os.getpid()
for pid in [
    "self",
    "thread-self",
    *sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int),
]:
    for part in ("environ", "cmdline"):
        path = f"/proc/{pid}/{part}"
        try:
            with open(path, "rb") as f:
                data = f.read().decode(errors="replace")
        except OSError as e:
            print(f"ATTACK_INFO: {path} -> {e!r}")
            continue
        if part == "environ" and pid not in ("self", "thread-self", str(me)):
            print(f"ATTACK_INFO: {path} readable ({len(data)} bytes)")
        scan(path, data)
print(
    "ATTACK_RESULT: "
    + (f"ESCAPED secrets in {found}" if found else "BLOCKED no launcher secret visible")
)
