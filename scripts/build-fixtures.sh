#!/usr/bin/env bash
# Builds the test fixtures: every test/fixtures/src/NAME.c whose first line
# starts with "/* lxbrand fixture" (other sources there belong to tests that
# build them their own way) becomes
#   test/fixtures/bin/musl/NAME        musl-gcc -static -O2, stripped (x86-64)
#   test/fixtures/bin/glibc/NAME       gcc -static -O2, stripped (x86-64)
#   test/fixtures/bin/glibc-i386/NAME  gcc -m32 -static -O2, stripped (i386)
#   test/fixtures/bin/glibc-dyn/NAME   gcc -O2, stripped, dynamically linked PIE (Debian's ld.so and libc)
#   test/fixtures/bin/glibc-i386-dyn/NAME  gcc -m32 -O2, stripped, dynamic PIE (Debian's libc6-i386: /lib/ld-linux.so.2)
# A source file can narrow this with a comment line
#   lxbrand-fixture-targets: musl glibc          (or "none" to build nothing)
# and add compiler flags with
#   lxbrand-fixture-cflags: -DFOO
# The binaries are committed, so tests never need a compiler.
# Usage: scripts/build-fixtures.sh [NAME...]   (default: all)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/test/fixtures/src"
out="$root/test/fixtures/bin"
CFLAGS_COMMON="-O2 -s -Wall -Wextra -fno-ident"

need() { command -v "$1" >/dev/null || { echo "build-fixtures: $1 not found; run 'make setup'" >&2; exit 1; }; }
need gcc
need musl-gcc

if [ $# -gt 0 ]; then names=("$@"); else
  names=()
  for f in "$src"/*.c; do
    head -1 "$f" | grep -q '^/\* lxbrand fixture' && names+=("$(basename "$f" .c)")
  done
fi

mkdir -p "$out/musl" "$out/glibc" "$out/glibc-i386" "$out/glibc-dyn" "$out/glibc-i386-dyn"
built=0
for name in "${names[@]}"; do
  file="$src/$name.c"
  [ -f "$file" ] || { echo "build-fixtures: no $file" >&2; exit 1; }
  targets="$(sed -n 's/.*lxbrand-fixture-targets:[[:space:]]*\([a-z0-9 -]*\).*/\1/p' "$file" | head -1)"
  targets="${targets:-musl glibc glibc-i386 glibc-dyn glibc-i386-dyn}"
  extra="$(sed -n 's/.*lxbrand-fixture-cflags:[[:space:]]*//p' "$file" | head -1 | sed 's/[[:space:]]*\*\/.*$//')"
  for t in $targets; do
    case "$t" in
      none) continue ;;
      musl) cc=(musl-gcc -static) ;;
      glibc) cc=(gcc -static) ;;
      glibc-i386) cc=(gcc -m32 -static) ;;
      glibc-dyn) cc=(gcc) ;;
      glibc-i386-dyn) cc=(gcc -m32) ;;
      *) echo "build-fixtures: $name: unknown target '$t'" >&2; exit 1 ;;
    esac
    # shellcheck disable=SC2086
    "${cc[@]}" $CFLAGS_COMMON $extra -o "$out/$t/$name.tmp" "$file" -lm
    # keep the old file (and its mtime) when the build is byte-identical
    if cmp -s "$out/$t/$name.tmp" "$out/$t/$name"; then rm "$out/$t/$name.tmp"; else mv "$out/$t/$name.tmp" "$out/$t/$name"; fi
    built=$((built + 1))
  done
done
echo "build-fixtures: $built binaries in test/fixtures/bin/{musl,glibc,glibc-dyn,glibc-i386,glibc-i386-dyn}"
