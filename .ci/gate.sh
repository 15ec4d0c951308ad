#!/usr/bin/env bash
# The regression gate CI runs after the tests (`make gate`): the tiny deterministic offline experiment,
# checked against the committed baseline. Exit status is `reclab check`'s: 0 pass, 1 a metric regressed
# beyond tolerance (the table is printed), 2 unusable input.
#
# It uses the debug build: `make test` has just built it (the CLI tests run it), so nothing is rebuilt, and
# the tiny experiment takes a few seconds even unoptimised. Also writes the run's report to reports/ci/
# (the GitHub workflow keeps it as an artifact).
#
# To accept a deliberate change of the numbers: .ci/gate.sh --update (rewrites the baseline; commit it).
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${RECLAB_GATE_CONFIG:-experiments/tiny.yaml}
BASELINE=${RECLAB_GATE_BASELINE:-reports/baseline/ci.json}
swift build --product reclab >/dev/null
BIN=$(swift build --show-bin-path)/reclab
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== gate: $CONFIG against $BASELINE"
if ! "$BIN" run "$CONFIG" --out "$WORK/run" --quiet >"$WORK/run.log" 2>&1; then
    cat "$WORK/run.log" >&2
    echo "gate: the experiment itself failed" >&2
    exit 2
fi
if [ "${1:-}" = "--update" ]; then
    "$BIN" baseline update "$WORK/run/metrics.json" --out "$BASELINE"
    exit 0
fi
"$BIN" report "$WORK/run" --out reports/ci --quiet || echo "gate: warning: could not write reports/ci (the gate itself still runs)" >&2
status=0
"$BIN" check "$WORK/run/metrics.json" --baseline "$BASELINE" || status=$?
if [ "$status" = 1 ]; then
    echo "gate: if the change of these numbers is deliberate (a strategy, metric or generator change), accept it with" >&2
    echo "gate:   .ci/gate.sh --update   and commit $BASELINE saying why." >&2
fi
exit "$status"
