#!/usr/bin/env bash
# Starts both scenarios' services on loopback with embedded defaults, seeds
# their data, prints the consoles' URLs and sign-ins, and waits; Ctrl-C (or
# SIGTERM) stops everything cleanly. The last step of scripts/demo.sh.
#   scripts/start-consoles.sh [--build DIR] [--state DIR] [--any-ports]
# --any-ports: free ports instead of 8081-8083 (tests). The SQL console is
# the employees scenario (docs/sql.md); the two clean-room portals are the
# hospitals' own agents (docs/cleanroom.md), each with its CSV to upload. Everything the
# services keep is under --state (default: a new temporary directory, removed
# at exit); STATE/consoles.env names the URLs, users and password files.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/default state= any_ports=
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --any-ports) any_ports=1; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start-consoles: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
cloister=$(realpath "$build/tools/cloister")
[ -x "$cloister" ] || { echo "start-consoles: no $build/tools/cloister: run scripts/build.sh first" >&2; exit 1; }
remove_state=
if [ -z "$state" ]; then state=$(mktemp -d); remove_state=1; fi
mkdir -p "$state" && state=$(realpath "$state")

pids=() names=()
stop_all() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  pids=()
  if [ -n "$remove_state" ]; then rm -rf "$state"; fi
}
trap stop_all EXIT
trap 'echo; echo "stopping..."; stop_all; echo "stopped"; exit 0' INT TERM
fail() {
  echo "start-consoles: $*" >&2
  for log in "$state"/*.log; do [ -s "$log" ] && { echo "--- $log" >&2; tail -5 "$log" >&2; }; done
  exit 1
}
start() {  # start NAME LOG COMMAND...: in the background, remembered for stopping
  local name=$1 log=$2
  shift 2
  "$@" > "$state/$log" 2>&1 &
  pids+=($!) names+=("$name")
}
wait_for() {  # wait_for FILE [PATTERN]: the file exists (and holds PATTERN)
  for _ in $(seq 200); do
    if [ -s "$1" ] || [ -S "$1" ]; then [ -z "${2:-}" ] || grep -q "$2" "$1" && return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for $1 ${2:+to say $2}"
}
port_of() { if [ -n "$any_ports" ]; then echo 0; else echo "$1"; fi; }
new_password() {  # new_password FILE: a random password, only in FILE (0600) and on this terminal
  (umask 077 && head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$1")
}

echo "== starting the services (state in $state)"
"$cloister" platform init --data-dir "$state/platform" > "$state/platform-init.log"
# As root, each enclave runs under a uid of its own (docs/platform.md).
start platform platform.log "$cloister" platform serve --data-dir "$state/platform" --socket "$state/platform.sock"
wait_for "$state/platform.sock"
export CLOISTER_PLATFORM_SOCKET=$state/platform.sock
"$cloister" platform ca --data-dir "$state/platform" > "$state/platform-ca.pem"

"$cloister" attestd platform add --data-dir "$state/attestd" --name local --ca "$state/platform-ca.pem" \
  > "$state/attestd-admin.log"
start attestd attestd.log "$cloister" attestd serve --data-dir "$state/attestd" --port 0 --port-file "$state/attestd.port"
wait_for "$state/attestd.port"
attestd=http://127.0.0.1:$(cat "$state/attestd.port")
start kbs kbs.log "$cloister" kbs serve --data-dir "$state/kbs" --port 0 --port-file "$state/kbs.port"
wait_for "$state/kbs.port"
kbs=http://127.0.0.1:$(cat "$state/kbs.port")
echo "platform daemon, attestd ($attestd), kbs ($kbs)"

# Encrypted SQL: the server, the CMK in the key broker, 200 employees.
start sql-server sql.log "$cloister" sql serve --db "$state/hr.db" --port 0 --port-file "$state/sql.port"
wait_for "$state/sql.port"
sql_server=127.0.0.1:$(cat "$state/sql.port")
sql_signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' "$state/sql.log" | tail -1)
sql_client=(--server "$sql_server" --server-cert "$state/hr.db.cloister/tls-cert.pem"
  --kbs "$kbs" --kbs-credential-file "$state/kbs/admin.credential"
  --attestation attestd --attestd "$attestd" --attestd-cert "$state/attestd/signing_cert.pem"
  --enclave-signer "$sql_signer")
"$cloister" sql cmk create --kbs "$kbs" --data-dir "$state/kbs" --name hrcmk --enclave-computations --ddl \
  > "$state/keys.sql"
"$cloister" sql cek create --kbs "$kbs" --data-dir "$state/kbs" --cmk hrcmk --name hr_cek --ddl >> "$state/keys.sql"
"$cloister" sql shell "${sql_client[@]}" < "$state/keys.sql" > "$state/keys.log" 2>&1 || fail "the SQL keys failed"
"$cloister" sql seed "${sql_client[@]}" --rows 200 --seed 2026 --plaintext-out "$state/employees.csv" \
  > "$state/seed.log" 2>&1 || fail "seeding the employees failed"
new_password "$state/sql-console.password"
start sql-console sql-console.log "$cloister" sql console "${sql_client[@]}" --db "$state/hr.db" --user hr \
  --password-file "$state/sql-console.password" --port "$(port_of 8081)" --port-file "$state/sql-console.port"
wait_for "$state/sql-console.port"
wait_for "$state/sql-console.log" "attested"
sql_console=http://127.0.0.1:$(cat "$state/sql-console.port")/
echo "SQL server $sql_server (enclave signer $sql_signer), 200 employees, CMK hrcmk in kbs"

# The clean room: the hospitals' data split, their keys, the contract, the
# service and its training enclave, and one portal (agent) per hospital.
cleanroom_image=$(realpath "$build/src/cleanroom/enclave/cloister_cleanroom_enclave.signed")
"$cloister" cleanroom split --data data/wdbc.csv --out "$state" --draws 1 > "$state/split.log" 2>&1
for party in hospital-a hospital-b; do
  "$cloister" cleanroom party init --name "$party" --dir "$state" > /dev/null
done
python3 scripts/write-cleanroom-contract.py "$state/contract.json" breast-cancer-screening "$state"
start cleanroom cleanroom.log "$cloister" cleanroom serve --data-dir "$state/cleanroom" \
  --contract "$state/contract.json" --port 0 --port-file "$state/cleanroom.port" --enclave "$cleanroom_image"
wait_for "$state/cleanroom.port"
cleanroom=http://127.0.0.1:$(cat "$state/cleanroom.port")
portal_port=8082
for party in hospital-a hospital-b; do
  new_password "$state/$party.password"
  start "$party-portal" "$party-portal.log" "$cloister" cleanroom portal --contract "$state/contract.json" \
    --party "$party" --key "$state/$party.key.pem" --service "$cleanroom" --data-dir "$state/$party-agent" \
    --test-data "$state/test.csv" --user "$party" --password-file "$state/$party.password" \
    --port "$(port_of $portal_port)" --port-file "$state/$party.port" \
    --attestation attestd --attestd "$attestd" --attestd-cert "$state/attestd/signing_cert.pem" \
    --enclave-image "$cleanroom_image"
  wait_for "$state/$party.port"
  portal_port=$((portal_port + 1))
done
portal_a=http://127.0.0.1:$(cat "$state/hospital-a.port")/
portal_b=http://127.0.0.1:$(cat "$state/hospital-b.port")/
echo "clean-room service $cleanroom (contract breast-cancer-screening), hospital A $(($(wc -l < "$state/hospital-a.csv") - 1)) rows, hospital B $(($(wc -l < "$state/hospital-b.csv") - 1)) rows"

cat > "$state/consoles.env" <<ENV
SQL_CONSOLE_URL=$sql_console
SQL_CONSOLE_USER=hr
SQL_CONSOLE_PASSWORD_FILE=$state/sql-console.password
SQL_EMPLOYEES_CSV=$state/employees.csv
SQL_SIGNER=$sql_signer
PORTAL_A_URL=$portal_a
PORTAL_B_URL=$portal_b
PORTAL_A_PASSWORD_FILE=$state/hospital-a.password
PORTAL_B_PASSWORD_FILE=$state/hospital-b.password
PORTAL_A_CSV=$state/hospital-a.csv
PORTAL_B_CSV=$state/hospital-b.csv
ENV

echo
echo "== the consoles (open them in a browser on this machine)"
echo "SQL console:   $sql_console"
echo "               sign in as hr, password $(cat "$state/sql-console.password")"
echo "Clean room:    hospital A $portal_a"
echo "               sign in as hospital-a, password $(cat "$state/hospital-a.password"); upload $state/hospital-a.csv"
echo "               hospital B $portal_b"
echo "               sign in as hospital-b, password $(cat "$state/hospital-b.password"); upload $state/hospital-b.csv"
echo
echo "Press Ctrl-C to stop everything."
touch "$state/ready"
while true; do
  set +e
  wait -n "${pids[@]}"
  set -e
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2> /dev/null; then fail "${names[i]} stopped unexpectedly (log: $state)"; fi
  done
done
