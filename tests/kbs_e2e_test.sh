#!/usr/bin/env bash
# End to end through `cloister kbs`: serve on a free port, create keys with
# policies through the CLI, and walk releases with real ES256 tokens from an
# attestation authority served over HTTP on loopback, including every
# refusal; then audit, rotation, disable/delete, offline JWKS and shutdown.
#   kbs_e2e_test.sh CLOISTER KBS_TOKEN_SIGNER
set -euo pipefail
cloister=$1 signer=$2
source "$(dirname "$0")/lib.sh"
data=$work/kbs

start_kbs() {
  rm -f "$work/port"
  "$cloister" kbs serve --data-dir "$data" --port 0 --port-file "$work/port" "$@" > "$work/kbs.out" 2> "$work/kbs.log" &
  kbs_pid=$!
  track "$kbs_pid"
  url=http://127.0.0.1:$(wait_for_port "$work/port")
  for _ in $(seq 50); do grep -q "kbs listening on $url" "$work/kbs.out" && break; sleep 0.1; done
  grep -q "kbs listening on $url" "$work/kbs.out" || fail "no 'kbs listening on' line"
}
stop_kbs() {
  kill -TERM "$kbs_pid"
  wait "$kbs_pid" || fail "kbs did not stop cleanly on SIGTERM"
  kbs_pid=
  grep -q "kbs stopped" "$work/kbs.out" || fail "no clean shutdown message"
}

# --- the attestation authority: JWKS and OpenID metadata over HTTP ---------
"$cloister" enclave keygen --out "$work/authority.pem" > /dev/null
"$cloister" enclave keygen --out "$work/enclave.pem" > /dev/null
"$cloister" enclave keygen --out "$work/attacker.pem" > /dev/null
mkdir -p "$work/www/.well-known"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" > "$work/authority.log" 2>&1 &
authority_pid=$!
track "$authority_pid"
for _ in $(seq 100); do grep -q "port" "$work/authority.log" && break; sleep 0.1; done
issuer=http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/authority.log" | head -1)
[ "$issuer" != "http://127.0.0.1:" ] || fail "authority did not start: $(cat "$work/authority.log")"
"$signer" jwks "$work/authority.pem" sig-1 > "$work/www/certs"
echo "{\"issuer\":\"$issuer\",\"jwks_uri\":\"$issuer/certs\"}" > "$work/www/.well-known/openid-configuration"

enclave_jwk=$("$signer" jwk "$work/enclave.pem")
now=$(date +%s)
# token [KEY] [KID] [EXTRA-CLAIMS-JSON-MEMBERS]: a token as attestd would issue it.
token() {
  local key=${1:-$work/authority.pem} kid=${2:-sig-1} extra=${3:-}
  local claims="{\"iss\":\"$issuer\",\"iat\":$now,\"nbf\":$now,\"exp\":$((now + 600)),\"jti\":\"jti-$RANDOM\",
    \"x-ms-attestation-type\":\"cloister\",\"x-ms-sgx-mrenclave\":\"cd34\",\"x-ms-sgx-mrsigner\":\"ab12\",
    \"x-ms-sgx-is-debuggable\":false,\"x-ms-sgx-product-id\":7,\"x-ms-sgx-svn\":2,
    \"x-ms-runtime\":{\"keys\":[$enclave_jwk]}}"
  if [ -n "$extra" ]; then claims=$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]); c.update(json.loads(sys.argv[2])); print(json.dumps(c))' "$claims" "$extra"); fi
  "$signer" sign "$key" "$kid" "$claims"
}

cat > "$work/policy.json" <<POLICY
{"version":"1.0.0","anyOf":[{"authority":"$issuer","allOf":[
  {"claim":"x-ms-sgx-mrsigner","equals":"ab12"},
  {"claim":"x-ms-sgx-is-debuggable","equals":false},
  {"claim":"x-ms-sgx-svn","greaterOrEquals":2}]}]}
POLICY

# --- start, and what the data directory holds --------------------------------
start_kbs
[ "$(stat -c %a "$data")" = 700 ] || fail "data dir is not private"
for secret in kek.bin admin.credential; do
  [ "$(stat -c %a "$data/$secret")" = 600 ] || fail "$secret is not private"
done
k=(--url "$url" --data-dir "$data")

