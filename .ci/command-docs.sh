#!/usr/bin/env bash
# Writes the per-command reference (docs/commands.md) from the tool's own --help, so the two cannot drift:
#   .ci/command-docs.sh [RECLAB_BINARY] > docs/commands.md      (`make docs` does this)
# CommandDocsTests runs it and compares with the committed page.
set -euo pipefail
BIN=${1:-.build/debug/reclab}
# Command paths in the order `reclab --help` lists them, subcommands after their parent.
paths=$("$BIN" --experimental-dump-help | python3 -c '
import json, sys
def walk(c, prefix):
    for s in c.get("subcommands", []):
        name = (prefix + " " + s["commandName"]).strip()
        if name == "help":
            continue
        print(name)
        walk(s, name)
walk(json.load(sys.stdin)["command"], "")
')
echo "# Command reference"
echo
echo "Generated from \`reclab COMMAND --help\` by \`make docs\` (\`.ci/command-docs.sh\`); do not edit by hand."
echo "The examples in it run as written in the test suite (\`ExamplesCLITests\`)."
echo
echo "## reclab"
echo
echo '```text'
"$BIN" --help
echo '```'
while IFS= read -r path; do
    echo
    echo "## reclab $path"
    echo
    echo '```text'
    # shellcheck disable=SC2086  # the path is words: "runs list"
    "$BIN" $path --help
    echo '```'
done <<<"$paths"
