# ATTACK 113 deep_directory_nesting
# KIND: containment
# ATTEMPTS: leave a directory tree 1500 levels deep in the scratch (few inodes, well within every
#           cap), so that a recursive clean-up after the job overflows its stack or path length.
# CORRECT SANDBOX MUST: clean up any tree the job can make (or replace the sandbox) and report the
#           job by what it did (ok here), never as a sandbox failure.
# HARNESS CHECK: the run ends ok and is no sandbox_error; the next job's scratch is empty.
import os

depth = 0
try:
    for _ in range(1500):
        os.mkdir("d")
        os.chdir("d")
        depth += 1
except OSError as e:
    print(f"ATTACK_INFO: stopped at {depth}: {e!r}")
print(f"ATTACK_INFO: nested {depth} directories")
print("ATTACK_RESULT: see harness (the run must end ok)")
