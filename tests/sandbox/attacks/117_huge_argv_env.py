# ATTACK 117 huge_argv_env
# KIND: containment
# ATTEMPTS: exec with an enormous argv and environment: first lift the stack soft limit (which
#           sizes the room for arguments), then execve python with 1 MiB, 6 MiB, 64 MiB and 400 MiB
#           of arguments, and of environment, each in a child.
# CORRECT SANDBOX MUST: the kernel's ARG_MAX and the job's memory limit bound it: each exec fails
#           (E2BIG, MemoryError) or the child is killed, and the job ends normally.
# HARNESS CHECK: the run ends ok, nonzero_exit or memory_limit, never a sandbox error, and the pool
#           still runs jobs.
import os
import resource

soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
try:
    resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))
except (OSError, ValueError) as e:
    print(f"ATTACK_INFO: stack limit -> {e!r}")
for mib in (1, 6, 64, 400):
    for where in ("argv", "env"):
        pid = os.fork()
        if pid == 0:
            try:
                blob = "A" * (128 << 10)
                items = [blob] * (mib * 8)
                if where == "argv":
                    os.execve("/usr/bin/python3", ["python3", "-c", "pass", *items], {})
                else:
                    os.execve(
                        "/usr/bin/python3",
                        ["python3", "-c", "pass"],
                        {f"V{i}": blob for i in range(len(items))},
                    )
            except BaseException as e:
                os.write(1, f"ATTACK_INFO: {where} {mib} MiB -> {e!r}\n".encode())
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        print(f"ATTACK_INFO: {where} {mib} MiB status {status:#x}", flush=True)
print("ATTACK_RESULT: see harness")
