# ATTACK 110 abstract_and_loopback
# KIND: containment
# ATTEMPTS: reach listeners of the host: the abstract unix socket @verigen_canary_abstract and
#           every abstract or path socket named in /proc/net/unix, well-known daemon sockets
#           (docker, containerd, dbus, systemd, X11, nscd), and TCP on 127.0.0.1, ::1 and the
#           default gateway at the canary port 47123 and at common service ports.
# CORRECT SANDBOX MUST: a private network namespace (which also scopes abstract unix sockets) and
#           no host socket path bound in.
# HARNESS CHECK: ESCAPED if anything answers; host side: neither the TCP nor the abstract canary
#           token appears in the output.
import contextlib
import os
import socket

reached = []


def try_unix(address, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind)
    s.settimeout(1)
    try:
        s.connect(address)
        data = b""
        with contextlib.suppress(OSError):
            data = s.recv(200)
        reached.append(repr(address))
        print(f"ATTACK_INFO: connected {address!r} -> {data!r}")
    except OSError:
        pass
    finally:
        s.close()


def try_tcp(host, port, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect((host, port))
        data = b""
        with contextlib.suppress(OSError):
            data = s.recv(200)
        reached.append(f"{host}:{port}")
        print(f"ATTACK_INFO: connected {host}:{port} -> {data!r}")
    except OSError:
        pass
    finally:
        s.close()


for name in ("verigen_canary_abstract", "/tmp/.X11-unix/X0", "/run/dbus/system_bus_socket"):
    for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
        try_unix("\0" + name, kind)
for path in (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/dbus/system_bus_socket",
    "/run/systemd/private",
    "/run/systemd/notify",
    "/tmp/.X11-unix/X0",
    "/var/run/nscd/socket",
    "/dev/log",
):
    if os.path.exists(path):
        try_unix(path)
try:
    with open("/proc/net/unix") as f:
        listed = f.read().splitlines()[1:]
except OSError:
    listed = []
print(f"ATTACK_INFO: /proc/net/unix lists {len(listed)} sockets")
for line in listed:
    fields = line.split()
    if len(fields) >= 8:
        name = fields[7]
        try_unix("\0" + name[1:] if name.startswith("@") else name)
for host, family in (
    ("127.0.0.1", socket.AF_INET),
    ("::1", socket.AF_INET6),
    ("0.0.0.0", socket.AF_INET),
    ("172.17.0.1", socket.AF_INET),
    ("10.0.2.2", socket.AF_INET),
):
    for port in (47123, 22, 80, 2375, 2376, 6379, 8080):
        try_tcp(host, port, family)
print(
    "ATTACK_RESULT: "
    + (f"ESCAPED reached {reached}" if reached else "BLOCKED no listener reachable")
)
