#!/usr/bin/env bash
# Configures and builds into a build directory: scripts/build.sh [DIR] [cmake args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}; shift || true
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRMLITE_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
