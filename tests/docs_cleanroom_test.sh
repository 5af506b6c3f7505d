#!/usr/bin/env bash
# Runs every ```sh block of docs/cleanroom.md, in order, in one shell in a
# scratch directory holding the repository's data/, with the built cloister
# first on PATH, and checks what the page promises: the split's table, a
# verified signature, the schema error, an evaluation, the demo's table and
# the walk-through through the service.
#   docs_cleanroom_test.sh REPO_ROOT CLOISTER [--show]
set -euo pipefail
root=$(cd "$1" && pwd) cloister=$2 show=${3:-}
source "$(dirname "$0")/lib.sh"
ln -s "$root/data" "$work/data"
run_doc_walkthrough "$root/docs/cleanroom.md" "$cloister"
cd "$work"
if [ "$show" = --show ]; then cat output.log; fi
python3 - output.log "$root/docs/cleanroom.md" <<'PY' || { cat output.log; echo "FAIL: the walk-through's output is wrong"; exit 1; }
import re, sys
log, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
# The table the page shows is the one the command prints.
for line in ("A alone", "B alone", "A + B  "):
    printed = re.search(re.escape(line) + r" +([0-9.]+%) +([0-9.]+%)", log)
    shown = re.search(re.escape(line) + r" +([0-9.]+%) +([0-9.]+%)", doc)
    assert printed and shown and printed.groups() == shown.groups(), (line, printed, shown)
assert "hospital-a signed contract" in log
assert "row 2 (line 3), column radius_mean: 'n/a' is not a number" in log
assert re.search(r"trained on 203 rows, scored on 170 rows", log)
assert re.search(r"^accuracy +[0-9.]+%", log, re.M) and "ROC AUC" in log
# The demo's table, and the walk-through's joint model beating A alone.
joint = re.search(r"A \+ B   \(trained in the enclave\) +([0-9.]+)%", log)
assert joint and float(joint.group(1)) >= 95, joint
assert "enclave verified:" in log and "it enforces your contract" in log
assert "hospital-b signed contract" in log and "uploaded 196 rows" in log
assert "released hospital-b's data key" in log
assert re.search(r"trained on 399 rows in [0-9.e-]+ s inside the enclave", log)
scored = [float(x) for x in re.findall(r"^accuracy +([0-9.]+)%", log, re.M)]
assert len(scored) == 2 and scored[1] >= 95 and scored[1] - scored[0] >= 5, scored
assert "hash chain verified here" in log and "model-downloaded" in log
assert "hospital-a|" in log and "hospital-b|" in log  # the operator's table of uploads
# The portal: its URL printed, a sign-in, and the enclave verified by the agent.
assert re.search(r"cloister cleanroom portal for hospital-a listening on http://127\.0\.0\.1:\d+", log)
assert '{"user":"alice"}' in log
assert re.search(r'"measurement":"[0-9a-f]{64}"', log) and '"verified":true' in log
PY
echo "docs/cleanroom.md walk-through passed"
