#!/usr/bin/env bash
# Fetches the real programs from npm that the tests run (static binaries nobody here built):
#   @esbuild/linux-x64 (Go, static, multithreaded), @biomejs/cli-linux-x64-musl (Rust, static-pie
#   musl, multithreaded), @esbuild/linux-ia32 (Go, i386) — pinned versions, unpacked under
#   ${LXBRAND_CACHE:-/var/cache/lxbrand}/npm/<package>/. Prints nothing; idempotent.
set -euo pipefail
cache="${LXBRAND_CACHE:-/var/cache/lxbrand}/npm"
pkgs=("@esbuild/linux-x64@0.28.2" "@biomejs/cli-linux-x64-musl@2.6.8" "@esbuild/linux-ia32@0.28.2")
mkdir -p "$cache"
for spec in "${pkgs[@]}"; do
  name="${spec%@*}"; dir="$cache/${name//\//__}"
  [ -f "$dir/package/package.json" ] && continue
  work="$(mktemp -d "$cache/fetch.XXXXXX")"
  (cd "$work" && npm pack --silent "$spec" >/dev/null) || { echo "npm-binaries: npm pack $spec failed" >&2; rm -rf "$work"; exit 1; }
  mkdir -p "$dir" && tar -xzf "$work"/*.tgz -C "$dir" && rm -rf "$work"
done
