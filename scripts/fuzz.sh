#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and fuzzes, for
# a bounded time in all, the changeset decoder and apply() (changeset_fuzz) and
# the encrypting VFS on modified encrypted files (crypt_fuzz):
#   scripts/fuzz.sh [SECONDS] [all|changeset|crypt]
#     SECONDS: the whole budget, default 90 (CI); a long run: scripts/fuzz.sh 3600
# With both targets, crypt_fuzz gets a third of the time and changeset_fuzz the
# rest: the first third of that fuzzes decode() alone (fast), the rest decode()
# and apply(). Every run makes fresh fixtures and seed corpora (build-fuzz/fixture,
# build-fuzz/corpus/seed-*, build-fuzz/crypt-fixture, build-fuzz/crypt-corpus/seed-*);
# inputs the fuzzer finds stay in the corpora for the next run. Exits non-zero on
# a crash, sanitizer report, violated invariant, leak, timeout or out-of-memory,
# and says where the input was saved and how to replay it. See fuzz/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-90}
targets=${2:-all}
case "$seconds" in
  '' | *[!0-9]* | 0) echo "usage: scripts/fuzz.sh [SECONDS] [all|changeset|crypt]   (SECONDS: a whole number, at least 1)" >&2; exit 2 ;;
esac
case "$targets" in
  all | changeset | crypt) ;;
  *) echo "usage: scripts/fuzz.sh [SECONDS] [all|changeset|crypt]" >&2; exit 2 ;;
esac
dir=$root/build-fuzz
command -v clang++ >/dev/null 2>&1 || { echo "fuzz: clang++ not found (scripts/deps.sh installs clang)" >&2; exit 1; }

build_start=$SECONDS
# Only what the fuzzer needs: no tests, CLI, examples or benchmarks; a unity
# build (see scripts/test.sh). Warnings
# are errors in fuzz/ only: the library's -Werror gate is the GCC build
# (scripts/build.sh); a clang-only warning there must not stop the fuzzing.
CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRMLITE_WERROR=OFF \
  -DCRMLITE_FUZZ=ON -DCRMLITE_BUILD_TESTS=OFF -DCRMLITE_BUILD_TOOLS=OFF -DCRMLITE_UNITY=ON >/dev/null
cmake --build "$dir" -j "$(nproc)" --target changeset_fuzz changeset_seeds crypt_fuzz crypt_seeds
echo "fuzz: built in $((SECONDS - build_start)) s"

# Fresh fixtures (the database blobs are applied to; the encrypted files that
# are modified) and seeds made from them.
rm -rf "$dir/fixture" "$dir/crypt-fixture" "$dir/tmp" "$dir/corpus"/seed-* "$dir/crypt-corpus"/seed-*
mkdir -p "$dir/corpus" "$dir/corpus-decode" "$dir/crypt-corpus" "$dir/artifacts" "$dir/tmp"
ASAN_OPTIONS=detect_leaks=1 "$dir/fuzz/changeset_seeds" "$dir"
ASAN_OPTIONS=detect_leaks=1 "$dir/fuzz/crypt_seeds" "$dir"

# One process at a time (the CI machine has 2 cores). Leak detection is on:
# the target frees what it keeps at exit, so LeakSanitizer only speaks up for
# a real leak.
run() {  # run decode|apply|crypt SECONDS
  local name=$1 secs=$2 log=$dir/fuzz-$1.log status saved
  local target=changeset_fuzz fixture="$dir/fixture/local.db" replay_var=CRMLITE_FUZZ_FIXTURE
  local vars=(CRMLITE_FUZZ_FIXTURE="$dir/fixture/local.db" CRMLITE_FUZZ_CRYPT_FIXTURE="$dir/crypt-fixture"
              CRMLITE_FUZZ_TMPDIR="$dir/tmp" CRMLITE_FUZZ_STATS=1
              ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
  local args=("$dir/corpus" -dict="$root/fuzz/changeset.dict" -max_len=65536)
  # The decoder phase keeps what it finds in corpus-decode (value profiling
  # makes that many inputs: cheap to decode, slow to apply) and starts from
  # both corpora; the apply phase uses build-fuzz/corpus only.
  if [ "$name" = decode ]; then
    vars+=(CRMLITE_FUZZ_DECODE_ONLY=1)
    args=("$dir/corpus-decode" "$dir/corpus" -use_value_profile=1 -dict="$root/fuzz/changeset.dict" -max_len=65536)
  elif [ "$name" = crypt ]; then
    # An edit script: a byte, then 6-byte records (at most 64 are used).
    target=crypt_fuzz fixture="$dir/crypt-fixture" replay_var=CRMLITE_FUZZ_CRYPT_FIXTURE
    args=("$dir/crypt-corpus" -max_len=385)
  fi
  echo "fuzz: $name for $secs s (log: $log)"
  : >"$log"  # exists before tail opens it (the background redirect may come later)
  set +e
  env "${vars[@]}" "$dir/fuzz/$target" "${args[@]}" \
    -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -detect_leaks=1 \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$log" 2>&1 &
  local pid=$!
  # The log as it grows, without the per-input NEW/REDUCE lines and the
  # recommended dictionary.
  tail -n +1 --pid="$pid" -f "$log" |
    grep --line-buffered -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE) |^".*" # Uses: [0-9]+$|^###### .*dictionary'
  wait "$pid"
  status=$?
  set -e
  [ "$status" -eq 0 ] && return 0
  saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  local kept="$dir/artifacts/$(basename "$fixture")"
  rm -rf "$kept"
  cp -r "$fixture" "$kept"
  echo >&2
  echo "fuzz: FAILED ($name: $target exit status $status); the log is $log" >&2
  if [ -n "$saved" ]; then
    echo "fuzz: the failing input was saved to $saved" >&2
    echo "fuzz: replay it with (the fixture it ran against was copied to $kept)" >&2
    echo "  UBSAN_OPTIONS=print_stacktrace=1 $replay_var=$kept $dir/fuzz/$target $saved" >&2
  else
    echo "fuzz: no input was saved (see the log)" >&2
  fi
  exit 1
}

crypt_secs=0 changeset_secs=$seconds
case "$targets" in
  all) crypt_secs=$((seconds / 3)); changeset_secs=$((seconds - crypt_secs)) ;;
  crypt) crypt_secs=$seconds; changeset_secs=0 ;;
esac
if [ "$changeset_secs" -gt 0 ]; then
  decode_secs=$((changeset_secs / 3))
  if [ "$decode_secs" -gt 0 ]; then run decode "$decode_secs"; fi
  run apply $((changeset_secs - decode_secs))
fi
if [ "$crypt_secs" -gt 0 ]; then run crypt "$crypt_secs"; fi
rm -rf "$dir/tmp"
echo "fuzz: clean ($seconds s)"
