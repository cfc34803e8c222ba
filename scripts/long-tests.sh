#!/usr/bin/env bash
# The long modes CI does not run (hours on 2 cores): the sync simulations with
# 100,000 seeds (the filtered-share simulation takes a fifth of them), the
# reference-model test with 20,000, the sanitizer pass with 1,000 sync seeds,
# and the changeset fuzzer for an hour.
#   scripts/long-tests.sh [SEEDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-100000}
"$root/scripts/build.sh" "$root/build"
CRMLITE_SYNC_SEEDS=$seeds "$root/build/tests/crmlite_tests" "[sync][property]"
CRMLITE_MODEL_SEEDS=${CRMLITE_MODEL_SEEDS:-20000} "$root/build/tests/crmlite_tests" "[model]"
# The sanitizer build with ten times CI's seeds (CI runs 100 sync, 50 model there).
CRMLITE_SYNC_SEEDS_ASAN=${CRMLITE_SYNC_SEEDS_ASAN:-1000} CRMLITE_MODEL_SEEDS_ASAN=${CRMLITE_MODEL_SEEDS_ASAN:-500} \
  "$root/scripts/test.sh" --asan
"$root/scripts/fuzz.sh" "${CRMLITE_FUZZ_SECONDS:-3600}"
