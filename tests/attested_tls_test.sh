#!/usr/bin/env bash
# Attested TLS through the platform daemon: the sample server answers plain
# `openssl s_client` (ordinary TLS 1.3), `cloister attest verify-cert`
# accepts it under the default policy with the right identity and refuses the
# wrong measurement, the wrong signer and an untrusted CA, with a reason.
#   attested_tls_test.sh CLOISTER SERVER_HOST SERVER_IMAGE
set -euo pipefail
cloister=$1 server=$2 image=$3
source "$(dirname "$0")/lib.sh"
start_platform_daemon "$cloister"

CLOISTER_PLATFORM_SOCKET=$work/platform.sock "$server" "$image" > "$work/server.log" 2>&1 &
server_pid=$!
track "$server_pid"
for _ in $(seq 100); do grep -q "listening on" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/^listening on //p' "$work/server.log")
[ -n "$address" ] || fail "server did not start: $(cat "$work/server.log")"
grep -q "platform: daemon" "$work/server.log" || fail "server is not on the daemon"
measurement=$("$cloister" enclave measure --image "$image" | awk '/^measurement:/ {print $2}')
signer=$("$cloister" enclave measure --image "$image" | awk '/^signer:/ {print $2}')

# An ordinary TLS client gets an ordinary TLS 1.3 server.
printf 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n' \
  | timeout 20 openssl s_client -connect "$address" -tls1_3 -quiet -ign_eof > "$work/s_client.out" 2> "$work/s_client.err" \
  || true
grep -q "hello from inside an enclave; measurement $measurement" "$work/s_client.out" \
  || fail "s_client got no answer: $(cat "$work/s_client.out" "$work/s_client.err")"
printf '' | timeout 20 openssl s_client -connect "$address" -tls1_2 > /dev/null 2>&1 \
  && fail "the server accepted TLS 1.2"

# The attested client: default policy (no development platform), right identity.
"$cloister" attest verify-cert "$address" --platform-ca "$work/ca.pem" --measurement "$measurement" \
  --signer "$signer" --product-id 3 --max-age 600 > "$work/verify.log" \
  || fail "verify-cert refused the sample: $(cat "$work/verify.log")"
grep -q "verified: yes" "$work/verify.log" || fail "no verdict"
grep -q "$measurement" "$work/verify.log" || fail "measurement not printed"
"$cloister" attest verify-cert "$address" --platform-ca "$work/ca.pem" --json > "$work/verify.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verified"] and d["measurement"]==sys.argv[2] and d["isolation"]=="process", d' \
  "$work/verify.json" "$measurement" || fail "bad JSON: $(cat "$work/verify.json")"

# Refusals: exit 1 and the reason.
wrong=$(printf '0%.0s' $(seq 64))
"$cloister" attest verify-cert "$address" --platform-ca "$work/ca.pem" --measurement "$wrong" 2> "$work/r1" \
  && fail "wrong measurement accepted"
grep -q "measurement mismatch" "$work/r1" || fail "reason: $(cat "$work/r1")"
"$cloister" attest verify-cert "$address" --platform-ca "$work/ca.pem" --signer "$wrong" 2> "$work/r2" \
  && fail "wrong signer accepted"
grep -q "signer mismatch" "$work/r2" || fail "reason: $(cat "$work/r2")"
"$cloister" platform init --data-dir "$work/other" > /dev/null
"$cloister" platform ca --data-dir "$work/other" > "$work/other-ca.pem"
"$cloister" attest verify-cert "$address" --platform-ca "$work/other-ca.pem" 2> "$work/r3" \
  && fail "untrusted CA accepted"
grep -q "trusted root" "$work/r3" || fail "reason: $(cat "$work/r3")"
# A TLS server that is not attested at all (s_server quits when its stdin ends: keep it open).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=plain -days 1 \
  -keyout "$work/plain.key" -out "$work/plain.pem" 2> /dev/null
sleep 30 2> /dev/null < /dev/null | openssl s_server -accept 127.0.0.1:0 -cert "$work/plain.pem" -key "$work/plain.key" -tls1_3 \
  -naccept 1 > "$work/s_server.log" 2>&1 &
plain_pid=$!
for _ in $(seq 50); do grep -q "ACCEPT" "$work/s_server.log" 2>/dev/null && break; sleep 0.1; done
plain_port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$work/s_server.log")
[ -n "$plain_port" ] || fail "s_server did not start: $(cat "$work/s_server.log")"
"$cloister" attest verify-cert "127.0.0.1:$plain_port" --platform-ca "$work/ca.pem" 2> "$work/r4" \
  && fail "plain TLS server accepted"
grep -q "carries no evidence" "$work/r4" || fail "reason: $(cat "$work/r4")"
kill "$plain_pid" 2> /dev/null || true
echo "attested TLS: ok"
