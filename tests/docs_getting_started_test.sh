#!/usr/bin/env bash
# Runs docs/getting-started.md as written: each "<!-- file: NAME -->" block is
# written to NAME, and each ```sh block runs, in order, in a fresh directory
# (step 1 runs from the repository root, as the page says).
#   docs_getting_started_test.sh REPO_ROOT
set -euo pipefail
root=$(cd "$1" && pwd)
doc=$root/docs/getting-started.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
script=$work/steps.sh

python3 - "$doc" "$script" "$root" "$work/project" <<'PY'
import re, sys, shlex
doc, script, root, project = sys.argv[1:]
text = open(doc).read()
# Services the page starts in the background stop with it, whatever happens.
out = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT", f"cd {shlex.quote(root)}"]
first_sh = True
for m in re.finditer(r'(<!-- file: (\S+) -->\n)?```(\w+)\n(.*?)```', text, re.S):
    name, lang, body = m.group(2), m.group(3), m.group(4)
    if name:
        out.append(f"cat > {shlex.quote(name)} <<'CLOISTER_DOC_EOF'\n{body}CLOISTER_DOC_EOF")
    elif lang == "sh":
        out.append(body)
        if first_sh:  # after building Cloister, the rest happens in the project directory
            out.append(f"mkdir -p {shlex.quote(project)} && cd {shlex.quote(project)}")
            first_sh = False
open(script, "w").write("\n".join(out) + "\n")
PY
bash "$script" > "$work/output.log" 2>&1 || { cat "$work/output.log"; echo "FAIL: a getting-started step failed"; exit 1; }
for expected in "added 5, total 5" "added 27, total 42" "measurement:" "signer:" "enclave signature does not verify" \
  "x-cloister-platform-region" "adder-key"; do
  grep -q "$expected" "$work/output.log" || { cat "$work/output.log"; echo "FAIL: missing '$expected'"; exit 1; }
done
echo "getting-started walk-through passed"
