#!/usr/bin/env bash
# The encrypted SQL server end to end, with real processes on loopback: a
# platform daemon, `cloister sql serve` and its enclave, and `cloister sql
# shell` as the client. Checks the DBA's view holds no plaintext, refusals,
# a debug enclave refused, a cell from an independent Always Encrypted
# implementation (Python's cryptography) decrypted by the driver, a tampered
# cell named by row, the server and the enclave killed and the driver
# carrying on, and a transaction cut short by kill -9.
#   sql_e2e_test.sh CLOISTER SQL_ENCLAVE_ELF SQL_ENCLAVE_SIGNED
set -euo pipefail
cloister=$1 enclave_elf=$2 enclave_image=$3
source "$(dirname "$0")/lib.sh"
cd "$work"

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock

start_server() {  # start_server PORT [extra args]: sets server_pid
  local port=$1
  shift
  rm -f sql.port
  # 3>&- 4>&-: the server must not hold the FIFOs the live shells read.
  "$cloister" sql serve --db hr.db --port "$port" --port-file sql.port --enclave "$enclave_image" "$@" \
    >> sql.log 2>&1 3>&- 4>&- &
  server_pid=$!
  track "$server_pid"
  wait_for_port sql.port > /dev/null
}
start_server 0
port=$(cat sql.port)
signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' sql.log | tail -1)
[ ${#signer} -eq 64 ] || fail "the server did not print its enclave's signer: $(cat sql.log)"

sql() {
  "$cloister" sql shell --server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --cmk-store keys \
    --platform-ca ca.pem --enclave-signer "$signer" "$@"
}

"$cloister" sql cmk create --store keys --name cmk1 --enclave-computations --ddl > keys.sql
"$cloister" sql cek create --cmk-store keys --cmk cmk1 --name cek1 --ddl >> keys.sql
"$cloister" sql cmk create --store keys --name plain_cmk --ddl >> keys.sql
"$cloister" sql cek create --cmk-store keys --cmk plain_cmk --name cek2 --ddl >> keys.sql
sql < keys.sql > /dev/null || fail "the key statements failed"
enc() { echo "ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = $1, ENCRYPTION_TYPE = $2, ALGORITHM = 'AEAD_AES_256_CBC_HMAC_SHA_256')"; }
sql -e "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, ssn CHAR(11) $(enc cek1 RANDOMIZED),
          salary INT $(enc cek1 RANDOMIZED), dept VARCHAR(20) $(enc cek1 DETERMINISTIC),
          notes VARCHAR(50) $(enc cek2 RANDOMIZED))" > /dev/null

ssns=(111-22-3333 222-33-4444 123-45-6789 987-65-4321 123-00-0042)
salaries=(58231 77413 91877 120337 64009)
depts=(sales legal sales eng legal)
for i in "${!ssns[@]}"; do
  sql --param @ssn=text:${ssns[$i]} --param @salary=int:${salaries[$i]} --param @dept=text:${depts[$i]} \
    --param @notes=text:note$i \
    -e "INSERT INTO employees (name, ssn, salary, dept, notes) VALUES ('person$i', @ssn, @salary, @dept, @notes)" \
    > /dev/null || fail "insert $i failed"
done

# Range + ORDER BY, LIKE, deterministic equality, MIN/MAX: decrypted by the driver.
sql --param @lo=int:60000 --param @hi=int:100000 \
  -e "SELECT name, ssn, salary FROM employees WHERE salary BETWEEN @lo AND @hi ORDER BY salary" > range.out
grep -q "person4.*123-00-0042.*64009" range.out && grep -q "person2.*123-45-6789.*91877" range.out ||
  fail "range query: $(cat range.out)"
[ "$(grep -c person range.out)" -eq 3 ] || fail "range query rows: $(cat range.out)"
[ "$(grep -n person4 range.out | cut -d: -f1)" -lt "$(grep -n person2 range.out | cut -d: -f1)" ] ||
  fail "not ordered by salary: $(cat range.out)"
sql --param @p=text:123-% -e "SELECT name FROM employees WHERE ssn LIKE @p ORDER BY name" > like.out
[ "$(grep -c person like.out)" -eq 2 ] || fail "LIKE: $(cat like.out)"
sql --param @d=text:legal -e "SELECT name FROM employees WHERE dept = @d ORDER BY name" > dept.out
[ "$(grep -c person dept.out)" -eq 2 ] || fail "deterministic equality: $(cat dept.out)"
sql -e "SELECT MIN(salary), MAX(salary) FROM employees" | grep -q "58231.*120337" || fail "MIN/MAX"

# The administrator's view and the files: no plaintext SSN or salary. With an
# index sorted by the enclave's collation, which the administrator cannot use.
sql -e "CREATE INDEX employees_salary ON employees(salary)" > /dev/null || fail "CREATE INDEX failed"
"$cloister" sql dba --db hr.db > dba.out || fail "dba failed: $(cat dba.out)"
grep -q "Table employees (5 rows; encrypted:" dba.out || fail "dba shows no table or a wrong count: $(cat dba.out)"
# (Writing rows without the server, as the Python check below does, needs no such index.)
sql -e "DROP INDEX employees_salary" > /dev/null || fail "DROP INDEX failed"
for secret in "${ssns[@]}" "${salaries[@]}"; do
  if grep -q -- "$secret" dba.out; then fail "the DBA view shows $secret"; fi
  if grep -q -- "$secret" sql.log; then fail "the server log shows $secret"; fi
done
for ssn in "${ssns[@]}"; do
  for file in hr.db hr.db-wal; do
    if [ -f "$file" ] && grep -a -q -- "$ssn" "$file"; then fail "$file holds $ssn"; fi
  done
done
python3 - hr.db <<'PY' || fail "sqlite3 sees plaintext"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT ssn, salary FROM employees").fetchall()
assert rows and all(isinstance(v, str) and len(v) >= 88 for row in rows for v in row), rows
PY

# Refusals: a literal, arithmetic, a key whose CMK is not enclave-enabled,
# and a client that does not trust this signer (it releases nothing).
! sql -e "SELECT name FROM employees WHERE salary > 50000" 2> literal.err || fail "literal accepted"
grep -q salary literal.err || fail "the literal refusal does not name the column: $(cat literal.err)"
! sql --param @x=int:1 -e "SELECT name FROM employees WHERE salary + 1 > @x" 2> arith.err || fail "arithmetic accepted"
! sql --param @n=text:n% -e "SELECT name FROM employees WHERE notes LIKE @n" 2> notes.err || fail "non-enclave key used"
grep -q notes notes.err || fail "the non-enclave refusal does not name the column: $(cat notes.err)"
! "$cloister" sql shell --server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --cmk-store keys \
  --platform-ca ca.pem --enclave-signer "$(printf '0%.0s' {1..64})" --param @x=int:1 \
  -e "SELECT name FROM employees WHERE salary > @x" 2> signer.err || fail "keys released to another signer"
grep -qi "signer" signer.err || fail "the signer refusal does not say why: $(cat signer.err)"
! "$cloister" sql shell --server "127.0.0.1:$port" --server-cert ca.pem --cmk-store keys --platform-ca ca.pem \
  --enclave-signer "$signer" -e "SELECT 1" 2> pin.err || fail "a server with another certificate was accepted"

# A cell made by an independent implementation of AEAD_AES_256_CBC_HMAC_SHA256.
cek_value=$(sed -n "s/.*COLUMN_MASTER_KEY = cmk1, ALGORITHM = 'RSA_OAEP', ENCRYPTED_VALUE = \(0x[0-9a-f]*\).*/\1/p" keys.sql)
cek=$("$cloister" sql cek decrypt --cmk-store keys --cmk cmk1 --value "$cek_value")
/usr/bin/python3 - hr.db "$cek" <<'PY' || fail "could not write the independent cell"
import base64, hashlib, hmac, os, sqlite3, struct, sys
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
cek = bytes.fromhex(sys.argv[2])
label = "Microsoft SQL Server cell {} key with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key length:256"
derive = lambda what: hmac.new(cek, label.format(what).encode("utf-16-le"), hashlib.sha256).digest()
enc_key, mac_key = derive("encryption"), derive("MAC")
iv = os.urandom(16)
padder = padding.PKCS7(128).padder()
plain = padder.update(struct.pack("<i", 99999)) + padder.finalize()
encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
ciphertext = encryptor.update(plain) + encryptor.finalize()
tag = hmac.new(mac_key, b"\x01" + iv + ciphertext + b"\x01", hashlib.sha256).digest()
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE employees SET salary = ? WHERE name = 'person0'", (base64.b64encode(b"\x01" + tag + iv + ciphertext).decode(),))
db.commit()
PY
sql -e "SELECT salary FROM employees WHERE name = 'person0'" | grep -q 99999 || fail "the independent cell did not decrypt"

# A tampered cell: the driver names the row and column; the server goes on.
/usr/bin/python3 - hr.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(cell,) = db.execute("SELECT ssn FROM employees WHERE name = 'person3'").fetchone()
db.execute("UPDATE employees SET ssn = ? WHERE name = 'person3'", (cell[:20] + ("A" if cell[20] != "A" else "B") + cell[21:],))
db.commit()
PY
! sql -e "SELECT name, ssn FROM employees ORDER BY id" > tampered.out 2> tampered.err || fail "a tampered cell was accepted"
grep -q ssn tampered.err || fail "the tamper error does not name the column: $(cat tampered.err)"
! sql --param @p=text:9% -e "SELECT name FROM employees WHERE ssn LIKE @p" 2> tampered2.err || fail "tampered LIKE"
grep -q "rowid 4" tampered2.err || fail "the server did not name the tampered row: $(cat tampered2.err)"
kill -0 "$server_pid" || fail "the server died on a tampered cell"
sql -e "DELETE FROM employees WHERE name = 'person3'" > /dev/null

# One driver across an enclave crash and a server restart: a shell fed
# through a FIFO keeps its connection; it re-attests and re-releases keys.
mkfifo statements
sql --param @lo=int:0 < statements > live.out 2> live.err &
shell_pid=$!
track "$shell_pid"
exec 3> statements
query="SELECT COUNT(*) FROM employees WHERE salary > @lo;"
wait_for_output() {  # wait_for_output N: until live.out has N result lines
  for _ in $(seq 100); do [ "$(grep -c '^(1 row' live.out || true)" -ge "$1" ] && return 0; sleep 0.1; done
  fail "the live shell did not answer: $(cat live.out live.err; tail -5 sql.log)"
}
echo "$query" >&3 && wait_for_output 1
enclave_pid=$(sed -n 's/.*enclave: pid \([0-9]*\).*/\1/p' sql.log | tail -1)
kill -9 "$enclave_pid"
echo "$query" >&3 && wait_for_output 2
grep -q "relaunched" sql.log || fail "the server did not relaunch the enclave: $(cat sql.log)"
kill "$server_pid" && wait "$server_pid" || true
start_server "$port"
echo "$query" >&3 && wait_for_output 3
exec 3>&-
wait "$shell_pid" || fail "the live shell failed: $(cat live.err)"
[ "$(grep -c '^ *4 *$' live.out)" -eq 3 ] || fail "the live shell's answers: $(cat live.out live.err)"

# kill -9 in the middle of a transaction: the committed row survives, the
# uncommitted one does not.
mkfifo tx
sql < tx > tx.out 2>&1 &
tx_pid=$!
exec 4> tx
echo "INSERT INTO employees (name) VALUES ('committed');" >&4
echo "BEGIN; INSERT INTO employees (name) VALUES ('uncommitted');" >&4
for _ in $(seq 100); do [ "$(grep -c 'row.* changed' tx.out || true)" -ge 2 ] && break; sleep 0.1; done
kill -9 "$server_pid"
exec 4>&-
wait "$tx_pid" || true
start_server "$port"
sql -e "SELECT name FROM employees WHERE name IN ('committed', 'uncommitted')" > survivors.out
grep -q "committed" survivors.out && ! grep -q "uncommitted" survivors.out || fail "after kill -9: $(cat survivors.out)"

# A debug enclave: the same code signed with debug on; the driver refuses it.
kill "$server_pid" && wait "$server_pid" || true
cat > debug.json <<'JSON'
{"heap_size": "1G", "max_threads": 8, "debug": true, "product_id": 5, "security_version": 1}
JSON
"$cloister" enclave keygen --out debug-key.pem > /dev/null
"$cloister" enclave sign --image "$enclave_elf" --config debug.json --key debug-key.pem --out debug.signed --quiet
enclave_image=$work/debug.signed
start_server "$port"
debug_signer=$(sed -n 's/.*signer \([0-9a-f]\{64\}\).*/\1/p' sql.log | tail -1)
! "$cloister" sql shell --server "127.0.0.1:$port" --server-cert hr.db.cloister/tls-cert.pem --cmk-store keys \
  --platform-ca ca.pem --enclave-signer "$debug_signer" --param @x=int:1 \
  -e "SELECT name FROM employees WHERE salary > @x" 2> debug.err || fail "keys released to a debug enclave"
grep -qi debug debug.err || fail "the debug refusal does not say so: $(cat debug.err)"
echo "sql end-to-end passed"
