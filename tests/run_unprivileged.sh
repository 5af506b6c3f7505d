#!/usr/bin/env bash
# Runs a command as an unprivileged user: as root, drop to nobody with setpriv
# (CI runs as root, and root can read any process's memory); otherwise run as is.
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all -- "$@"
fi
exec "$@"
