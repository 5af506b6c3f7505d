#!/usr/bin/env bash
# The clean-room portal end to end in a real browser: a platform daemon,
# `cloister cleanroom serve` with its training enclave, and one
# `cloister cleanroom portal` per hospital (each its own agent, with its own
# key), clicked through in headless Chromium by
# tests/browser/cleanroom_portal.test.mjs. Then: both portals still serve,
# stop cleanly on SIGTERM, and no password, data key or private key is in
# any log.
#   cleanroom_portal_e2e_test.sh CLOISTER ENCLAVE_SIGNED DATA_DIR ARTIFACTS_DIR
set -euo pipefail
cloister=$1 enclave_image=$2 data=$3 artifacts=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
command -v node > /dev/null || fail "node is needed: run scripts/install-deps.sh"
[ -f "$here/browser/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core is not installed in tests/browser: run scripts/install-deps.sh"
rm -rf "$artifacts" && mkdir -p "$artifacts"
cd "$work"

"$cloister" cleanroom portal --help > help.txt
for option in --contract --party --key --service --test-data --port --port-file --user --password-file \
  --data-dir --platform-ca --enclave-image; do
  grep -q -- "$option" help.txt || fail "portal --help does not mention $option"
done

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock

# The hospitals' data and keys, and the contract they share.
"$cloister" cleanroom split --data "$data/wdbc.csv" --out . --draws 1 > split.txt 2> /dev/null
for party in hospital-a hospital-b; do "$cloister" cleanroom party init --name "$party" > /dev/null; done
write_cleanroom_contract contract.json breast-cancer-screening
: > empty.csv
sed '3s/^[^,]*,/n\/a,/' hospital-a.csv > malformed.csv

"$cloister" cleanroom serve --data-dir service --contract contract.json --port 0 --port-file service.port \
  --enclave "$enclave_image" > service.out 2> service.log &
track $!
service=http://127.0.0.1:$(wait_for_port service.port)

portal_pids=()
for party in hospital-a hospital-b; do
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$party.password"
  "$cloister" cleanroom portal --contract contract.json --party "$party" --key "$party.key.pem" \
    --service "$service" --data-dir "$party-agent" --test-data test.csv --user "$party" \
    --password-file "$party.password" --port 0 --port-file "$party.port" \
    --platform-ca ca.pem --enclave-image "$enclave_image" > "$party-portal.out" 2> "$party-portal.log" &
  portal_pids+=($!)
  track $!
  wait_for_port "$party.port" > /dev/null
done
url_a=http://127.0.0.1:$(cat hospital-a.port) url_b=http://127.0.0.1:$(cat hospital-b.port)
grep -q "listening on $url_a" hospital-a-portal.out || fail "the portal does not print its URL: $(cat hospital-a-portal.out)"

python3 - "$artifacts" "$url_a" "$url_b" > browser.json << 'PY'
import json, os, sys
artifacts, url_a, url_b = sys.argv[1:4]
portals = [{"name": p, "url": u, "user": p, "password_file": os.path.abspath(p + ".password"),
            "csv": os.path.abspath(p + ".csv")} for p, u in (("hospital-a", url_a), ("hospital-b", url_b))]
print(json.dumps({"artifacts": artifacts, "empty_csv": os.path.abspath("empty.csv"),
                  "malformed_csv": os.path.abspath("malformed.csv"), "portals": portals}))
PY
node "$here/browser/cleanroom_portal.test.mjs" browser.json ||
  { tail -n 20 hospital-a-portal.log hospital-b-portal.log service.log; fail "the browser test failed"; }

# The portals kept serving through every refused step, and stop cleanly.
for pid in "${portal_pids[@]}"; do kill -0 "$pid" || fail "a portal died"; done
curl -sf "$url_a/" -o page.html && grep -q "Clean room" page.html || fail "portal A no longer serves its page"
kill -TERM "${portal_pids[0]}"
wait "${portal_pids[0]}" || fail "portal A did not exit cleanly on SIGTERM"
grep -q "portal stopped" hospital-a-portal.out || fail "portal A did not say it stopped"

# Nothing secret in any log: passwords, data keys, private keys.
logs=(hospital-a-portal.out hospital-a-portal.log hospital-b-portal.out hospital-b-portal.log service.out
  service.log daemon.log)
for party in hospital-a hospital-b; do
  [ -s "$party-agent/dataset.key" ] || fail "$party's agent kept no data key"
  [ "$(stat -c %a "$party-agent/dataset.key")" = 600 ] || fail "$party's data key is readable by others"
  secrets=("$(cat "$party.password")" "$(tr -d '\n' < "$party-agent/dataset.key")")
  secrets+=("$(sed -n 2p "$party.key.pem")")
  for secret in "${secrets[@]}"; do
    [ ${#secret} -ge 16 ] || fail "a secret to look for is too short"
    ! grep -a -q -F -- "$secret" "${logs[@]}" || fail "a secret of $party is in a log"
  done
done
# The service holds only ciphertext: no row of either hospital in its files or log.
! grep -a -r -q "$(sed -n 2p hospital-b.csv | cut -d, -f1-3)" service service.log ||
  fail "a plaintext row reached the service"
echo "clean-room portal end-to-end passed"