# --- administration ------------------------------------------------------------
"$cloister" kbs key create app --policy "$work/policy.json" "${k[@]}" | grep -q "created app/1" || fail "create"
"$cloister" kbs key create signing --type EC --policy "$work/policy.json" "${k[@]}" > /dev/null || fail "create EC"
"$cloister" kbs key create bare "${k[@]}" | grep -q "no release policy" || fail "create without policy: no note"
"$cloister" kbs key create app "${k[@]}" 2> "$work/err" && fail "duplicate create succeeded"
grep -q "exists" "$work/err" || fail "duplicate create: $(cat "$work/err")"
echo '{"version":"1.0.0","anyOf":[{"authority":"'"$issuer"'","allOf":[{"claim":"x","equal":1}]}]}' > "$work/typo.json"
"$cloister" kbs key policy set bare "$work/typo.json" "${k[@]}" 2> "$work/err" && fail "typo policy accepted"
grep -q 'anyOf\[0\].allOf\[0\]: unknown member "equal"' "$work/err" || fail "policy error: $(cat "$work/err")"
"$cloister" kbs key list --url "$url" --credential-file /dev/null 2> "$work/err" && fail "list without credential"
echo "wrong-credential-wrong-credential" > "$work/wrong.cred" && chmod 600 "$work/wrong.cred"
"$cloister" kbs key list --url "$url" --credential-file "$work/wrong.cred" 2> "$work/err" && fail "wrong credential"
grep -q "401" "$work/err" || fail "wrong credential: $(cat "$work/err")"
"$cloister" kbs key list "${k[@]}" > "$work/list"
grep -q "^app/1" "$work/list" && grep -q "^signing/1" "$work/list" || fail "list: $(cat "$work/list")"
"$cloister" kbs key show app --json "${k[@]}" > "$work/show"
grep -q '"release_policy"' "$work/show" || fail "show has no policy"
grep -q '"k"' "$work/show" && fail "show leaks key material"
echo "{\"kty\":\"oct\",\"k\":\"$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')\"}" > "$work/imported.jwk"
"$cloister" kbs key import imported --key-file "$work/imported.jwk" --policy "$work/policy.json" "${k[@]}" \
  | grep -q "imported imported/1" || fail "import"

# --- release -------------------------------------------------------------------
token > "$work/good.jwt"
"$cloister" kbs key release app --token "$work/good.jwt" --private-key "$work/enclave.pem" --url "$url" > "$work/key.jwk" \
  || fail "release refused"
grep -q '"kty":"oct"' "$work/key.jwk" && grep -q '"kid":"app/1"' "$work/key.jwk" || fail "released: $(cat "$work/key.jwk")"
"$cloister" kbs key release imported --token "$work/good.jwt" --private-key "$work/enclave.pem" --url "$url" \
  > "$work/imported.out" || fail "release imported"
grep -qF -- "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["k"])' "$work/imported.jwk")" "$work/imported.out" \
  || fail "released key is not the imported one"
"$cloister" kbs key release signing --token "$work/good.jwt" --private-key "$work/enclave.pem" --url "$url" \
  | grep -q '"d":' || fail "release EC key"
# Without --private-key the client sees only the JWE.
"$cloister" kbs key release app --token "$work/good.jwt" --url "$url" > "$work/wrapped"
grep -q '"value"' "$work/wrapped" || fail "no JWE value"
grep -qF -- "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["k"])' "$work/key.jwk")" "$work/wrapped" \
  && fail "key material visible outside the JWE"

# --- every refusal -------------------------------------------------------------
refused() {  # refused NAME KEY TOKEN-FILE EXPECTED-TEXT
  "$cloister" kbs key release "$2" --token "$3" --url "$url" > /dev/null 2> "$work/err" && fail "$1: released"
  grep -q "$4" "$work/err" || fail "$1: expected '$4', got: $(cat "$work/err")"
}
token "" "" "{\"exp\":$((now - 3600))}" > "$work/t" && refused expired app "$work/t" "expired"
token "" "" "{\"nbf\":$((now + 3600))}" > "$work/t" && refused not-yet-valid app "$work/t" "not valid"
token "$work/attacker.pem" sig-1 > "$work/t" && refused bad-signature app "$work/t" "signature"
token "$work/attacker.pem" attacker-kid > "$work/t" && refused unknown-kid app "$work/t" "not valid"
printf '%s.%s.\n' "$(printf '{"alg":"none","kid":"sig-1"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')" \
  "$(cut -d. -f2 "$work/good.jwt")" > "$work/t" && refused alg-none app "$work/t" "403\|400"
