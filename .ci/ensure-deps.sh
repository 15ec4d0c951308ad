#!/usr/bin/env bash
# Installs what RecLab needs from Debian when run as root; otherwise says exactly what to install.
# Needs: a Swift 6 toolchain, gnuplot (charts), libsqlite3-dev (store), libopenblas-dev (BLAS/LAPACK),
# unzip (importing zipped MovieLens archives) and zip (the tests build a small archive); for the tests also
# chromium (renders report.html headless: BrowserTests) and zlib1g-dev (decodes its screenshot PNG).
set -euo pipefail

missing=()
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
[ -e /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
{ [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || [ -e /usr/include/aarch64-linux-gnu/cblas.h ]; } \
    || missing+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v zip >/dev/null 2>&1 || missing+=(zip)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
# chromium is installed where we can (CI runs as root); elsewhere the browser test skips and says why.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        missing+=(chromium)
    else
        echo "ensure-deps: note: chromium is not installed; BrowserTests will skip (sudo apt-get install -y chromium)." >&2
    fi
fi

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

if ! command -v swift >/dev/null 2>&1; then
    echo "ensure-deps: no Swift toolchain on PATH; install Swift 6 from swift.org and retry." >&2
    exit 1
fi
