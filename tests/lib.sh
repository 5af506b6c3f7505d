# Sourced by the shell end-to-end tests: a scratch directory $work, background
# services stopped and $work removed on exit, fail(), and a platform daemon.
work=$(mktemp -d)
background_pids=()
cleanup_test() {
  local pid
  for pid in "${background_pids[@]}"; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup_test EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Stops PID on exit if it still runs.
track() { background_pids+=("$1"); }

# start_platform_daemon CLOISTER: a platform in $work/platform (made unless
# it exists) served on $work/platform.sock, its operator CA in $work/ca.pem;
# sets daemon_pid. As root (CI), each enclave runs under a uid of its own.
start_platform_daemon() {
  local cloister=$1
  [ -d "$work/platform" ] || "$cloister" platform init --data-dir "$work/platform" > /dev/null
  "$cloister" platform serve --data-dir "$work/platform" --socket "$work/platform.sock" 2> "$work/daemon.log" &
  daemon_pid=$!
  track "$daemon_pid"
  for _ in $(seq 50); do [ -S "$work/platform.sock" ] && break; sleep 0.1; done
  [ -S "$work/platform.sock" ] || fail "platform daemon did not start: $(cat "$work/daemon.log")"
  "$cloister" platform ca --data-dir "$work/platform" > "$work/ca.pem"
}

# wait_for_port FILE: the port a service started with --port 0 --port-file FILE bound.
wait_for_port() {
  for _ in $(seq 100); do [ -s "$1" ] && break; sleep 0.1; done
  [ -s "$1" ] || fail "the service did not write $1"
  cat "$1"
}

# run_doc_walkthrough DOC CLOISTER: runs every ```sh block of DOC, in order,
# in one shell in $work, with CLOISTER first on PATH as `cloister`; services
# the blocks start in the background stop with it. The output is in
# $work/output.log; a failing step prints it and fails the test.
run_doc_walkthrough() {
  local doc=$1 cloister=$2
  mkdir -p "$work/bin" && ln -sf "$(realpath "$cloister")" "$work/bin/cloister"
  python3 - "$doc" "$work/steps.sh" << 'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r'```sh\n(.*?)```', text, re.S)
out = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true; wait' EXIT"] + blocks
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
  (cd "$work" && PATH=$work/bin:$PATH bash steps.sh > output.log 2>&1) ||
    { cat "$work/output.log"; fail "a step of $(basename "$doc") failed"; }
}

# write_cleanroom_contract FILE NAME: a clean-room contract for hospital-a and
# hospital-b (their NAME.jwk.json in the current directory), wdbc's columns
# (from hospital-a.csv), logistic regression, a model for each.
write_cleanroom_contract() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/../scripts/write-cleanroom-contract.py" "$1" "$2"
}
