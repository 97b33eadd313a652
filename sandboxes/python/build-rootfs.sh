#!/usr/bin/env bash
# Offline recipe: build the sandbox root filesystem into DEST with debootstrap (needs root and a
# Debian mirror, no container registry). `verigen sandbox build --offline` runs it, tars DEST and
# `docker import`s it; the bwrap backend binds DEST read-only. Keep in step with the Dockerfile.
#   usage: build-rootfs.sh DEST [MIRROR]
set -euo pipefail
dest=$1
mirror=${2:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
extra=$({ grep -v '^\s*#' "$here/packages.txt" || true; } | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
include=python3${extra:+,$extra}
debootstrap --variant=minbase --include="$include" bookworm "$dest" "$mirror"
# No setuid/setgid programs: nothing inside can elevate, even where no_new_privs were missing.
find "$dest" -xdev -type f -perm /6000 -exec chmod ug-s {} +
# A smaller image: package caches and docs are never needed at run time.
rm -rf "$dest"/var/cache/apt/archives/*.deb "$dest"/var/lib/apt/lists/* \
    "$dest"/usr/share/doc/* "$dest"/usr/share/man/* "$dest"/usr/share/locale/*
mkdir -p "$dest/tmp" && chmod 1777 "$dest/tmp"
