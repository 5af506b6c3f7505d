# Sourced by tests that run something as an unprivileged user of its own.
# unused_uid: a uid that no account names and no process holds (and not the
# platform's enclave range), so whatever runs under it shares it with nothing.
unused_uid() {
  local uid
  while :; do
    uid=$((2100000000 + RANDOM * 32768 + RANDOM))
    getent passwd "$uid" > /dev/null && continue
    getent group "$uid" > /dev/null && continue
    grep -qsE "^(Uid|Gid):\s.*\b$uid\b" /proc/[0-9]*/status && continue
    echo "$uid"
    return
  done
}
