#!/usr/bin/env bash
# The launch race of issue 24, run for real. A machine set up as the docs set
# it up (a root platform daemon, the SQL server and its enclave, 200 seeded
# employees, the hello sample launched again and again), and unprivileged
# attackers that race every enclave the daemon starts (launch_race_attacker):
#   - as nobody, the user the red team attacked from;
#   - as the uid of the enclave range that the daemon would hand out next
#     (it must skip a uid that a process holds);
#   - as the daemon's own user, when the daemon runs unprivileged and its
#     enclaves share its uid: only the kernel's rule that an execute-only
#     image leaves the process non-dumpable stands between them.
# Root kills the SQL enclave over and over so that the server relaunches it
# (more relaunches than the attacker could cause), a trusted client releases
# its keys to each new instance, and then the attackers read through whatever
# they got. Asserted: no descriptor onto any enclave, no byte of its memory,
# no successful kill or trace, no cell decrypted, no SSN anywhere they can
# read; every enclave under a uid of its own that nobody else holds.
#   launch_race_attack_test.sh CLOISTER ATTACKER SQL_ENCLAVE_SIGNED HELLO_HOST HELLO_IMAGE [SECONDS]
set -euo pipefail
cloister=$1 attacker_bin=$2 sql_image=$3 hello_host=$4 hello_image=$5 race_seconds=${6:-12}
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: the attack needs root to set up users (run as root, as CI does)"
  exit 77
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/unprivileged.sh"
cd "$work"

# What the attackers may read: their own copy of the tool, and the ciphertext.
attack=$(mktemp -d /tmp/cloister-attack.XXXXXX)
trap 'cleanup_test; rm -rf "$attack"' EXIT
chmod 755 "$attack"
cp "$attacker_bin" "$attack/attacker" && chmod 755 "$attack/attacker"
cp "$cloister" "$attack/cloister" && chmod 755 "$attack/cloister"
cp "$hello_host" "$attack/hello_host" && cp "$hello_image" "$attack/hello.signed"
chmod 755 "$attack/hello_host" && chmod 644 "$attack/hello.signed"

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock
grep -q "a uid of its own" "$work/daemon.log" || fail "the root daemon does not give enclaves uids of their own"

"$cloister" sql serve --db hr.db --port 0 --port-file sql.port --enclave "$sql_image" >> sql.log 2>&1 &
track $!
port=$(wait_for_port sql.port)
signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' sql.log | tail -1)
client=(--server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --cmk-store keys
  --platform-ca ca.pem --enclave-signer "$signer")
"$cloister" sql cmk create --store keys --name hrcmk --enclave-computations --ddl > keys.sql
"$cloister" sql cek create --cmk-store keys --cmk hrcmk --name hr_cek --ddl >> keys.sql
"$cloister" sql shell "${client[@]}" < keys.sql > /dev/null || fail "the key statements failed"
"$cloister" sql seed "${client[@]}" --rows 200 --seed 2026 --plaintext-out employees.csv > seed.log 2>&1 ||
  fail "seeding failed: $(cat seed.log)"
tail -n +2 employees.csv | cut -d, -f2 > ssns.txt
[ "$(wc -l < ssns.txt)" -eq 200 ] || fail "no SSNs to look for"
sqlite3 hr.db "SELECT hex(ssn) FROM employees LIMIT 50" > "$attack/cells.hex"
chmod 644 "$attack/cells.hex"
# What a trusted client asks: a range and a LIKE over the encrypted columns,
# so the enclave holds the key and has decrypted cells when the attackers read.
query() {
  "$cloister" sql shell "${client[@]}" --param @lo=int:50000 --param @p=text:1% \
    -e "SELECT COUNT(*) FROM employees WHERE salary > @lo OR ssn LIKE @p" > query.out 2>&1
}
query || fail "the trusted client's query failed: $(cat query.out)"

# The attackers: nobody, and a process holding the uid the daemon would give next.
sql_enclave_pid() { pgrep -P "$daemon_pid" -n || true; }
last_uid=$(sed -n 's/.*launched enclave pid [0-9]* uid \([0-9]*\) .*/\1/p' "$work/daemon.log" | tail -1)
[ -n "$last_uid" ] || fail "the daemon logged no enclave uid"
held_uid=$((last_uid + 1))
run_attacker() {  # run_attacker NAME UID GID [extra args]
  local name=$1 uid=$2 gid=$3
  shift 3
  mkdir -p "$attack/$name" && chown "$uid:$gid" "$attack/$name"
  setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all -- \
    "$attack/attacker" --seconds "$race_seconds" --out "$attack/$name" --cells "$attack/cells.hex" \
    --read-after "$attack/go" "$@" > "$attack/$name.log" 2>&1 &
  attacker_pids+=($!)
  track $!
}
attacker_pids=()
run_attacker nobody "$(id -u nobody)" "$(id -g nobody)" --parents "$daemon_pid" --kill
run_attacker range-uid "$held_uid" "$held_uid" --parents "$daemon_pid" --kill
sleep 0.5

# The race: root kills the SQL enclave, the server relaunches it on the next
# request and the client releases its key again; the hello sample's enclaves
# start and stop between. Every enclave's uid is recorded as it runs.
deadline=$((SECONDS + race_seconds - 2))
relaunches=0
: > uids.txt
while [ $SECONDS -lt $deadline ]; do
  pid=$(sql_enclave_pid)
  if [ -n "$pid" ]; then
    awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status" >> uids.txt 2> /dev/null || true
    kill -9 "$pid" 2> /dev/null || true
  fi
  query || query || fail "the client could not use the relaunched enclave: $(cat query.out)"
  relaunches=$((relaunches + 1))
  "$hello_host" "$hello_image" > /dev/null 2>&1 || fail "the hello sample failed through the daemon"
