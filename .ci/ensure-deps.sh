#!/usr/bin/env bash
# Installs what RecLab needs from Debian when run as root; otherwise says exactly what to install.
# The packages are listed once, in .ci/runtime-deps.txt (what the binary needs to run: also the container
# image's list) and .ci/build-deps.txt (headers and tools to build and test), each with the check that
# tells it is present. Also: a Swift 6 toolchain, and pyspark from PyPI for the Spark test (Java 17 present).
#
#   .ci/ensure-deps.sh                  install what is missing (as root), check the toolchain
#   .ci/ensure-deps.sh --packages-only  only the Debian and pip packages (e.g. under sudo, without swift on PATH)
#   .ci/ensure-deps.sh --list FILE      print the package names FILE lists, one a line (what the Dockerfile installs)
#   .ci/ensure-deps.sh --missing FILE   print the packages of FILE whose check fails here, one a line
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Package names of a list: the first word of each line that is not blank or a comment.
list_packages() { awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$1"; }

# True when CHECK (cmd:, lib:, header:) holds on this machine.
present() {
    local kind="${1%%:*}" name="${1#*:}"
    case "$kind" in
        cmd) command -v "$name" >/dev/null 2>&1 ;;
        # awk reads the whole list (grep -q would stop early and, under pipefail, fail the pipe by SIGPIPE).
        lib) ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { found = 1 } END { exit !found }' ;;
        header) [ -e "/usr/include/$name" ] || compgen -G "/usr/include/*-linux-gnu/$name" >/dev/null ;;
        *) echo "ensure-deps: unknown check '$1'" >&2; return 2 ;;
    esac
}

missing_packages() {
    awk '!/^[[:space:]]*(#|$)/ { print $1, $2 }' "$1" | while read -r package check; do
        present "$check" || echo "$package"
    done
}

case "${1:-}" in
    --list) list_packages "$2"; exit 0 ;;
    --missing) missing_packages "$2"; exit 0 ;;
esac

missing=()
for list in "$here/runtime-deps.txt" "$here/build-deps.txt"; do
    while read -r package; do missing+=("$package"); done < <(missing_packages "$list")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "ensure-deps: missing ${missing[*]}." >&2
        echo "ensure-deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

# pyspark for the Spark test (SparkPipeCLITests runs spark/reclab_pipe.py on local[2]; it skips without it).
if ! python3 -c 'import pyspark' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "ensure-deps: installing pyspark (pip)"
        python3 -m pip install -q pyspark 2>/dev/null || python3 -m pip install -q --break-system-packages pyspark
    else
        echo "ensure-deps: pyspark is not installed; the Spark test will be skipped (python3 -m pip install pyspark)" >&2
    fi
fi

[ "${1:-}" = "--packages-only" ] && exit 0
if ! command -v swift >/dev/null 2>&1; then
    echo "ensure-deps: no Swift toolchain on PATH; install Swift 6 from swift.org and retry." >&2
    exit 1
fi
