#!/usr/bin/env bash
# `cloister cleanroom` offline steps end to end: the two-hospital split and its
# table, party keys, a contract signed and checked, a CSV checked against the
# schema (errors name row and column) and encrypted (no plaintext value in the
# file, the key in a private file), a model trained on one party's data alone
# and scored, and a model whose JSON is tampered refused.
#   cleanroom_cli_test.sh CLOISTER DATA_DIR
set -euo pipefail
cloister=$(realpath "$1") data=$(realpath "$2")
source "$(dirname "$0")/lib.sh"  # $work: a temporary directory, removed at exit
cd "$work"

"$cloister" cleanroom split --data "$data/wdbc.csv" --out split --draws 3 > split.txt 2> /dev/null
grep -q "hospital A (screening clinic): 203 patients, 3 malignant" split.txt || fail "split: $(cat split.txt)"
grep -q "A + B" split.txt || fail "split prints no table"
[ "$(wc -l < split/test.csv)" = 171 ] || fail "test.csv should hold 170 patients and a header"

for party in hospital-a hospital-b; do "$cloister" cleanroom party init --name "$party" --dir keys > /dev/null; done
[ "$(stat -c %a keys/hospital-a.key.pem)" = 600 ] || fail "a party's private key is readable by others"

python3 - "$data/wdbc.csv" > contract.json <<'PY'
import json, sys
features = [c for c in open(sys.argv[1]).readline().strip().split(",") if c != "diagnosis"]
parties = [{"name": p, "public_key": json.load(open(f"keys/{p}.jwk.json"))} for p in ("hospital-a", "hospital-b")]
print(json.dumps({"contract": "cloister-cleanroom/1", "name": "breast-cancer-screening", "parties": parties,
                  "schema": {"features": features, "label": "diagnosis", "positive": "M", "negative": "B"},
                  "algorithm": {"name": "logistic_regression", "epochs": 1000, "learning_rate": 0.5, "l2": 0.001},
                  "outputs": [{"party": "hospital-a", "receives": "model"}, {"party": "hospital-b", "receives": "model"}]},
                 indent=2))
PY
hash=$("$cloister" cleanroom contract hash --contract contract.json)
[ "$hash" = "$(sha256sum contract.json | cut -d' ' -f1)" ] || fail "the contract's hash is not the SHA-256 of its bytes"
signature=$("$cloister" cleanroom contract sign --contract contract.json --party hospital-a --key keys/hospital-a.key.pem)
"$cloister" cleanroom contract verify --contract contract.json --party hospital-a --signature "$signature" | grep -q "hospital-a signed" \
  || fail "a good signature does not verify"
! "$cloister" cleanroom contract verify --contract contract.json --party hospital-b --signature "$signature" 2> err.txt \
  || fail "A's signature verified as B's"
! "$cloister" cleanroom contract sign --contract contract.json --party hospital-b --key keys/hospital-a.key.pem 2> err.txt \
  || fail "A's key signed as B"
grep -q "is not hospital-b's key" err.txt || fail "signing with the wrong key: $(cat err.txt)"

# The schema check names the row and the column.
sed '3s/^[^,]*,/n\/a,/' split/hospital-a.csv > bad.csv
! "$cloister" cleanroom party encrypt --contract contract.json --party hospital-a --csv bad.csv 2> err.txt \
  || fail "a CSV with a non-number was encrypted"
grep -q "row 2 (line 3), column radius_mean: 'n/a' is not a number" err.txt || fail "bad CSV: $(cat err.txt)"
cut -d, -f2- split/hospital-a.csv > missing.csv
! "$cloister" cleanroom party encrypt --contract contract.json --party hospital-a --csv missing.csv 2> err.txt \
  || fail "a CSV without a column was encrypted"
grep -q "the header has no column radius_mean" err.txt || fail "missing column: $(cat err.txt)"

"$cloister" cleanroom party encrypt --contract contract.json --party hospital-a --csv split/hospital-a.csv \
  --out a.cds > encrypt.txt
grep -q "encrypted 203 rows" encrypt.txt || fail "encrypt: $(cat encrypt.txt)"
[ "$(stat -c %a a.cds.key)" = 600 ] || fail "the data key file is readable by others"
value=$(sed -n 2p split/hospital-a.csv | cut -d, -f4)  # area_mean of the first patient, e.g. 386.1
! grep -a -q -- "$value" a.cds || fail "the encrypted dataset holds plaintext ($value)"
grep -a -q hospital-a a.cds || fail "the dataset header should name its party"

"$cloister" cleanroom party train-local --contract contract.json --csv split/hospital-a.csv --out a-alone.json > /dev/null
"$cloister" cleanroom party evaluate --model a-alone.json --csv split/test.csv > eval.txt
grep -q "trained on 203 rows, scored on 170 rows" eval.txt || fail "evaluate: $(cat eval.txt)"
grep -Eq "^accuracy +[0-9]+\.[0-9]%" eval.txt || fail "no accuracy: $(cat eval.txt)"
grep -q "ROC AUC" eval.txt || fail "no ROC AUC"
python3 -c "import json,sys; m=json.load(open('a-alone.json')); m['w1']=m['w1'][:-1]; json.dump(m, open('bad-model.json','w'))"
! "$cloister" cleanroom party evaluate --model bad-model.json --csv split/test.csv 2> err.txt || fail "a cut model was used"
grep -q "w1 must list 30 numbers" err.txt || fail "bad model: $(cat err.txt)"
echo "cleanroom_cli: ok"
