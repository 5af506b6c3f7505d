#!/usr/bin/env bash
# Runs every ```sh block of docs/sql.md, in order, in one shell in a scratch
# directory, with the built cloister first on PATH, and checks what the
# walk-through promises: decrypted rows in the right order, refusals.
#   docs_sql_test.sh REPO_ROOT CLOISTER [--show]   (--show: print the walk-through's output)
set -euo pipefail
root=$(cd "$1" && pwd) cloister=$2 show=${3:-}
source "$(dirname "$0")/lib.sh"
run_doc_walkthrough "$root/docs/sql.md" "$cloister"
cd "$work"
if [ "$show" = --show ]; then cat output.log; fi
python3 - output.log <<'PY' || { cat output.log; echo "FAIL: the walk-through's answers are wrong"; exit 1; }
import re, sys
log = open(sys.argv[1]).read()
# The range query: Bob, Alice, Erin by salary; the LIKE query: Alice, Carol, Erin.
def order(*names):
    positions = [log.find(n) for n in names]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), names
order("Bob", "234-56-7890", "62000", "Alice", "123-45-6789", "85000", "Erin", "91000")
assert "47000" in log and "120000" in log  # MIN and MAX
assert "Carol" in log and "hr_cek" in log
# The CMK in the key broker: its statement, the range query, the broker's audit.
assert "KEY_STORE_PROVIDER_NAME = N'CLOISTER_KBS'" in log
assert re.search(r"name +\| amount\n-+\+-+\nCarol \| 15000\n\(1 row\)", log), "the bonuses range query"
# The console: it attested the enclave, and its API answered the range with ciphertext parameters.
assert re.search(r"cloister sql console on http://127\.0\.0\.1:\d+ \(sign in as hr\)", log)
assert re.search(r"enclave attested \(evidence, against the platform CA\), signer [0-9a-f]{64}", log)
assert "WHERE salary BETWEEN @value AND @value2 ORDER BY salary" in log
assert re.search(r"\{'cell': '[A-Za-z0-9+/=]{40,}'\}", log), "the parameter as sent is not ciphertext"
assert re.search(r"unwrapkey\s+payrollcmk/1\s+ok", log) and re.search(r"sign\s+payrollcmk/1\s+ok", log)
PY
echo "docs/sql.md walk-through passed"
