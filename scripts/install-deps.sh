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
  chromium curl   # the web consoles' browser tests (driven by playwright-core)
)
# Node.js and npm for playwright-core: the machine's own if it has them
# (a newer nodejs may come from another apt source), else Debian's.
command -v node > /dev/null || packages+=(nodejs)
command -v npm > /dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core at the version package-lock.json pins, from the npm
# registry; it drives /usr/bin/chromium and downloads no browser.
browser_tests=$(dirname "$0")/../tests/browser
if [ ! -f "$browser_tests/node_modules/playwright-core/package.json" ]; then
  echo "install-deps: npm ci in tests/browser (playwright-core)"
  npm ci --prefix "$browser_tests" --no-audit --no-fund --loglevel=error
fi
