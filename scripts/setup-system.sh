#!/usr/bin/env bash
# Install and start what verigen's sandbox needs on a Debian/Ubuntu machine, as root.
#
# Idempotent: installs docker.io, bubblewrap, debootstrap and iproute2 only when missing, starts
# dockerd only when no engine answers, and then waits (up to 60 s) until one does. Harmless when all is
# already in place. Without root it only reports what is missing (the bwrap backend can still run
# unprivileged where the kernel allows user namespaces).
set -euo pipefail

log() { printf 'setup-system: %s\n' "$*" >&2; }

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v ip >/dev/null 2>&1 || need+=(iproute2)  # the Ray tests' private loopback network

if ((${#need[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        log "missing ${need[*]}; run this script as root to install them"
        exit 1
    fi
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# Installed is not working: a kernel without user namespaces breaks bwrap only when it runs.
if ! why=$(bwrap --unshare-user --unshare-pid --ro-bind / / true 2>&1); then
    log "bubblewrap is installed but cannot make a sandbox here: ${why}"
fi

engine_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
    log "docker engine answers"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    log "no docker engine answers and starting one needs root; the bwrap backend remains"
    exit 0
fi
start_dockerd() {
    log "starting dockerd (log: /var/log/verigen-dockerd.log)"
    # setsid + nohup: the daemon must outlive this script and the shell that called it.
    setsid nohup dockerd >/var/log/verigen-dockerd.log 2>&1 </dev/null &
}
pgrep -x dockerd >/dev/null 2>&1 || start_dockerd
for _ in $(seq 60); do
    if engine_answers; then
        log "docker engine answers"
        exit 0
    fi
    # A dockerd found above may have been shutting down; once it is gone, start a new one.
    pgrep -x dockerd >/dev/null 2>&1 || start_dockerd
    sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/verigen-dockerd.log"
exit 1
