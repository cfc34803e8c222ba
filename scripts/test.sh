#!/usr/bin/env bash
# README command 2: install what is missing, build with warnings as errors, and
# run every test (Catch2, the C ABI test, quickstarts, Python binding, CLI,
# package consumer) under ctest.
#   scripts/test.sh            normal pass
#   scripts/test.sh --asan     ASan+UBSan pass (separate build directory)
#   scripts/test.sh --ci       everything CI runs: normal pass, ABI check, sanitizer pass,
#                              then the changeset fuzzer (scripts/fuzz.sh, clang;
#                              CRMLITE_FUZZ_SECONDS, default 60)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-normal}
"$root/scripts/deps.sh"

# The sync simulations' seed counts (tests/sync/convergence_test.cpp and, a
# fifth of it, share_test.cpp; model_test.cpp): 1,000 in the normal pass, fewer
# under the sanitizers; scripts/long-tests.sh sets more.
normal_pass() {
  "$root/scripts/build.sh" "$root/build"
  (cd "$root/build" && CRMLITE_SYNC_SEEDS=${CRMLITE_SYNC_SEEDS:-1000} CRMLITE_MODEL_SEEDS=${CRMLITE_MODEL_SEEDS:-1000} ctest --output-on-failure -j "$(nproc)")
}

asan_pass() {
  "$root/scripts/build.sh" "$root/build-asan" -DCRMLITE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  # The benchmark smoke test runs in the normal pass only (its figures would be
  # meaningless under sanitizers). Python (ctypes) cannot load an ASan-instrumented library without preloading
  # the runtime into the interpreter; the C and C++ tests cover the same code.
  (cd "$root/build-asan" && CRMLITE_SYNC_SEEDS=${CRMLITE_SYNC_SEEDS_ASAN:-200} CRMLITE_MODEL_SEEDS=${CRMLITE_MODEL_SEEDS_ASAN:-100} ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j "$(nproc)" -E 'python|quickstart_py|package|bench_smoke')
}

case "$mode" in
  normal|"") normal_pass ;;
  --asan) asan_pass ;;
  --ci)
    normal_pass
    "$root/scripts/abi-check.sh" "$root/build"
    asan_pass
    "$root/scripts/fuzz.sh" "${CRMLITE_FUZZ_SECONDS:-60}" ;;
  *) echo "usage: scripts/test.sh [--asan|--ci]" >&2; exit 2 ;;
esac
