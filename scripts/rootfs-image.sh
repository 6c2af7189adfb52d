#!/usr/bin/env bash
# Builds the Debian root file system image the --image tests use, once:
#   ${LXBRAND_CACHE:-/var/cache/lxbrand}/debian-bookworm-minbase.tar.gz
# made with Debian's debootstrap --variant=minbase from deb.debian.org (about 30 s and 60 MB).
# Prints the image's path. Idempotent: an existing image is kept.
set -euo pipefail
cache="${LXBRAND_CACHE:-/var/cache/lxbrand}"
image="$cache/debian-bookworm-minbase.tar.gz"
if [ -s "$image" ]; then echo "$image"; exit 0; fi
command -v debootstrap >/dev/null || { echo "rootfs-image: debootstrap not found; run 'make setup'" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "rootfs-image: debootstrap needs root" >&2; exit 1; }
mkdir -p "$cache"
work="$(mktemp -d "$cache/debootstrap.XXXXXX")"
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase bookworm "$work/root" http://deb.debian.org/debian >"$work/log" 2>&1 || {
  echo "rootfs-image: debootstrap failed; its last lines:" >&2; tail -5 "$work/log" >&2; exit 1; }
tar --numeric-owner --xattrs -C "$work/root" -czf "$work/image.tar.gz" .
mv "$work/image.tar.gz" "$image"
echo "$image"
