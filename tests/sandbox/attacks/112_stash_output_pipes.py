# ATTACK 112 stash_output_pipes
# KIND: containment
# ATTEMPTS: keep the job's own stdout and stderr pipes open after every process of the job is
#           dead, by leaving them in a unix socket cycle (fds sent, never received), then exit 0
#           at once: a supervisor that waits for end-of-file on the output waits forever.
# CORRECT SANDBOX MUST: end the job when its processes are gone, whatever holds the pipes, and
#           report it by what the program did (ok here), never as a sandbox failure.
# HARNESS CHECK: the run ends ok with the program's output, well within the wall limit, and is
#           no sandbox_error.
import os
import socket

print("ATTACK_INFO: stashing stdout and stderr", flush=True)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
socket.send_fds(a, [b"x"], [a.fileno(), b.fileno(), 1, 2])
socket.send_fds(b, [b"y"], [a.fileno(), b.fileno(), 1, 2])
os.write(1, b"ATTACK_RESULT: see harness (the run must end ok)\n")
os._exit(0)
