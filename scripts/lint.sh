#!/usr/bin/env bash
# Checks formatting (clang-format, fast; the test command runs it) and, with
# --tidy, the clang-tidy checks in .clang-tidy over the default build's
# compile database (about 20 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if ! clang-format --dry-run --Werror "${files[@]}" 2> /tmp/cloister-format.log; then
  head -40 /tmp/cloister-format.log
  echo "lint: files are not clang-formatted; run: git ls-files '*.cpp' '*.h' | xargs clang-format -i"
  exit 1
fi
echo "lint: ${#files[@]} files clang-formatted"
if [ "${1:-}" = "--tidy" ]; then
  [ -f build/default/compile_commands.json ] || scripts/build.sh default
  out=$(run-clang-tidy-14 -p build/default -j "$(nproc)" -quiet '/(src|tools|samples|bench|tests)/.*\.cpp$' 2>&1 || true)
  if grep -q "warning:" <<< "$out"; then
    grep -A3 "warning:" <<< "$out" | head -60
    echo "lint: clang-tidy found problems"
    exit 1
  fi
  echo "lint: clang-tidy clean"
fi
