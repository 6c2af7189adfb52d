#!/usr/bin/env bash
# Fetches the Debian i386 packages the i386 tests run, without installing them: busybox-static:i386
# (a static glibc busybox for i386), unpacked under ${LXBRAND_CACHE:-/var/cache/lxbrand}/i386/.
# Needs the i386 architecture in dpkg's list (added here, with an apt-get update, only if missing).
# Prints nothing when there is nothing to do; idempotent.
set -euo pipefail
cache="${LXBRAND_CACHE:-/var/cache/lxbrand}/i386"
pkgs=(busybox-static)
todo=()
for p in "${pkgs[@]}"; do [ -d "$cache/$p" ] || todo+=("$p"); done
[ ${#todo[@]} -eq 0 ] && exit 0
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
  # an index that fails to download (a mirror mid-sync) is not fatal: the download below says so
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
fi
mkdir -p "$cache"
work="$(mktemp -d "$cache/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for p in "${todo[@]}"; do
  (cd "$work" && apt-get download -qq "$p:i386" >/dev/null 2>&1) || {
    # a stale package index: refresh once and retry
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    (cd "$work" && apt-get download -qq "$p:i386" >/dev/null) || { echo "i386-packages: cannot download $p:i386" >&2; exit 1; }
  }
  mkdir -p "$work/x" && dpkg-deb -x "$work/${p}"_*_i386.deb "$work/x"
  mv "$work/x" "$cache/$p"
done
