#!/usr/bin/env bash
# The main job on the built-in synthetic dataset: generate, evaluate, simulate, report.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/reclab
OUT=reports/demo
mkdir -p "$OUT"
echo "== generate the synthetic world (datasets/small.yaml)"
$BIN generate --config datasets/small.yaml --out "$OUT/small.sqlite" --force
$BIN inspect "$OUT/small.sqlite"
echo "== offline experiment (experiments/demo.yaml)"
$BIN run experiments/demo.yaml --out "$OUT/offline" --results "$OUT/results.sqlite"
