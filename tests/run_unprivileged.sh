#!/usr/bin/env bash
# Runs the isolation test as an unprivileged user, as a real untrusted host
# would be: as root (CI), copy the test and the enclave image somewhere the
# user can read and drop to a uid of its own (no account, no other process:
# not nobody, which other processes share) with setpriv; otherwise run as is.
#   run_unprivileged.sh TEST_BINARY ENCLAVE_IMAGE
set -euo pipefail
binary=$1 image=$2
if [ "$(id -u)" -ne 0 ]; then
  CLOISTER_TEST_IMAGE=$image exec "$binary"
fi
source "$(dirname "$0")/unprivileged.sh"
uid=$(unused_uid)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$binary" "$work/test"
cp "$image" "$work/enclave.signed"
chmod 755 "$work"
chmod a+rx "$work/test" "$work/enclave.signed"
cd "$work"
setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all -- \
  env CLOISTER_TEST_IMAGE="$work/enclave.signed" HOME="$work" "$work/test"