token "$work/attacker.pem" sig-1 '{"iss":"http://127.0.0.1:1"}' > "$work/t" && refused other-issuer app "$work/t" "is not an authority"
token "" "" '{"x-ms-sgx-mrsigner":"ffff"}' > "$work/t" && refused wrong-signer app "$work/t" "x-ms-sgx-mrsigner"
token "" "" '{"x-ms-sgx-is-debuggable":true}' > "$work/t" && refused debuggable app "$work/t" "x-ms-sgx-is-debuggable"
token "" "" '{"x-ms-sgx-svn":1}' > "$work/t" && refused old-svn app "$work/t" "x-ms-sgx-svn"
token "" "" '{"x-ms-runtime":{}}' > "$work/t" && refused no-runtime-key app "$work/t" "binds no enclave key"
refused no-policy bare "$work/good.jwt" "no release policy"
refused no-such-key missing "$work/good.jwt" "404"
echo "garbage" > "$work/t" && refused malformed app "$work/t" "malformed"
# Freshness: only a nonce the evidence binds (the runtime data) counts; the
# attest request's nonce that attestd echoes as "nonce" could come with
# replayed evidence, so a release that names only that one is refused.
token "" "" '{"nonce":"fresh-1"}' > "$work/t"
"$cloister" kbs key release app --token "$work/t" --nonce fresh-1 --url "$url" > /dev/null 2> "$work/err" &&
  fail "a nonce the evidence does not bind bought a release"
grep -q "not bound by the evidence" "$work/err" || fail "echoed nonce: $(cat "$work/err")"
token "" "" "{\"x-ms-runtime\":{\"keys\":[$enclave_jwk],\"nonce\":\"fresh-1\"}}" > "$work/t"
"$cloister" kbs key release app --token "$work/t" --nonce fresh-1 --url "$url" > /dev/null ||
  fail "a bound nonce was refused"
"$cloister" kbs key release app --token "$work/t" --nonce fresh-2 --url "$url" > /dev/null 2> "$work/err" &&
  fail "another nonce bought a release"
grep -q "does not carry the request's nonce" "$work/err" || fail "wrong nonce: $(cat "$work/err")"

# --- rotation, disable, delete ---------------------------------------------------
"$cloister" kbs key rotate app "${k[@]}" | grep -q "app/2" || fail "rotate"
"$cloister" kbs key release app --token "$work/good.jwt" --private-key "$work/enclave.pem" --url "$url" \
  | grep -q '"kid":"app/2"' || fail "release after rotation"
"$cloister" kbs key disable app "${k[@]}" > /dev/null
refused disabled app "$work/good.jwt" "disabled"
"$cloister" kbs key enable app "${k[@]}" > /dev/null
"$cloister" kbs key delete signing "${k[@]}" > /dev/null
refused deleted signing "$work/good.jwt" "404"

# --- audit -----------------------------------------------------------------------
"$cloister" kbs audit "${k[@]}" > "$work/audit"
grep -q "release	app/1	ok" "$work/audit" || fail "no release row: $(cat "$work/audit")"
[ "$(grep -c "	denied	" "$work/audit")" -ge 14 ] || fail "refusals not all audited: $(cat "$work/audit")"
grep -q "mrenclave=cd34" "$work/audit" || fail "no enclave identity in audit"
grep -qF -- "$(cut -d. -f3 "$work/good.jwt")" "$work/audit" && fail "token in the audit log"
"$cloister" kbs audit --verify "${k[@]}" | grep -q "audit log intact" || fail "audit verify"
grep -qF -- "$(cut -d. -f2 "$work/good.jwt" | head -c 40)" "$work/kbs.log" && fail "token in the service log"

# --- offline authority keys, and a clean stop ----------------------------------------
stop_kbs
kill "$authority_pid" && wait "$authority_pid" 2>/dev/null || true
authority_pid=
"$signer" jwks "$work/authority.pem" sig-1 > "$work/jwks.json"
start_kbs --authority-jwks "$issuer=$work/jwks.json"
"$cloister" kbs key release app --token "$work/good.jwt" --private-key "$work/enclave.pem" --url "$url" \
  | grep -q '"kid":"app/2"' || fail "release with offline JWKS"
stop_kbs
"$cloister" kbs audit --verify --local --data-dir "$data" | grep -q "audit log intact" || fail "local audit verify"
# Tampering behind SQLite's back is detected.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.executescript("DROP TRIGGER audit_no_update; UPDATE audit SET outcome=\x27ok\x27 WHERE outcome=\x27denied\x27;"); db.commit()' "$data/kbs.sqlite3"
"$cloister" kbs audit --verify --local --data-dir "$data" 2> "$work/err" && fail "tampered audit log verified"
grep -q "was altered" "$work/err" || fail "tamper message: $(cat "$work/err")"
echo "kbs e2e: OK"
