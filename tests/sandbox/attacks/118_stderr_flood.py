# ATTACK 118 stderr_flood
# KIND: containment
# ATTEMPTS: flood stderr (not stdout) with 1 GiB as fast as possible, from the main process and
#           four children at once, after one short line on stdout.
# CORRECT SANDBOX MUST: cap stderr like stdout (1 MiB kept, the job killed past it), keep the
#           stdout already written, and stay responsive.
# HARNESS CHECK: status output_limit, stderr truncated to at most 1 MiB, the stdout line kept.
import os

os.write(1, b"ATTACK_INFO: flooding stderr\n")
for _ in range(4):
    if os.fork() == 0:
        break
chunk = b"E" * (1 << 20)
for _ in range(1024):
    os.write(2, chunk)
os.write(1, b"ATTACK_RESULT: ESCAPED wrote 1 GiB to stderr\n")
