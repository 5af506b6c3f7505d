#!/usr/bin/env bash
# `cloister attest evidence` through the platform daemon: the runtime data's
# SHA-256 is what the evidence binds, and default expectations accept it.
#   attest_evidence_cli_test.sh CLOISTER IMAGE
set -euo pipefail
cloister=$1 image=$2
source "$(dirname "$0")/lib.sh"
start_platform_daemon "$cloister"

"$cloister" attest evidence "$image" --platform-socket "$work/platform.sock" --nonce 00112233 \
  --out "$work/evidence.bin" --runtime-data-out "$work/runtime.json" > "$work/out.log" \
  || fail "attest evidence: $(cat "$work/out.log")"
grep -q '"kid":"enclave-instance"' "$work/runtime.json" || fail "no instance key in $(cat "$work/runtime.json")"
grep -q '"nonce":"ABEiMw"' "$work/runtime.json" || fail "nonce not in the runtime data"
binding=$(sha256sum "$work/runtime.json" | cut -c1-64)$(printf '0%.0s' $(seq 64))
"$cloister" attest verify --evidence "$work/evidence.bin" --ca "$work/ca.pem" --report-data "$binding" \
  > "$work/verify.log" || fail "evidence does not bind the runtime data: $(cat "$work/verify.log")"
grep -q "verified: yes" "$work/verify.log" || fail "no verdict"

# Edited runtime data no longer matches.
sed 's/ABEiMw/ABEiMx/' "$work/runtime.json" > "$work/edited.json"
edited=$(sha256sum "$work/edited.json" | cut -c1-64)$(printf '0%.0s' $(seq 64))
"$cloister" attest verify --evidence "$work/evidence.bin" --ca "$work/ca.pem" --report-data "$edited" \
  2> /dev/null && fail "edited runtime data verified"

# Two launches, two instance keys.
"$cloister" attest evidence "$image" --platform-socket "$work/platform.sock" --out "$work/e2" \
  --runtime-data-out "$work/r2.json" > /dev/null
[ "$(grep -o '"x":"[^"]*"' "$work/runtime.json")" != "$(grep -o '"x":"[^"]*"' "$work/r2.json")" ] \
  || fail "two launches share an instance key"

"$cloister" attest evidence "$image" --platform-socket "$work/platform.sock" --nonce xyz --out "$work/e3" \
  --runtime-data-out "$work/r3" 2> "$work/bad.log" && fail "a bad nonce was accepted"
grep -q "nonce" "$work/bad.log" || fail "bad nonce error does not say so"
echo "attest evidence CLI: ok"
