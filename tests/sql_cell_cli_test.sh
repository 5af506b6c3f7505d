#!/usr/bin/env bash
# `cloister sql` end to end: cells round-trip through the CLI in both types,
# tampering and a wrong key are refused, a CMK store makes and unwraps a CEK;
# then SQL Server's vector 17 (randomized) is decrypted by the CLI and, as an
# independent check, by hand with openssl (HMAC key derivation over the UTF-16LE
# labels, the tag, AES-256-CBC).
#   sql_cell_cli_test.sh CLOISTER VECTORS_JSON
set -euo pipefail
cloister=$1 vectors=$2
source "$(dirname "$0")/lib.sh"

cek=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
plaintext=$(printf 'Alice, 42' | xxd -p | tr -d '\n')

# --- round trips ----------------------------------------------------------
d1=$("$cloister" sql cell encrypt --cek "$cek" --type deterministic "$plaintext")
d2=$(echo "$plaintext" | "$cloister" sql cell encrypt --cek "$cek" --type deterministic)
[ "$d1" = "$d2" ] || fail "deterministic cells of one plaintext differ"
r1=$("$cloister" sql cell encrypt --cek "$cek" --type randomized "$plaintext")
r2=$("$cloister" sql cell encrypt --cek "$cek" --type randomized "$plaintext")
[ "$r1" != "$r2" ] || fail "randomized cells repeat"
for cell in "$d1" "$r1" "$r2"; do
  [ "${cell:0:2}" = 01 ] || fail "a cell does not start with version 01"
  [ "$("$cloister" sql cell decrypt --cek "$cek" "$cell")" = "$plaintext" ] || fail "a cell does not round-trip"
done
[ "$(echo "$r1" | "$cloister" sql cell decrypt --cek "$cek")" = "$plaintext" ] || fail "stdin decrypt"

# --- refusals -------------------------------------------------------------
last=${r1: -1}
flipped=${r1%?}$([ "$last" = 0 ] && echo 1 || echo 0)
if "$cloister" sql cell decrypt --cek "$cek" "$flipped" 2> "$work/err"; then fail "a tampered cell decrypted"; fi
grep -q "authentication tag does not match" "$work/err" || fail "unclear tamper error: $(cat "$work/err")"
other=${cek%?}0
if "$cloister" sql cell decrypt --cek "$other" "$r1" 2> "$work/err"; then fail "another key decrypted"; fi
if "$cloister" sql cell decrypt --cek abcd "$r1" 2> "$work/err"; then fail "a short key was accepted"; fi
grep -q "32 bytes" "$work/err" || fail "unclear key size error: $(cat "$work/err")"
if "$cloister" sql cell decrypt --cek "$cek" "${r1:0:100}" 2> "$work/err"; then fail "a truncated cell decrypted"; fi
"$cloister" sql cell --help | grep -q encrypt || fail "no --help"

# --- column master key store and encrypted CEK ------------------------------
store=$work/cmks
"$cloister" sql cmk create --store "$store" --name orders-cmk --bits 2048 --enclave-computations > "$work/cmk.out"
grep -q "provider: CLOISTER_KEY_FILE" "$work/cmk.out" || fail "no provider line"
grep -q "enclave computations signature: 0x" "$work/cmk.out" || fail "no metadata signature"
[ "$(stat -c %a "$store")" = 700 ] && [ "$(stat -c %a "$store/orders-cmk")" = 600 ] || fail "store modes"
if "$cloister" sql cmk create --store "$store" --name orders-cmk --bits 2048 2> "$work/err"; then
  fail "a key was overwritten"
fi
value=$("$cloister" sql cek create --cmk-store "$store" --cmk orders-cmk)
[ "${value:0:4}" = 0x01 ] || fail "the encrypted CEK does not start with 0x01"
column_key=$("$cloister" sql cek decrypt --cmk-store "$store" --cmk orders-cmk --value "$value")
[ ${#column_key} -eq 64 ] || fail "the CEK is not 32 bytes"
cell=$("$cloister" sql cell encrypt --cek "$column_key" --type randomized "$plaintext")
[ "$("$cloister" sql cell decrypt --cek "$column_key" "$cell")" = "$plaintext" ] || fail "the unwrapped CEK"
tampered=${value:0:100}$([ "${value:100:1}" = 0 ] && echo 1 || echo 0)${value:101}  # in the ciphertext
if "$cloister" sql cek decrypt --cmk-store "$store" --cmk orders-cmk --value "$tampered" 2> "$work/err"; then
  fail "a tampered encrypted CEK unwrapped"
fi
grep -q "signature does not verify" "$work/err" || fail "unclear CEK tamper error: $(cat "$work/err")"

# --- SQL Server's vector 17, by the CLI and by hand --------------------------
if [ ! -f "$vectors" ]; then
  echo "SKIP: no vectors at $vectors"
  exit 0
fi
v=$(jq -c '.cells[] | select(.id == "sqlclient-native-17")' "$vectors")
v_cek=$(jq -r .cek_hex <<< "$v") v_plain=$(jq -r .plaintext_hex <<< "$v") v_cell=$(jq -r .cell_hex <<< "$v")
[ "$(jq -r .encryption_type <<< "$v")" = randomized ] || fail "vector 17 is not randomized"
[ "$("$cloister" sql cell decrypt --cek "$v_cek" "$v_cell")" = "$v_plain" ] || fail "CLI: vector 17"

hmac_hex() {  # KEY_HEX, data on stdin
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | xxd -p | tr -d '\n'
}
label() { printf 'Microsoft SQL Server cell %s with encryption algorithm:AEAD_AES_256_CBC_HMAC_SHA256 and key length:256' "$1" | iconv -f UTF-8 -t UTF-16LE; }
enc_key=$(label "encryption key" | hmac_hex "$v_cek")
mac_key=$(label "MAC key" | hmac_hex "$v_cek")
tag=${v_cell:2:64} iv=${v_cell:66:32} ciphertext=${v_cell:98}
expected_tag=$(printf '01%s%s01' "$iv" "$ciphertext" | xxd -r -p | hmac_hex "$mac_key")
[ "$expected_tag" = "$tag" ] || fail "by hand: vector 17's tag"
by_hand=$(printf '%s' "$ciphertext" | xxd -r -p | openssl enc -d -aes-256-cbc -K "$enc_key" -iv "$iv" | xxd -p | tr -d '\n')
[ "$by_hand" = "$v_plain" ] || fail "by hand: vector 17's plaintext"
echo "PASS"
