#!/usr/bin/env bash
# The demo's last step as a user meets it: scripts/start-consoles.sh starts
# every service with embedded defaults, then the consoles are clicked
# through in Chromium (tests/browser/*.test.mjs) at the URLs it wrote, and
# SIGTERM stops everything: the script exits 0 and no process it started is
# left.
#   demo_consoles_test.sh REPO_ROOT BUILD_DIR ARTIFACTS_DIR
set -euo pipefail
root=$1 build=$2 artifacts=$3
source "$(dirname "$0")/lib.sh"
state=$work/state
"$root/scripts/start-consoles.sh" --build "$build" --state "$state" --any-ports > "$work/consoles.out" 2>&1 &
consoles_pid=$!
track "$consoles_pid"
for _ in $(seq 600); do [ -e "$state/ready" ] && break; kill -0 "$consoles_pid" 2> /dev/null || break; sleep 0.1; done
[ -e "$state/ready" ] || { cat "$work/consoles.out"; fail "start-consoles.sh did not get ready"; }
cat "$work/consoles.out"
# shellcheck source=/dev/null
source "$state/consoles.env"
grep -q "sign in as hr, password $(cat "$SQL_CONSOLE_PASSWORD_FILE")" "$work/consoles.out" ||
  fail "the SQL console's sign-in is not printed"
{ grep -q "hospital A $PORTAL_A_URL" "$work/consoles.out" && grep -q "hospital B $PORTAL_B_URL" "$work/consoles.out"; } ||
  fail "the portals' URLs are not printed"

rm -rf "$artifacts" && mkdir -p "$artifacts"
node "$root/tests/browser/sql_console.test.mjs" "$SQL_CONSOLE_URL" "$SQL_CONSOLE_USER" \
  "$(cat "$SQL_CONSOLE_PASSWORD_FILE")" "$SQL_EMPLOYEES_CSV" "$SQL_SIGNER" "$artifacts/sql-console" "attestd token" ||
  fail "the SQL console's browser test failed against the demo's services"

: > "$work/empty.csv"
sed '3s/^[^,]*,/n\/a,/' "$PORTAL_A_CSV" > "$work/malformed.csv"
python3 - "$artifacts/cleanroom-portal" "$work" > "$work/portal.json" << JSON
import json, sys
portals = [{"name": name, "url": url.rstrip("/"), "user": name, "password_file": password, "csv": csv}
           for name, url, password, csv in (("hospital-a", "$PORTAL_A_URL", "$PORTAL_A_PASSWORD_FILE", "$PORTAL_A_CSV"),
                                            ("hospital-b", "$PORTAL_B_URL", "$PORTAL_B_PASSWORD_FILE", "$PORTAL_B_CSV"))]
print(json.dumps({"artifacts": sys.argv[1], "empty_csv": sys.argv[2] + "/empty.csv",
                  "malformed_csv": sys.argv[2] + "/malformed.csv", "portals": portals,
                  "verified_by": "a token from attestd"}))
JSON
node "$root/tests/browser/cleanroom_portal.test.mjs" "$work/portal.json" ||
  fail "the clean-room portals' browser test failed against the demo's services"

# The terminal shows the sign-ins on purpose; no service log may.
for secret_file in "$SQL_CONSOLE_PASSWORD_FILE" "$PORTAL_A_PASSWORD_FILE" "$PORTAL_B_PASSWORD_FILE"; do
  for log in "$state"/*.log; do
    ! grep -q -- "$(cat "$secret_file")" "$log" || fail "$log holds a console password"
  done
done

kill -TERM "$consoles_pid"
status=0
wait "$consoles_pid" || status=$?
[ "$status" -eq 0 ] || fail "start-consoles.sh exited $status on SIGTERM: $(tail -5 "$work/consoles.out")"
grep -q "^stopped$" "$work/consoles.out" || fail "start-consoles.sh did not say it stopped"
sleep 0.5
! pgrep -f -- "$state" > /dev/null || fail "processes left running: $(pgrep -fa -- "$state")"
echo "demo consoles test passed"
