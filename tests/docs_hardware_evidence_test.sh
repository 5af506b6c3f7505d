#!/usr/bin/env bash
# Runs every ```sh block of docs/hardware-evidence.md, in order, in one shell
# in a scratch directory, with the built cloister first on PATH.
#   docs_hardware_evidence_test.sh REPO_ROOT CLOISTER VECTORS
set -euo pipefail
root=$(cd "$1" && pwd) cloister=$2
export CLOISTER_TEST_VECTORS=$3
[ -d "$CLOISTER_TEST_VECTORS/attestation" ] || { echo "SKIP: no test vectors at $CLOISTER_TEST_VECTORS"; exit 77; }
source "$(dirname "$0")/lib.sh"
run_doc_walkthrough "$root/docs/hardware-evidence.md" "$cloister"
cd "$work"
for expected in "RESULT: VERIFIED" "ConfigurationAndSWHardeningNeeded" '"tcb_status": "UpToDate"' \
  "step quote_signature failed" "attester_tcb_status" "fmspc 00a067110000"; do
  grep -q "$expected" output.log || { cat output.log; echo "FAIL: missing '$expected'"; exit 1; }
done
echo "hardware-evidence walk-through passed"
