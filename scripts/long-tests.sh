#!/usr/bin/env bash
# The long modes CI does not run (hours on 2 cores): the sync simulations with
# 100,000 seeds (the filtered-share simulation takes a fifth of them, the
# re-baseline one a tenth, the merge one a 25th), the reference-model test with
# as many, the sanitizer pass with 1,000 sync seeds, and the changeset fuzzer
# for an hour.
#   scripts/long-tests.sh [SEEDS]
#   CRMLITE_LONG_ONLY="sync model"    only some parts: sync share rebaseline merge model asan fuzz
#   CRMLITE_LONG_FROM=1001            first seed of the sync and model simulations (default 1)
#   CRMLITE_MODEL_SEEDS=20000         last seed of the model simulation (default SEEDS)
#   CRMLITE_LONG_JOBS=2               parallel workers (default: the number of cores)
# The simulations run as chunks of seeds on every core, with their files on
# /dev/shm when it exists, from a copy of the test binary (a rebuild meanwhile
# does not change what runs). Each chunk adds a line to build/long/log-<start>; the
# first failing chunk keeps its output in build/long/ and stops the run, and
# the script ends non-zero naming it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-100000}
from=${CRMLITE_LONG_FROM:-1}
model_last=${CRMLITE_MODEL_SEEDS:-$seeds}
only=" ${CRMLITE_LONG_ONLY:-sync share rebaseline merge model asan fuzz} "
jobs=${CRMLITE_LONG_JOBS:-$(nproc)}
wants() { [[ "$only" == *" $1 "* ]]; }

"$root/scripts/build.sh" "$root/build"
out="$root/build/long"
mkdir -p "$out"
rm -f "$out/stop" "$out"/failed-*
log="$out/log-$(date +%Y%m%d-%H%M%S)"
cp "$root/build/tests/crmlite_tests" "$out/crmlite_tests"
tmp=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm

# One chunk: "label|VAR=value VAR=value|test name or tag".
run_chunk() {
    local label=${1%%|*} rest=${1#*|}
    local vars=${rest%%|*} filter=${rest#*|}
    [ -e "$out/stop" ] && return 0
    local t0=$SECONDS rc=0 text="$out/chunk-$BASHPID.txt"
    # shellcheck disable=SC2086
    env TMPDIR="$tmp" $vars "$out/crmlite_tests" -w NoTests "$filter" >"$text" 2>&1 || rc=$?
    local summary
    summary=$(grep -E "^(All tests passed|test cases:)" "$text" | tail -1)
    echo "$(date +%H:%M:%S) $label: rc=$rc $((SECONDS - t0)) s $summary" >>"$log"
    if [ $rc -ne 0 ]; then
        mv "$text" "$out/failed-$label.txt"
        touch "$out/stop"
    else
        rm -f "$text"
    fi
}
export -f run_chunk
export out tmp log

chunks=()
# The two single long jobs first, so that they do not end the run alone.
wants rebaseline && chunks+=("rebaseline-$((seeds / 10))|CRMLITE_SYNC_SEEDS=$seeds|[sync][rebaseline][property]")
wants merge && chunks+=("merge-$((seeds / 25))|CRMLITE_SYNC_SEEDS=$seeds|[merge][sync][random]")
add_range() {  # label kind test from last size
    local label=$1 kind=$2 test=$3 a=$4 last=$5 size=$6
    while [ "$a" -le "$last" ]; do
        local b=$((a + size - 1))
        [ $b -gt "$last" ] && b=$last
        chunks+=("$label-$a-$b|CRMLITE_${kind}_SEED_FROM=$a CRMLITE_${kind}_SEEDS=$b|$test")
        a=$((b + 1))
    done
}
if wants share; then  # a fifth of the seeds, 500 per chunk (plus the three regression seeds it always runs)
    for ((a = 1; a <= seeds / 5; a += 500)); do
        n=$((seeds / 5 - a + 1))
        [ $n -gt 500 ] && n=500
        chunks+=("share-$a-$((a + n - 1))|CRMLITE_SHARE_SEED_FROM=$a CRMLITE_SYNC_SEEDS=$((n * 5))|[sync][share][property]")
    done
fi
wants sync && add_range sync SYNC "random operations and random syncs on several replicas converge" "$from" "$seeds" 2500
wants model && add_range model MODEL "random operations over a faulty network with crashes end where the merge rules say" \
    "$from" "$model_last" 500

if [ ${#chunks[@]} -gt 0 ]; then
    echo "long-tests: ${#chunks[@]} chunks on $jobs workers, files in $tmp, log $log"
    printf '%s\n' "${chunks[@]}" | xargs -d '\n' -P "$jobs" -I{} bash -c 'run_chunk "$1"' _ {}
    if [ -e "$out/stop" ]; then
        echo "long-tests: FAILED: $(ls "$out"/failed-*) (replay one seed: FROM=n and SEEDS=n of its kind)" >&2
        exit 1
    fi
    echo "long-tests: every chunk passed ($(wc -l <"$log") in $log)"
fi

# The sanitizer build with ten times CI's seeds (CI runs 100 sync, 50 model there).
if wants asan; then
    CRMLITE_SYNC_SEEDS_ASAN=${CRMLITE_SYNC_SEEDS_ASAN:-1000} CRMLITE_MODEL_SEEDS_ASAN=${CRMLITE_MODEL_SEEDS_ASAN:-500} \
        "$root/scripts/test.sh" --asan
fi
if wants fuzz; then "$root/scripts/fuzz.sh" "${CRMLITE_FUZZ_SECONDS:-3600}"; fi