done
query || fail "the last query failed: $(cat query.out)"
touch "$attack/go"
for pid in "${attacker_pids[@]}"; do wait "$pid" || fail "an attacker failed: $(cat "$attack"/*.log)"; done
echo "root relaunched the SQL enclave $relaunches times"
[ "$relaunches" -ge 5 ] || fail "too few relaunches ($relaunches) to say anything"

# Every enclave ran under a uid of its own: in the range, not nobody, not the
# attacker's, the same for real, effective, saved and filesystem uid.
[ -s uids.txt ] || fail "no enclave uid was recorded"
while read -r real effective saved fs; do
  for id in "$effective" "$saved" "$fs"; do [ "$id" = "$real" ] || fail "an enclave's uids differ: $real $id"; done
  [ "$real" -ne "$held_uid" ] || fail "an enclave ran as uid $real, which the attacker holds"
  [ "$real" -ge 1879048192 ] && [ "$real" -le 1879113727 ] || fail "an enclave ran as uid $real"
  [ "$real" -ne 65534 ] || fail "an enclave ran as nobody"
done < uids.txt
grep -q "uid $held_uid " "$work/daemon.log" && fail "the daemon handed out uid $held_uid, which a process held"

check_report() {  # check_report NAME MIN_CHILDREN: nothing was obtained
  local name=$1 min=$2 report=$attack/$1/report
  [ -s "$report" ] || fail "$name wrote no report: $(cat "$attack/$name.log")"
  echo "attacker $name: $(tr '\n' ' ' < "$report")"
  value() { awk -v k="$1" '$1 == k {print $2}' "$report"; }
  [ "$(value children_seen)" -ge "$min" ] || fail "$name saw only $(value children_seen) enclave launches"
  # mem, maps and environ of a zombie open for anyone and read nothing: what counts is bytes.
  for outcome in maps_bytes bytes_read_in_race environ_bytes fd_reopened ptrace_seized pidfd_getfd vm_read \
    bytes_read keys_found cells_decrypted; do
    [ "$(value "$outcome")" -eq 0 ] || fail "$name: $outcome $(value "$outcome")"
  done
  if grep -qF -f ssns.txt "$attack/$name/recovered.txt" "$attack/$name/memory.bin" 2> /dev/null; then
    fail "$name holds an employee's SSN"
  fi
}
check_report nobody 10
check_report range-uid 10
for name in nobody range-uid; do
  value=$(awk '$1 == "kill_attempts" {print $2}' "$attack/$name/report")
  [ "$value" -gt 0 ] || fail "$name never tried to kill an enclave"
  [ "$(awk '$1 == "kills_succeeded" {print $2}' "$attack/$name/report")" -eq 0 ] || fail "$name killed an enclave"
done
# Nothing the attacker can read holds the plaintext: not the logs, not the database.
# (The patterns come on standard input: the file itself is root's alone.)
if setpriv --reuid=nobody --regid=nogroup --clear-groups -- grep -rqsF -f - "$work" "$attack" < ssns.txt; then
  fail "nobody can read an SSN"
fi

# An unprivileged daemon: enclaves share its uid, and so does the attacker.
# Kill is allowed (documented); reading must not be, from exec on.
own_uid=$(unused_uid)
mkdir -p "$attack/own" && chown "$own_uid:$own_uid" "$attack/own"
as_own=(setpriv --reuid="$own_uid" --regid="$own_uid" --clear-groups --inh-caps=-all -- env HOME="$attack/own")
"${as_own[@]}" "$attack/cloister" platform init --data-dir "$attack/own/platform" > /dev/null
# Simple commands in the background, so $! is the daemon (and the attacker) itself.
"${as_own[@]}" "$attack/cloister" platform serve --data-dir "$attack/own/platform" \
  --socket "$attack/own/platform.sock" 2> "$attack/own/daemon.log" &
own_daemon=$!
track "$own_daemon"
for _ in $(seq 50); do [ -S "$attack/own/platform.sock" ] && break; sleep 0.1; done
grep -q "run as the daemon's uid" "$attack/own/daemon.log" || fail "the unprivileged daemon gave no warning"
mkdir -p "$attack/same-uid" && chown "$own_uid:$own_uid" "$attack/same-uid"
"${as_own[@]}" "$attack/attacker" --parents "$own_daemon" --seconds "$race_seconds" --out "$attack/same-uid" \
  > "$attack/same-uid.log" 2>&1 &
same_uid_attacker=$!
track "$same_uid_attacker"
sleep 0.5
launches=0
deadline=$((SECONDS + race_seconds - 2))
while [ $SECONDS -lt $deadline ]; do
  "${as_own[@]}" CLOISTER_PLATFORM_SOCKET="$attack/own/platform.sock" "$attack/hello_host" "$attack/hello.signed" \
    > /dev/null 2>&1 || fail "hello through the unprivileged daemon failed"
  launches=$((launches + 1))
done
wait "$same_uid_attacker" || fail "the same-uid attacker failed: $(cat "$attack/same-uid.log")"
echo "the unprivileged daemon launched $launches enclaves"
check_report same-uid 20
echo "launch race attack test passed"
