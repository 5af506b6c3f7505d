#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. the default build: unit tests, samples, end-to-end tests;
#   2. the sanitizer build (clang, ASan + UBSan): unit tests, and each fuzz
#      target for a bounded time (CLOISTER_FUZZ_SECONDS, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
status=0

echo "== formatting"
scripts/lint.sh || status=1

echo "== default build: unit and end-to-end tests"
scripts/build.sh default
ctest --preset default -j 2 || status=1

echo "== sanitizer build: unit tests under ASan/UBSan, fuzzers for a bounded time"
scripts/build.sh asan
ctest --preset asan -j 2 || status=1

if [ $status -eq 0 ]; then echo "all tests passed"; else echo "some tests FAILED"; fi
exit $status
