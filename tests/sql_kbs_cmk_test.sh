#!/usr/bin/env bash
# The column master key held by the key broker (provider CLOISTER_KBS), end to
# end with real processes on loopback: `cloister kbs serve`, the CMK and CEK
# made through the broker (also over https, trusted through --ca), `cloister
# sql serve` and its enclave, and `cloister sql shell` inserting into and
# range-querying a randomized enclave column. Checks the database holds no
# plaintext, the broker's audit log shows the unwrap and sign operations (and
# no release), and the refusals: no kbs provider, a wrong credential, a
# disabled key, and a CMK whose key path the server points elsewhere (no
# request may reach that address).
#   sql_kbs_cmk_test.sh CLOISTER SQL_ENCLAVE_SIGNED
set -euo pipefail
cloister=$1 enclave_image=$2
source "$(dirname "$0")/lib.sh"
cd "$work"

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock

"$cloister" kbs serve --data-dir kbs --port 0 --port-file kbs.port > kbs.out 2> kbs.log &
track $!
kbs_url=http://127.0.0.1:$(wait_for_port kbs.port)
for _ in $(seq 50); do grep -q "kbs listening on $kbs_url" kbs.out && break; sleep 0.1; done
credential=$work/kbs/admin.credential
kbs() { "$cloister" kbs "$@" --url "$kbs_url" --data-dir kbs; }

# --- the keys: the CMK is an RSA key in the broker, never released ---------
"$cloister" sql cmk create --kbs "$kbs_url" --data-dir kbs --name hrcmk --bits 2048 --enclave-computations \
  --ddl > keys.sql || fail "cmk create --kbs failed"
grep -q "KEY_STORE_PROVIDER_NAME = N'CLOISTER_KBS', KEY_PATH = N'$kbs_url/keys/hrcmk/1', ENCLAVE_COMPUTATIONS (SIGNATURE = 0x" keys.sql ||
  fail "the CMK statement: $(cat keys.sql)"
kbs key show hrcmk --json > cmk.json
python3 - cmk.json <<'PY' || fail "the CMK in the broker: $(cat cmk.json)"
import json, sys
key = json.load(open(sys.argv[1]))
assert key["kty"] == "RSA" and key["size"] == 2048 and key["release_policy"] is None, key
PY
! "$cloister" sql cmk create --kbs "$kbs_url" --data-dir kbs --name hrcmk 2> dup.err || fail "a CMK was overwritten"
grep -q "already holds a key named hrcmk" dup.err || fail "duplicate CMK: $(cat dup.err)"
"$cloister" sql cek create --kbs "$kbs_url" --data-dir kbs --cmk hrcmk --name hrcek --ddl >> keys.sql ||
  fail "cek create --kbs failed"
grep -q "CREATE COLUMN ENCRYPTION KEY hrcek WITH VALUES (COLUMN_MASTER_KEY = hrcmk, ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = 0x01" keys.sql ||
  fail "the CEK statement: $(cat keys.sql)"
# The other form: the CMK by its key path; the broker unwraps what it signed.
value=$("$cloister" sql cek create --cmk-key-path "$kbs_url/keys/hrcmk/1" --credential-file "$credential")
"$cloister" sql cek decrypt --kbs "$kbs_url" --credential-file "$credential" --value "$value" > cek.hex
grep -Eq '^[0-9a-f]{64}$' cek.hex || fail "cek decrypt --kbs: $(cat cek.hex)"
! "$cloister" sql cek decrypt --kbs http://127.0.0.1:1 --credential-file "$credential" --value "$value" 2> other.err ||
  fail "a value naming another broker was unwrapped"
grep -q "not a key of the key broker this client trusts" other.err || fail "other broker: $(cat other.err)"

# An https broker: the CMK's operations through TLS, checked against --ca.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=kbs-test-ca \
  -keyout tls-ca.key -out tls-ca.pem 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout tls.key -out tls.csr \
  2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > tls.ext
openssl x509 -req -in tls.csr -CA tls-ca.pem -CAkey tls-ca.key -CAcreateserial -days 2 -extfile tls.ext \
  -out tls.pem 2> /dev/null
"$cloister" kbs serve --data-dir kbs-tls --port 0 --port-file kbs-tls.port --tls-cert tls.pem --tls-key tls.key \
  > kbs-tls.out 2> kbs-tls.log &
track $!
tls_url=https://127.0.0.1:$(wait_for_port kbs-tls.port)
for _ in $(seq 50); do grep -q "kbs listening on $tls_url" kbs-tls.out && break; sleep 0.1; done
tls=(--kbs "$tls_url" --data-dir kbs-tls)
"$cloister" sql cmk create "${tls[@]}" --ca tls-ca.pem --name tlscmk --bits 2048 > tls-cmk.out ||
  fail "cmk create over https failed"
grep -q "key path: $tls_url/keys/tlscmk/1" tls-cmk.out || fail "https CMK: $(cat tls-cmk.out)"
tls_value=$("$cloister" sql cek create "${tls[@]}" --ca tls-ca.pem --cmk tlscmk)
"$cloister" sql cek decrypt "${tls[@]}" --ca tls-ca.pem --value "$tls_value" | grep -Eq '^[0-9a-f]{64}$' ||
  fail "cek decrypt over https failed"
! "$cloister" sql cek decrypt "${tls[@]}" --ca tls.pem --value "$tls_value" 2> tls.err ||
  fail "a broker whose certificate does not chain to --ca was trusted"
grep -q "SSLServerVerification" tls.err || fail "https with the wrong CA: $(cat tls.err)"

