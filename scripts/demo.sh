#!/usr/bin/env bash
# Installs what is missing, builds, then runs the demo: a platform daemon on a
# fresh platform and the two-enclave key exchange through it; then the
# services: attestd attests an enclave, kbs releases a key to it only; then
# the encrypted SQL server answers range and LIKE queries on ciphertext;
# and the clean room trains on two hospitals' encrypted data in an enclave.
# Last it starts every service with the web consoles, prints their URLs and
# waits: Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh default
build=build/default
work=$(mktemp -d)
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo
echo "== 1. a platform: root secret, attestation key, operator CA"
$build/tools/cloister platform init --data-dir "$work/platform"
echo
echo "== 2. the platform daemon launches and measures enclaves"
$build/tools/cloister platform serve --data-dir "$work/platform" --socket "$work/platform.sock" 2> "$work/daemon.log" &
daemon=$!
for _ in $(seq 50); do [ -S "$work/platform.sock" ] && break; sleep 0.1; done
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock
echo "daemon pid $daemon on $CLOISTER_PLATFORM_SOCKET"
echo
echo "== 3. the signed enclaves"
for image in key_exchange_a key_exchange_b; do
  echo "$image:"
  $build/tools/cloister enclave measure --image $build/samples/key_exchange/$image.signed | sed 's/^/  /'
done
echo
echo "== 4. key exchange: B proves its key, A checks the proof and sends data only B can read"
$build/samples/key_exchange/key_exchange_host $build/samples/key_exchange/key_exchange_a.signed \
  $build/samples/key_exchange/key_exchange_b.signed
echo
echo "== daemon log"
cat "$work/daemon.log"
echo
echo "== 5. secure key release: attestd (MAA-shaped tokens) and kbs (Key Vault-style release policy) on loopback"
samples/secure_key_release/run.sh $build/tools/cloister $build/samples/secure_key_release/secure_key_release_host \
  $build/samples/secure_key_release/secure_key_release_enclave.signed
echo
echo "== 6. encrypted SQL: the employees table, Always Encrypted with the enclave (the walk-through of docs/sql.md)"
tests/docs_sql_test.sh . $build/tools/cloister --show
echo
echo "== 7. the clean room: two hospitals train one model in an enclave without sharing rows"
$build/tools/cloister cleanroom demo --data data/wdbc.csv
echo
echo "== 8. the web consoles: every service started, the data seeded; open the URLs below"
cleanup
trap - EXIT
exec scripts/start-consoles.sh --build $build
