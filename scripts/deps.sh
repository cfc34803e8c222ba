#!/usr/bin/env bash
# Installs what crmlite needs to build and test, from Debian's packages only,
# and only what is missing (so it is fast on a machine that has them).
set -euo pipefail
# clang and libclang-rt-dev (its sanitizer and libFuzzer runtimes, only recommended
# by clang): scripts/fuzz.sh.
packages=(build-essential cmake ninja-build pkg-config libsqlite3-dev libsqlitecpp-dev libfmt-dev
          nlohmann-json3-dev catch2 libicu-dev libsodium-dev libphonenumber-dev abigail-tools clang libclang-rt-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