# --- the server and the shell ----------------------------------------------
"$cloister" sql serve --db hr.db --port 0 --port-file sql.port --enclave "$enclave_image" > sql.log 2>&1 &
track $!
port=$(wait_for_port sql.port)
signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' sql.log | tail -1)
[ ${#signer} -eq 64 ] || fail "the server did not print its enclave's signer: $(cat sql.log)"
shell() {
  "$cloister" sql shell --server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --platform-ca ca.pem \
    --enclave-signer "$signer" "$@"
}
sql() { shell --kbs "$kbs_url" --kbs-credential-file "$credential" "$@"; }

sql < keys.sql > /dev/null || fail "the key statements failed"
enc="ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = hrcek, ENCRYPTION_TYPE = RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')"
sql -e "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn CHAR(11) $enc, salary INT $enc)" > /dev/null
ssns=(111-22-3333 222-33-4444 123-45-6789 987-65-4321)
salaries=(58231 77413 91877 120337)
for i in "${!ssns[@]}"; do
  sql --param @ssn=text:${ssns[$i]} --param @salary=int:${salaries[$i]} \
    -e "INSERT INTO employees (name, ssn, salary) VALUES ('person$i', @ssn, @salary)" > /dev/null ||
    fail "insert $i failed"
done
sql --param @lo=int:60000 --param @hi=int:100000 \
  -e "SELECT name, ssn, salary FROM employees WHERE salary BETWEEN @lo AND @hi ORDER BY salary" > range.out
grep -q "person1.*222-33-4444.*77413" range.out && grep -q "person2.*123-45-6789.*91877" range.out ||
  fail "range query: $(cat range.out)"
[ "$(grep -c person range.out)" -eq 2 ] || fail "range query rows: $(cat range.out)"
[ "$(grep -n person1 range.out | cut -d: -f1)" -lt "$(grep -n person2 range.out | cut -d: -f1)" ] ||
  fail "not ordered by salary: $(cat range.out)"

# The database and the server log hold no plaintext.
for secret in "${ssns[@]}" "${salaries[@]}"; do
  for file in hr.db hr.db-wal sql.log; do
    if [ -f "$file" ] && grep -a -q -- "$secret" "$file"; then fail "$file holds $secret"; fi
  done
done

# The broker's audit: unwrapkey and sign on hrcmk/1, and no release.
kbs audit --key hrcmk --json > audit.out
python3 - audit.out <<'PY' || fail "the broker's audit log: $(cat audit.out)"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
ops = {(r["action"], r["outcome"], r.get("version")) for r in rows}
assert ("unwrapkey", "ok", 1) in ops and ("sign", "ok", 1) in ops, ops
assert not any(r["action"] == "release" for r in rows), rows
PY
kbs audit --verify > /dev/null || fail "the broker's audit chain does not verify"

# --- refusals ----------------------------------------------------------------
probe="SELECT name FROM employees WHERE salary > @lo"
! shell --param @lo=int:1 -e "$probe" 2> noprovider.err || fail "a query ran without the kbs provider"
grep -q CLOISTER_KBS noprovider.err || fail "no-provider error: $(cat noprovider.err)"

(umask 077 && echo "not-the-credential-of-this-broker" > wrong.credential)
! shell --kbs "$kbs_url" --kbs-credential-file wrong.credential --param @lo=int:1 -e "$probe" 2> cred.err ||
  fail "a wrong credential was accepted"
grep -q "refused the credential" cred.err || fail "wrong-credential error: $(cat cred.err)"

kbs key disable hrcmk > /dev/null
! sql --param @lo=int:1 -e "$probe" 2> disabled.err || fail "a disabled CMK was used"
grep -q "disabled" disabled.err || fail "disabled-key error: $(cat disabled.err)"
kbs key enable hrcmk > /dev/null
sql --param @lo=int:100000 -e "$probe" | grep -q person3 || fail "the re-enabled CMK does not work"

# A CMK whose key path the server points at another address: the driver must
# refuse it without sending anything (its credential included) there.
python3 -u -m http.server 0 --bind 127.0.0.1 > trap.log 2>&1 &
track $!
for _ in $(seq 100); do grep -q "port" trap.log && break; sleep 0.1; done
trap_port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' trap.log | head -1)
[ -n "$trap_port" ] || fail "the trap server did not start: $(cat trap.log)"
wrapped=$(sed -n "s/.*ENCRYPTED_VALUE = \(0x[0-9a-f]*\).*/\1/p" keys.sql)
sql -e "CREATE COLUMN MASTER KEY trapcmk WITH (KEY_STORE_PROVIDER_NAME = N'CLOISTER_KBS', KEY_PATH = N'http://127.0.0.1:$trap_port/keys/hrcmk/1');
        CREATE COLUMN ENCRYPTION KEY trapcek WITH VALUES (COLUMN_MASTER_KEY = trapcmk, ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = $wrapped);
        CREATE TABLE trapped (id INTEGER PRIMARY KEY, secret INT ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = trapcek, ENCRYPTION_TYPE = RANDOMIZED, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256'))" > /dev/null
! sql --param @s=int:42 -e "INSERT INTO trapped (secret) VALUES (@s)" 2> trap.err || fail "a key path elsewhere was used"
grep -q "not a key of the key broker this client trusts" trap.err || fail "key path refusal: $(cat trap.err)"
if grep -q -E '"(GET|POST)' trap.log; then fail "the driver sent a request to the key path's address: $(cat trap.log)"; fi
echo "sql kbs CMK end-to-end passed"
