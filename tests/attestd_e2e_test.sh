#!/usr/bin/env bash
# End to end through attestd: a real platform daemon launches a real enclave,
# whose evidence binds SHA-256 of runtime data; attestd (on a free port)
# turns it into a token that PyJWT verifies against /certs; then every
# refusal, and the service must still be alive and its log free of secrets.
#   attestd_e2e_test.sh CLOISTER HELLO_HOST HELLO_IMAGE HELLO_ELF EVIDENCE_HELPER
set -euo pipefail
cloister=$1 hello_host=$2 hello_image=$3 hello_elf=$4 helper=$5
source "$(dirname "$0")/lib.sh"
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/attestd.log" ] && sed 's/^/  attestd: /' "$work/attestd.log" | tail -20 >&2
  exit 1
}

# A python3 with PyJWT (Debian's python3-jwt lives under /usr/bin/python3).
py=
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import jwt, cryptography' 2> /dev/null; then py=$candidate; break; fi
done
[ -n "$py" ] || { echo "FAIL: no python3 with PyJWT and cryptography (scripts/install-deps.sh installs python3-jwt python3-cryptography)"; exit 1; }

# --- a platform and its daemon ---------------------------------------------
start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock

# --- first start: embedded defaults; a local platform is registered as "local"
CLOISTER_PLATFORM_DIR=$work/platform CLOISTER_ATTESTD_DIR=$work/attestd-local "$cloister" attestd init \
  > "$work/init.out" 2> "$work/init.log"
grep -q 'registered the local platform' "$work/init.log" || fail "no local platform registered: $(cat "$work/init.log")"
"$cloister" attestd platform list --data-dir "$work/attestd-local" | grep -q '^local$' || fail "local not listed"

# The service under test: no local platform, so registration is explicit.
export CLOISTER_ATTESTD_DIR=$work/attestd CLOISTER_PLATFORM_DIR=$work/no-platform
"$cloister" attestd serve --port 0 --port-file "$work/port" 2> "$work/attestd.log" > "$work/attestd.out" &
attestd_pid=$!
track "$attestd_pid"
url=http://127.0.0.1:$(wait_for_port "$work/port")
for _ in $(seq 50); do grep -q "attestd listening on $url" "$work/attestd.out" && break; sleep 0.1; done
grep -q "attestd listening on $url" "$work/attestd.out" || fail "no 'listening' line: $(cat "$work/attestd.out")"
[ "$(stat -c %a "$work/attestd")" = 700 ] || fail "data dir is not 0700"
for secret in signing_key.pem admin_credential; do
  [ "$(stat -c %a "$work/attestd/$secret")" = 600 ] || fail "$secret is not 0600"
done
credential=$(cat "$work/attestd/admin_credential")

# --- real evidence binding SHA-256(runtime data) --------------------------
printf '{"pub":"enclave-key-1","purpose":"e2e"}' > "$work/runtime.json"
binding() { echo "$(sha256sum "$1" | cut -c1-64)$(printf '0%.0s' $(seq 64))"; }
"$hello_host" "$hello_image" --evidence "$work/evidence.bin" --nonce "$(binding "$work/runtime.json")" > /dev/null \
  || fail "hello_host could not produce evidence"
measurement=$("$cloister" enclave measure --image "$hello_image" | awk '/^measurement:/ {print $2}')

# Before the platform is registered its evidence is refused.
"$cloister" attest submit "$work/evidence.bin" --runtime-data "$work/runtime.json" --json --url "$url" \
  2> "$work/untrusted.err" && fail "evidence of an unregistered platform got a token"
grep -q "UntrustedPlatform" "$work/untrusted.err" || fail "untrusted: $(cat "$work/untrusted.err")"

"$cloister" attestd platform add --name eu-1 --ca "$work/ca.pem" --claim region=eu-west > /dev/null
"$cloister" attestd platform list | grep -q 'x-cloister-platform-region: eu-west' || fail "registry list"
"$cloister" attest submit "$work/evidence.bin" --runtime-data "$work/runtime.json" --json --nonce nonce-1 \
  --url "$url" > "$work/token" 2> "$work/submit.err" || fail "no token: $(cat "$work/submit.err")"

