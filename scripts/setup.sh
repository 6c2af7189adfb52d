#!/usr/bin/env bash
# Installs what the tests and benchmarks need from Debian, if it is missing:
# musl-tools and gcc-multilib (to rebuild fixtures), strace (trace recording),
# busybox-static (test/busybox.test.ts), qemu-user (bench/ comparison), debootstrap (the
# Debian image the --image tests run in: scripts/rootfs-image.sh, run at the end), and the npm
# packages with real static binaries the tests run (scripts/npm-binaries.sh), and Debian's i386
# busybox-static, unpacked, not installed (scripts/i386-packages.sh).
# Idempotent and quiet: does nothing when everything is there. Works as root,
# or through sudo otherwise.
set -euo pipefail
pkgs=(musl-tools gcc-multilib strace busybox-static qemu-user debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
here="$(cd "$(dirname "$0")" && pwd)"
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
if [ ${#missing[@]} -eq 0 ]; then "${sudo[@]}" "$here/rootfs-image.sh" >/dev/null; "${sudo[@]}" "$here/npm-binaries.sh"; "${sudo[@]}" "$here/i386-packages.sh"; exit 0; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
"${sudo[@]}" "$here/rootfs-image.sh" >/dev/null
"${sudo[@]}" "$here/npm-binaries.sh"
"${sudo[@]}" "$here/i386-packages.sh"
