#!/usr/bin/env bash
# The whole secure key release flow on loopback, from nothing: a platform and
# its daemon, attestd trusting that platform, kbs holding a key whose release
# policy names this enclave's signer, and the sample's host and enclave.
# Then the refusals: another signer's policy, and the host trying the
# released key itself.
#   run.sh CLOISTER SECURE_KEY_RELEASE_HOST IMAGE.signed
set -euo pipefail
cloister=$1 host=$2 image=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done
  exit 1
}
wait_for_file() {
  for _ in $(seq 100); do { [ -s "$1" ] || [ -S "$1" ]; } && return 0; sleep 0.1; done
  fail "$1 did not appear"
}

echo "== a platform, its daemon, attestd and kbs"
"$cloister" platform init --data-dir "$work/platform" > "$work/platform-init.log"
# As root, each enclave runs under a uid of its own (docs/platform.md).
"$cloister" platform serve --data-dir "$work/platform" --socket "$work/platform.sock" 2> "$work/platform.log" &
pids+=($!)
wait_for_file "$work/platform.sock"
export CLOISTER_PLATFORM_SOCKET="$work/platform.sock"
"$cloister" platform ca --data-dir "$work/platform" > "$work/platform-ca.pem"

"$cloister" attestd platform add --data-dir "$work/attestd" --name local --ca "$work/platform-ca.pem" \
  --claim region=eu-west > "$work/attestd-admin.log"
"$cloister" attestd serve --data-dir "$work/attestd" --port 0 --port-file "$work/attestd.port" \
  2> "$work/attestd.log" &
pids+=($!)
wait_for_file "$work/attestd.port"
attestd="http://127.0.0.1:$(cat "$work/attestd.port")"

"$cloister" kbs serve --data-dir "$work/kbs" --port 0 --port-file "$work/kbs.port" 2> "$work/kbs.log" &
pids+=($!)
wait_for_file "$work/kbs.port"
kbs="http://127.0.0.1:$(cat "$work/kbs.port")"

echo "== the data owner encrypts a file and gives its key to kbs, for this signer only, in the EU"
seq 1 1000 | sed 's/^/confidential record /' > "$work/records.txt"
"$host" encrypt --in "$work/records.txt" --out "$work/records.enc" --key-out "$work/records.jwk"
signer=$("$cloister" enclave inspect --image "$image" | awk '/^signer/ {print $NF}')
[ ${#signer} -eq 64 ] || fail "no signer id from cloister enclave inspect"
cat > "$work/policy.json" <<JSON
{"version": "1.0.0",
 "anyOf": [{"authority": "$attestd",
            "allOf": [{"claim": "x-ms-sgx-mrsigner", "equals": "$signer"},
                      {"claim": "x-ms-sgx-is-debuggable", "equals": false},
                      {"claim": "x-cloister-platform-region", "equals": "eu-west"}]}]}
JSON
"$cloister" kbs key import records --key-file "$work/records.jwk" --policy "$work/policy.json" \
  --data-dir "$work/kbs" --url "$kbs" > /dev/null
rm -f "$work/records.jwk"
grep -q "confidential record" "$work/records.enc" && fail "the encrypted file holds plaintext"

echo "== the enclave gets the key and reads the file"
"$host" run "$image" --attestd "$attestd" --kbs "$kbs" --key records --file "$work/records.enc" | tee "$work/run.out"
expected=$(sha256sum "$work/records.txt" | cut -d' ' -f1)
grep -q "1000 lines, sha256 $expected" "$work/run.out" || fail "the enclave did not read the right file"

echo "== refused: a policy for another signer"
sed "s/$signer/$(printf '%064d' 0)/" "$work/policy.json" > "$work/other-policy.json"
"$cloister" kbs key policy set records "$work/other-policy.json" --data-dir "$work/kbs" --url "$kbs" > /dev/null
if "$host" run "$image" --attestd "$attestd" --kbs "$kbs" --key records --file "$work/records.enc" \
  > "$work/refused.out" 2>&1; then
  fail "a key was released to an enclave its policy does not name"
fi
grep -q "403" "$work/refused.out" || fail "the refusal did not come from the key broker: $(cat "$work/refused.out")"
cat "$work/refused.out"
"$cloister" kbs audit --data-dir "$work/kbs" --url "$kbs" > "$work/audit.out"
grep -q "denied" "$work/audit.out" || fail "the refusal is not in the audit log"
grep -q "records" "$work/audit.out" || fail "the release is not in the audit log"
grep -qi "confidential record" "$work"/*.log && fail "plaintext reached a service log"
echo "secure key release: OK"
