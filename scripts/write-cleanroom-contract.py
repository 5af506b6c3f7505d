#!/usr/bin/env python3
"""Writes a clean-room contract for hospital-a and hospital-b: their public
keys (NAME.jwk.json in DIR), wdbc's columns (from DIR/hospital-a.csv),
logistic regression, a model for each.
    write-cleanroom-contract.py OUT.json NAME [DIR]"""
import csv, json, os, sys

out, name = sys.argv[1], sys.argv[2]
folder = sys.argv[3] if len(sys.argv) > 3 else "."
header = next(csv.reader(open(os.path.join(folder, "hospital-a.csv"))))
parties = ["hospital-a", "hospital-b"]
contract = {"contract": "cloister-cleanroom/1", "name": name,
            "parties": [{"name": p, "public_key": json.load(open(os.path.join(folder, p + ".jwk.json")))}
                        for p in parties],
            "schema": {"features": [c for c in header if c != "diagnosis"], "label": "diagnosis",
                       "positive": "M", "negative": "B"},
            "algorithm": {"name": "logistic_regression", "epochs": 1000, "learning_rate": 0.5, "l2": 0.001},
            "outputs": [{"party": p, "receives": "model"} for p in parties]}
open(out, "w").write(json.dumps(contract, indent=2) + "\n")
