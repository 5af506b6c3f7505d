#!/bin/sh
# End-to-end: `cloister enclave keygen/sign/measure/inspect` on a real static
# ELF, then a one-byte tamper that `inspect` must catch.
# Usage: enclave_cli_test.sh CLOISTER STATIC_ELF DYNAMIC_ELF
set -eu

cloister=$1
static_elf=$2
dynamic_elf=$3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

die() {
  echo "FAIL: $*" >&2
  exit 1
}

# Runs a command that must fail; its stderr is left in $work/err.
expect_failure() {
  if "$@" >"$work/out" 2>"$work/err"; then
    die "expected failure: $*"
  fi
}

expect_error() {
  grep -qF -- "$1" "$work/err" || { cat "$work/err" >&2; die "stderr lacks: $1"; }
}

cat >"$work/config.json" <<'JSON'
{"heap_size": "64M", "max_threads": 4, "debug": false, "product_id": 1, "security_version": 2}
JSON

# keygen: a 0600 PKCS#8 key, never silently replaced.
"$cloister" enclave keygen --out "$work/key.pem" >"$work/keygen.out"
grep -q '^signer: [0-9a-f]\{64\}$' "$work/keygen.out" || die "keygen printed no signer"
[ "$(stat -c %a "$work/key.pem")" = 600 ] || die "key mode is $(stat -c %a "$work/key.pem")"
grep -q 'BEGIN PRIVATE KEY' "$work/key.pem" || die "key is not PKCS#8 PEM"
expect_failure "$cloister" enclave keygen --out "$work/key.pem"
expect_error "already exists"
"$cloister" enclave keygen --out "$work/key.pem" --force --curve p384 >"$work/keygen.out"
[ "$(stat -c %a "$work/key.pem")" = 600 ] || die "forced key mode is not 600"
keygen_signer=$(sed -n 's/^signer: //p' "$work/keygen.out")

# sign
"$cloister" enclave sign --image "$static_elf" --config "$work/config.json" --key "$work/key.pem" \
  --out "$work/enclave.signed" >"$work/sign.out"
grep -q '^measurement: [0-9a-f]\{64\}$' "$work/sign.out" || die "sign printed no measurement"
[ -x "$work/enclave.signed" ] || die "signed image is not executable"
"$work/enclave.signed" >/dev/null || die "signed image does not run"
quiet=$("$cloister" enclave sign --image "$static_elf" --config "$work/config.json" --key "$work/key.pem" \
  --out "$work/enclave2.signed" --quiet)
[ -z "$quiet" ] || die "--quiet printed: $quiet"

# measure agrees with sign, inspect and keygen.
"$cloister" enclave measure --image "$work/enclave.signed" >"$work/measure.out"
cmp -s "$work/sign.out" "$work/measure.out" || die "measure differs from sign"
"$cloister" enclave inspect --image "$work/enclave.signed" >"$work/inspect.out"
for field in measurement signer; do
  m=$(sed -n "s/^$field: *//p" "$work/measure.out")
  i=$(sed -n "s/^$field: *//p" "$work/inspect.out")
  [ -n "$m" ] && [ "$m" = "$i" ] || die "$field: measure says '$m', inspect says '$i'"
done
[ "$(sed -n 's/^signer: //p' "$work/measure.out")" = "$keygen_signer" ] || die "signer differs from keygen"
grep -q '^signature: *verified' "$work/inspect.out" || die "inspect does not say verified"
grep -q '^public key: *ECDSA P-384' "$work/inspect.out" || die "inspect key type"
grep -q '^max_threads: *4$' "$work/inspect.out" || die "inspect max_threads"
"$cloister" enclave inspect --image "$work/enclave.signed" --json >"$work/inspect.json"
grep -q '"status": "verified"' "$work/inspect.json" || die "inspect --json"

# Refusals with clear messages.
expect_failure "$cloister" enclave sign --image "$dynamic_elf" --config "$work/config.json" \
  --key "$work/key.pem" --out "$work/dynamic.signed"
expect_error "enclave image must be statically linked (found PT_INTERP)"
expect_failure "$cloister" enclave inspect --image "$static_elf"
expect_error "not a signed Cloister enclave image (no signature trailer)"
expect_failure "$cloister" enclave measure --image "$work/missing"
expect_error "cannot open enclave image $work/missing: No such file or directory"
echo '{"max_threads": 8, "heap_sise": "1G"}' >"$work/bad.json"
expect_failure "$cloister" enclave sign --image "$static_elf" --config "$work/bad.json" \
  --key "$work/key.pem" --out "$work/bad.signed"
expect_error '"heap_sise"'

# Tamper with one byte in the middle of the ELF.
size=$(stat -c %s "$work/enclave.signed")
offset=$((size / 2))
original=$(od -An -tu1 -j "$offset" -N1 "$work/enclave.signed" | tr -d ' ')
flipped=$(((original + 1) % 256))
printf "$(printf '\\%03o' "$flipped")" | dd of="$work/enclave.signed" bs=1 seek="$offset" conv=notrunc 2>/dev/null
[ "$(stat -c %s "$work/enclave.signed")" = "$size" ] || die "tamper changed the size"
expect_failure "$cloister" enclave inspect --image "$work/enclave.signed"
expect_error "enclave signature does not verify: the image or its configuration was modified after signing"
expect_failure "$cloister" enclave measure --image "$work/enclave.signed"

echo "enclave CLI end-to-end: ok"
