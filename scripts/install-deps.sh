#!/usr/bin/env bash
# Installs every Debian package Cloister needs to build, test and run.
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev   # sanitizers, libFuzzer, formatting
  libssl-dev libseccomp-dev seccomp
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libcpp-httplib-dev libsqlite3-dev sqlite3
  python3 python3-jwt python3-cryptography   # token checks with a standard JWT library
  libgtest-dev libgmock-dev libbenchmark-dev googletest
  util-linux procps   # setpriv for the unprivileged isolation test
  valgrind   # the clean room's ctgrind (constant-time) test
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