# --- the token, checked with a standard JWT library -----------------------
default_hash=$(curl -sf "$url/policies/Cloister" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["policy"], end="")' \
  | "$cloister" attest policy-hash -)
"$py" - "$url" "$work/token" "$measurement" "$default_hash" <<'PY' || fail "PyJWT check"
import base64, json, sys, time, urllib.request
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
url, token_path, measurement, policy_hash = sys.argv[1:]
token = open(token_path).read().strip()
config = json.load(urllib.request.urlopen(url + "/.well-known/openid-configuration"))
assert config["issuer"] == url and config["jwks_uri"] == url + "/certs", config
assert "x-ms-sgx-mrenclave" in config["claims_supported"]
jwks = json.load(urllib.request.urlopen(config["jwks_uri"]))
header = jwt.get_unverified_header(token)
[jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
assert header["alg"] in config["id_token_signing_alg_values_supported"]
key = jwt.PyJWK(jwk).key
# x5c: the leaf certificate holds the same key as the JWK.
leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
spki = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
assert spki(leaf.public_key()) == spki(key), "x5c does not match the JWK"
claims = jwt.decode(token, key, algorithms=[header["alg"]], issuer=url,
                    options={"require": ["exp", "iat", "nbf", "iss", "jti"]})
now = time.time()
assert now - 60 < claims["iat"] <= now + 60 and claims["exp"] - claims["iat"] == 8 * 3600, claims
expect = {
    "x-ms-attestation-type": "cloister", "x-ms-ver": "1.0", "x-ms-policy-hash": policy_hash,
    "x-ms-sgx-mrenclave": measurement, "x-ms-sgx-is-debuggable": False, "x-ms-sgx-product-id": 1,
    "x-ms-sgx-svn": 1, "x-ms-runtime": {"pub": "enclave-key-1", "purpose": "e2e"}, "nonce": "nonce-1",
    "x-cloister-backend": "process", "x-cloister-isolation": "process",
    "x-cloister-development-platform": False, "x-cloister-platform-name": "eu-1",
    "x-cloister-platform-region": "eu-west",
}
for name, value in expect.items():
    assert claims.get(name) == value, f"{name}: {claims.get(name)!r} != {value!r}"
assert len(claims["x-ms-sgx-mrsigner"]) == 64 and len(claims["x-cloister-platform-id"]) == 64
# A token whose signature was tampered with is refused.
head, body, sig = token.split(".")
bad = head + "." + body + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
try:
    jwt.decode(bad, key, algorithms=[header["alg"]], issuer=url)
    raise SystemExit("tampered token verified")
except jwt.InvalidSignatureError:
    pass
PY
"$cloister" attest token verify "$work/token" --jwks "$url" --issuer "$url" | grep -q "verified: yes" \
  || fail "cloister attest token verify"
"$cloister" attest token verify "$work/token" --jwks "$url" --issuer https://elsewhere 2> /dev/null \
  && fail "token verify accepted a wrong issuer"
"$cloister" attest token decode "$work/token" | grep -q "NOT VERIFIED" || fail "token decode"

# --- refusals: each a JSON error with the expected status and code ----------
expect_error() {  # STATUS CODE METHOD PATH BODY_FILE [curl args...]
  local status=$1 code=$2 method=$3 path=$4 body=$5
  shift 5
  local got
  got=$(curl -s -o "$work/reply" -w '%{http_code}' -X "$method" --data-binary "@$body" "$@" "$url$path")
  [ "$got" = "$status" ] || fail "$method $path: HTTP $got, expected $status: $(head -c 300 "$work/reply")"
  grep -q "\"code\":\"$code\"" "$work/reply" || fail "$method $path: expected $code: $(head -c 300 "$work/reply")"
}
attest_body() {  # EVIDENCE_B64URL RUNTIME_FILE DATATYPE [NONCE] -> body file
  "$py" -c 'import base64,json,sys
d = open(sys.argv[2], "rb").read()
b = {"evidence": sys.argv[1], "runtimeData": {"data": base64.urlsafe_b64encode(d).decode().rstrip("="), "dataType": sys.argv[3]}}
if len(sys.argv) > 4: b["nonce"] = sys.argv[4]
print(json.dumps(b))' "$@" > "$work/body.json"
}
b64url() { "$py" -c 'import base64,sys; print(base64.urlsafe_b64encode(open(sys.argv[1],"rb").read()).decode().rstrip("="))' "$1"; }
evidence=$(b64url "$work/evidence.bin")
A=(-H 'Content-Type: application/json')

attest_body "AAAA" "$work/runtime.json" JSON
expect_error 400 MalformedEvidence POST /attest/Cloister "$work/body.json" "${A[@]}"
head -c 200 "$work/evidence.bin" > "$work/truncated.bin"
attest_body "$(b64url "$work/truncated.bin")" "$work/runtime.json" JSON
expect_error 400 MalformedEvidence POST '/attest/Cloister?api-version=2022-08-01' "$work/body.json" "${A[@]}"
attest_body '!!not-base64url!!' "$work/runtime.json" JSON
expect_error 400 InvalidRequest POST /attest/Cloister "$work/body.json" "${A[@]}"
echo '{"runtimeData": {"data": "", "dataType": "Binary"}}' > "$work/missing.json"
expect_error 400 InvalidRequest POST /attest/Cloister "$work/missing.json" "${A[@]}"
echo "{\"evidence\": 42, \"runtimeData\": []}" > "$work/types.json"
expect_error 400 InvalidRequest POST /attest/Cloister "$work/types.json" "${A[@]}"
echo '{"evidence": ' > "$work/notjson.json"
expect_error 400 InvalidRequest POST /attest/Cloister "$work/notjson.json" "${A[@]}"
printf 'not json {' > "$work/runtime.bad"
attest_body "$evidence" "$work/runtime.bad" JSON
expect_error 400 InvalidRequest POST /attest/Cloister "$work/body.json" "${A[@]}"
expect_error 400 UnsupportedAttestationType POST /attest/Tpm "$work/body.json" "${A[@]}"

# Mismatched runtime data, then a replayed nonce.
printf '{"pub":"someone-else"}' > "$work/other.json"
attest_body "$evidence" "$work/other.json" JSON
expect_error 400 RuntimeDataMismatch POST /attest/Cloister "$work/body.json" "${A[@]}"
attest_body "$evidence" "$work/runtime.json" JSON nonce-1
expect_error 409 ReplayedNonce POST /attest/Cloister "$work/body.json" "${A[@]}"

# A debug enclave (the same code signed with debug=true), through the daemon.
"$cloister" enclave keygen --out "$work/debug-key.pem" > /dev/null
echo '{"heap_size": "64M", "max_threads": 2, "debug": true, "product_id": 1, "security_version": 1}' \
  > "$work/debug.json"
"$cloister" enclave sign --image "$hello_elf" --config "$work/debug.json" --key "$work/debug-key.pem" \
  --out "$work/debug.signed" --quiet
"$hello_host" "$work/debug.signed" --evidence "$work/debug.bin" --nonce "$(binding "$work/runtime.json")" > /dev/null \
  || fail "debug enclave did not run"
attest_body "$(b64url "$work/debug.bin")" "$work/runtime.json" JSON
expect_error 403 PolicyDenied POST /attest/Cloister "$work/body.json" "${A[@]}"
grep -q 'x-ms-sgx-is-debuggable' "$work/reply" || fail "debug denial gives no reason: $(cat "$work/reply")"

# Sim-backend evidence from the registered platform, and development-platform evidence.
"$helper" sim "$work/platform" "$work/sim.bin" "$(binding "$work/runtime.json")"
attest_body "$(b64url "$work/sim.bin")" "$work/runtime.json" JSON
expect_error 403 PolicyDenied POST /attest/Cloister "$work/body.json" "${A[@]}"
grep -q 'x-cloister-isolation' "$work/reply" || fail "sim denial gives no reason: $(cat "$work/reply")"
"$helper" development "$work/dev.bin" "$work/dev-ca.pem" "$(binding "$work/runtime.json")"
attest_body "$(b64url "$work/dev.bin")" "$work/runtime.json" JSON
expect_error 403 UntrustedPlatform POST /attest/Cloister "$work/body.json" "${A[@]}"
"$cloister" attestd platform add --name dev --ca "$work/dev-ca.pem" > /dev/null
expect_error 403 PolicyDenied POST /attest/Cloister "$work/body.json" "${A[@]}"
grep -q 'x-cloister-development-platform' "$work/reply" || fail "dev denial gives no reason: $(cat "$work/reply")"
"$cloister" attestd platform remove --name dev > /dev/null
expect_error 403 UntrustedPlatform POST /attest/Cloister "$work/body.json" "${A[@]}"

# --- policies ---------------------------------------------------------------
printf 'version= 1.0;\nauthorizationrules {\n  => permit()\n};\n' > "$work/syntax.policy"
AUTH=(-H "Authorization: Bearer $credential")
expect_error 400 PolicySyntaxError PUT /policies/Cloister "$work/syntax.policy" "${AUTH[@]}"
grep -q '"line":4' "$work/reply" && grep -q '"column":' "$work/reply" || fail "no line/column: $(cat "$work/reply")"
cat > "$work/eu.policy" <<'POLICY'
version= 1.0;
authorizationrules {
    c:[type=="x-cloister-platform-region", value=="eu-west"] && c2:[type=="x-ms-sgx-is-debuggable", value==false] => permit();
};
issuancerules {
    c:[type=="x-cloister-platform-region"] => issue(type="region", value=c.value);
};
POLICY
expect_error 401 Unauthorized PUT /policies/Cloister "$work/eu.policy"
expect_error 401 Unauthorized PUT /policies/Cloister "$work/eu.policy" -H "Authorization: Bearer wrong-$credential"
expect_error 401 Unauthorized POST /policies/Cloister:reset "$work/eu.policy"
expect_error 409 Conflict PUT /policies/Cloister "$work/eu.policy" "${AUTH[@]}" -H 'If-Match: "not-the-hash"'
"$cloister" attestd policy set "$work/eu.policy" --url "$url" > /dev/null || fail "policy set"
"$cloister" attestd policy show --url "$url" | grep -qF -- "$("$cloister" attest policy-hash "$work/eu.policy")" \
  || fail "policy show does not give the new hash"
"$hello_host" "$hello_image" --evidence "$work/evidence2.bin" --nonce "$(binding "$work/runtime.json")" > /dev/null
"$cloister" attest submit "$work/evidence2.bin" --runtime-data "$work/runtime.json" --json --url "$url" \
  > "$work/token2" || fail "no token under the EU policy"
"$cloister" attest token decode "$work/token2" | grep -q '"region": "eu-west"' || fail "issued claim missing"
"$cloister" attestd policy reset --url "$url" | grep -qF -- "$default_hash" || fail "policy reset"
[ "$(wc -l < "$work/attestd/policy_changes.log")" = 2 ] || fail "policy change log: $(cat "$work/attestd/policy_changes.log")"

# --- oversize body, still alive, clean logs, clean stop ---------------------
head -c 2000000 /dev/zero | tr '\0' 'A' > "$work/huge"
expect_error 413 PayloadTooLarge POST /attest/Cloister "$work/huge" "${A[@]}"
kill -0 "$attestd_pid" 2> /dev/null || fail "attestd died"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/certs")" = 200 ] || fail "attestd no longer answers"
grep -qF "$credential" "$work/attestd.log" "$work/attestd/policy_changes.log" && fail "the credential was logged"
grep -qF "$(cut -d. -f3 "$work/token")" "$work/attestd.log" && fail "a token was logged"
kill -TERM "$attestd_pid"
wait "$attestd_pid" || fail "attestd did not stop cleanly on SIGTERM"
attestd_pid=
echo "attestd e2e test passed"
