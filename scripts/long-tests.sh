#!/usr/bin/env bash
# The long modes CI does not run (hours on 2 cores): the sync simulations with
# 100,000 seeds (the filtered-share simulation takes a fifth of them), the
# reference-model test with 20,000, and the changeset fuzzer for an hour.
#   scripts/long-tests.sh [SEEDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-100000}
"$root/scripts/build.sh" "$root/build"
CRMLITE_SYNC_SEEDS=$seeds "$root/build/tests/crmlite_tests" "[sync][property]"
CRMLITE_MODEL_SEEDS=${CRMLITE_MODEL_SEEDS:-20000} "$root/build/tests/crmlite_tests" "[model]"
"$root/scripts/fuzz.sh" "${CRMLITE_FUZZ_SECONDS:-3600}"
