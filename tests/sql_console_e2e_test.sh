#!/usr/bin/env bash
# The SQL console in a real browser: a platform daemon, `cloister sql serve`
# with its enclave, the employees table seeded through the driver, `cloister
# sql console` on loopback, and tests/browser/sql_console.test.mjs driving
# Debian's Chromium through it, after the enclave was killed between the
# console's attestation and its first key release. Then: no password or
# plaintext SSN in any service log, and the console still serving.
#   sql_console_e2e_test.sh CLOISTER SQL_ENCLAVE_SIGNED REPO_ROOT ARTIFACTS_DIR
set -euo pipefail
cloister=$1 enclave_image=$2 root=$3 artifacts=$4
source "$(dirname "$0")/lib.sh"
cd "$work"
[ -f "$root/tests/browser/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core is not installed: run scripts/install-deps.sh"

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock
"$cloister" sql serve --db hr.db --port 0 --port-file sql.port --enclave "$enclave_image" > sql.log 2>&1 &
track $!
port=$(wait_for_port sql.port)
signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' sql.log | tail -1)
[ ${#signer} -eq 64 ] || fail "the server did not print its enclave's signer: $(cat sql.log)"
connection=(--server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --cmk-store keys
  --platform-ca ca.pem --enclave-signer "$signer")

"$cloister" sql cmk create --store keys --name hr_cmk --enclave-computations --ddl > keys.sql
"$cloister" sql cek create --cmk-store keys --cmk hr_cmk --name hr_cek --ddl >> keys.sql
"$cloister" sql shell "${connection[@]}" < keys.sql > /dev/null || fail "the key statements failed"
"$cloister" sql seed "${connection[@]}" --rows 60 --seed 7 --plaintext-out employees.csv 2> seed.log ||
  fail "seeding failed: $(cat seed.log)"

password="console-$RANDOM-$RANDOM-password"
(umask 077 && echo "$password" > password.txt)
"$cloister" sql console "${connection[@]}" --db hr.db --port 0 --port-file console.port --user hr \
  --password-file password.txt > console.log 2>&1 &
console_pid=$!
track "$console_pid"
console_port=$(wait_for_port console.port)
for _ in $(seq 100); do grep -q "enclave attested" console.log && break; sleep 0.1; done
grep -q "enclave attested" console.log || fail "the console did not attest the enclave: $(cat console.log)"
# The enclave dies after the console attested it and before it released any
# key: the console attests the relaunched one and releases to it by itself.
enclave_pid=$(pgrep -P "$daemon_pid" -n) || fail "no enclave runs under the daemon"
kill -9 "$enclave_pid"

rm -rf "$artifacts" && mkdir -p "$artifacts"
node "$root/tests/browser/sql_console.test.mjs" "http://127.0.0.1:$console_port/" hr "$password" employees.csv \
  "$signer" "$artifacts" || { cat console.log; fail "the browser test failed (screenshots in $artifacts)"; }

kill -0 "$console_pid" 2> /dev/null || fail "the console died"
curl -sf "http://127.0.0.1:$console_port/" > /dev/null || fail "the console stopped answering"
for log in console.log sql.log; do
  ! grep -q -- "$password" "$log" || fail "$log holds the password"
  while IFS=, read -r _ ssn _; do
    [ "$ssn" = ssn ] && continue
    ! grep -q -- "$ssn" "$log" || fail "$log holds the plaintext SSN $ssn"
  done < employees.csv
done
ls "$artifacts"/*.png > /dev/null || fail "no screenshots saved"
echo "sql console browser test passed; screenshots in $artifacts"
