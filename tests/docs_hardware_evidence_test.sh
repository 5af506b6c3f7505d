#!/usr/bin/env bash
# Runs every ```sh block of docs/hardware-evidence.md, in order, in one shell
# in a scratch directory, with the built cloister first on PATH.
#   docs_hardware_evidence_test.sh REPO_ROOT CLOISTER VECTORS
set -euo pipefail
root=$(cd "$1" && pwd) cloister=$2
export CLOISTER_TEST_VECTORS=$3
[ -d "$CLOISTER_TEST_VECTORS/attestation" ] || { echo "SKIP: no test vectors at $CLOISTER_TEST_VECTORS"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" && ln -s "$cloister" "$work/bin/cloister"
export PATH=$work/bin:$PATH
python3 - "$root/docs/hardware-evidence.md" "$work/steps.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r'```sh\n(.*?)```', text, re.S)
out = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"] + blocks
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
cd "$work"
bash steps.sh > output.log 2>&1 || { cat output.log; echo "FAIL: a step of docs/hardware-evidence.md failed"; exit 1; }
for expected in "RESULT: VERIFIED" "ConfigurationAndSWHardeningNeeded" '"tcb_status": "UpToDate"' \
  "step quote_signature failed" "attester_tcb_status" "fmspc 00a067110000"; do
  grep -q "$expected" output.log || { cat output.log; echo "FAIL: missing '$expected'"; exit 1; }
done
echo "hardware-evidence walk-through passed"
