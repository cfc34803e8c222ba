#!/usr/bin/env bash
# Compares the built shared library's ABI with the committed baseline
# (abi/libcrmlite.abi, written by `scripts/abi-check.sh BUILD --store`).
# Additions are fine; an incompatible change fails until the baseline and the
# SOVERSION are changed together, deliberately (OpenZFS's storeabi/checkabi).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
lib="$build/src/libcrmlite.so"
baseline="$root/abi/libcrmlite.abi"
if [ "${2:-}" = "--store" ]; then
  abidw --no-corpus-path --no-comp-dir-path --short-locs --drop-private-types --exported-interfaces-only --headers-dir "$root/include/crmlite" --out-file "$baseline" "$lib"
  echo "abi: baseline written to $baseline"
  exit 0
fi
if [ ! -f "$baseline" ]; then echo "abi: no baseline at $baseline; write it with: scripts/abi-check.sh build --store" >&2; exit 1; fi
# Only crm_* may be exported.
leaked=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRVW]/ {print $3}' | grep -v '^crm_' || true)
if [ -n "$leaked" ]; then echo "abi: symbols outside crm_* exported: $leaked" >&2; exit 1; fi
set +e
abidiff --drop-private-types --exported-interfaces-only --headers-dir2 "$root/include/crmlite" "$baseline" "$lib" > "$build/abidiff.txt"
rc=$?
set -e
cat "$build/abidiff.txt"
# abidiff's exit code is a bit field: 4 = ABI changed (e.g. additions), 8 = incompatible.
if [ $((rc & 8)) -ne 0 ] || [ $((rc & 1)) -ne 0 ]; then echo "abi: INCOMPATIBLE change against $baseline" >&2; exit 1; fi
echo "abi: compatible with baseline (abidiff exit $rc)"
