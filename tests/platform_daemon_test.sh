#!/usr/bin/env bash
# End to end through the platform daemon: init a platform, serve it, launch
# enclaves through it, and check that its evidence passes default policies
# (no development platform), that its secrets are private, and that the
# daemon refuses a tampered image.
#   platform_daemon_test.sh CLOISTER HELLO_HOST HELLO_IMAGE KEY_EXCHANGE_HOST A_IMAGE B_IMAGE
set -euo pipefail
cloister=$1 hello_host=$2 hello_image=$3 exchange_host=$4 image_a=$5 image_b=$6
source "$(dirname "$0")/lib.sh"

"$cloister" platform init --data-dir "$work/platform" > "$work/init.log"
grep -q "platform id:" "$work/init.log" || fail "init printed no platform id"
[ "$(stat -c %a "$work/platform")" = 700 ] || fail "data dir is not private"
for secret in root_secret attestation_key.pem operator_ca_key.pem; do
  [ "$(stat -c %a "$work/platform/$secret")" = 600 ] || fail "$secret is not private"
done
"$cloister" platform init --data-dir "$work/platform" 2> "$work/again.log" && fail "init overwrote a platform"
grep -q "force" "$work/again.log" || fail "second init gave no hint"

start_platform_daemon "$cloister"
export CLOISTER_PLATFORM_SOCKET=$work/platform.sock

"$hello_host" "$hello_image" > "$work/hello.log" || fail "hello through the daemon: $(cat "$work/hello.log")"
grep -q "hello, world, from inside an enclave" "$work/hello.log" || fail "no greeting"

"$exchange_host" "$image_a" "$image_b" > "$work/exchange.log" || fail "key exchange: $(cat "$work/exchange.log")"
grep -q "platform daemon" "$work/exchange.log" || fail "key exchange did not use the daemon"
grep -q "DEVELOPMENT" "$work/exchange.log" && fail "daemon evidence claims a development platform"
grep -q "key exchange succeeded: 3 of 3 attacks refused" "$work/exchange.log" || fail "key exchange outcome"

# Evidence through the daemon passes the default policy: no --allow flags.
nonce=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
measurement=$("$cloister" enclave measure --image "$hello_image" | awk '/^measurement:/ {print $2}')
"$cloister" platform ca --data-dir "$work/platform" > "$work/ca.pem"
"$hello_host" "$hello_image" --evidence "$work/evidence.bin" --nonce "$nonce" > /dev/null
"$cloister" attest verify --evidence "$work/evidence.bin" --ca "$work/ca.pem" --report-data "$nonce" \
  --measurement "$measurement" --max-age 60 > "$work/verify.log" || fail "daemon evidence refused: $(cat "$work/verify.log")"
grep -q "verified: yes" "$work/verify.log" || fail "verify printed no verdict"
"$cloister" attest describe --evidence "$work/evidence.bin" | grep -q "NOT VERIFIED" || fail "describe"
# A hand-edited blob, a replayed nonce, another platform's evidence: all refused.
size=$(stat -c %s "$work/evidence.bin")
for offset in 20 100 $((size / 2)) $((size - 10)); do
  cp "$work/evidence.bin" "$work/edited.bin"
  printf '\x5a' | dd of="$work/edited.bin" bs=1 seek="$offset" conv=notrunc status=none
  cmp -s "$work/evidence.bin" "$work/edited.bin" && continue
  if "$cloister" attest verify --evidence "$work/edited.bin" --ca "$work/ca.pem" 2> "$work/edited.log"; then
    fail "hand-edited evidence (offset $offset) verified"
  fi
  grep -q "evidence refused" "$work/edited.log" || fail "edited evidence error: $(cat "$work/edited.log")"
done
"$cloister" attest verify --evidence "$work/evidence.bin" --ca "$work/ca.pem" --report-data "00$nonce" 2> /dev/null \
  && fail "replayed evidence passed a fresh nonce"
env -u CLOISTER_PLATFORM_SOCKET "$hello_host" "$hello_image" --evidence "$work/dev.bin" > /dev/null
"$cloister" attest verify --evidence "$work/dev.bin" --ca "$work/ca.pem" --allow-development-platform 2> "$work/dev.log" \
  && fail "another platform's evidence verified"
grep -q "trusted root" "$work/dev.log" || fail "other-platform error: $(cat "$work/dev.log")"

cp "$hello_image" "$work/tampered.signed"
printf '\x01' | dd of="$work/tampered.signed" bs=1 seek=4096 conv=notrunc status=none
if "$hello_host" "$work/tampered.signed" > "$work/tampered.log" 2>&1; then fail "tampered image ran"; fi
grep -q "signature" "$work/tampered.log" || fail "tampered image error: $(cat "$work/tampered.log")"
grep -q "launch refused" "$work/daemon.log" || fail "daemon did not log the refusal"
grep -q "launched enclave pid" "$work/daemon.log" || fail "daemon logged no launch"
if [ "$(id -u)" -eq 0 ]; then
  # As root, every enclave ran under a uid of its own from the default range, never twice at once.
  uids=$(sed -n 's/.*launched enclave pid [0-9]* uid \([0-9]*\) .*/\1/p' "$work/daemon.log")
  [ -n "$uids" ] || fail "the daemon logged no enclave uid: $(cat "$work/daemon.log")"
  for uid in $uids; do
    [ "$uid" -ge 1879048192 ] && [ "$uid" -le 1879113727 ] || fail "an enclave ran as uid $uid"
  done
  # Ranges that hold root or nobody, or an account's uid, and the old shared user are refused.
  for range in 0-100 65000-65535 "$(id -u daemon)-$(id -u daemon)"; do
    "$cloister" platform serve --data-dir "$work/platform" --socket "$work/other.sock" --enclave-uids "$range" \
      2> "$work/range.log" && fail "the daemon took the uid range $range"
    grep -q "choose a range" "$work/range.log" || fail "range $range: $(cat "$work/range.log")"
  done
  "$cloister" platform serve --data-dir "$work/platform" --socket "$work/other.sock" --enclave-user nobody \
    2> "$work/user.log" && fail "the daemon ran enclaves as nobody"
  grep -q "uid of its own" "$work/user.log" || fail "--enclave-user: $(cat "$work/user.log")"
fi
echo "platform daemon test passed"
