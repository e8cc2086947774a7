#!/bin/sh
# Install what elementsd needs to build, run and test, when missing:
# Debian packages (as root via apt-get; otherwise print the command), then
# the browser tests' npm packages (scripts/browser-deps.sh).
#   build:  compiler, cmake, libmicrohttpd, libcurl, jansson, SQLite, libsodium, libpq,
#           Duktape's source (duktape-dev: built with its timeout hook, cmake/Duktape.cmake)
#   console: the API docs renderer (npm, console/renderer)
#   test:   python3, PostgreSQL server (throw-away clusters), clang + libFuzzer
#           runtime (fuzzing), chromium + node/npm (console end-to-end tests),
#           tests/contract's npm packages (hubspot-sim's contract test)
set -eu
cd "$(dirname "$0")/.."
PKGS="build-essential cmake pkg-config libmicrohttpd-dev libcurl4-openssl-dev
libjansson-dev libsqlite3-dev libsodium-dev libpq-dev duktape-dev python3 curl
postgresql clang clang-format libclang-rt-14-dev chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
            { apt-get update >/dev/null &&
              apt-get install -y --no-install-recommends $missing >/dev/null; }
    else
        echo "deps: missing packages; run as root:"
        echo "  apt-get install -y$missing"
        exit 1
    fi
fi
if [ -x scripts/browser-deps.sh ] && [ -f tests/browser/package.json ]; then
    scripts/browser-deps.sh
fi
# hubspot-sim's contract test (tests/contract, CTest sim.contract): HubSpot's
# SDK, whose models are the contract (exact version in its package-lock.json);
# again when the lock changed since the last install.
if [ -f tests/contract/package.json ] &&
    { [ ! -f tests/contract/node_modules/@hubspot/api-client/package.json ] ||
      [ tests/contract/package-lock.json -nt tests/contract/node_modules/.package-lock.json ]; }; then
    echo "deps: npm ci in tests/contract"
    (cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)
fi
# The console's API docs renderer (swagger-ui-dist, exact version in
# console/renderer/package-lock.json), embedded into the binary at build
# time; without it the build still works and the API docs page says so.
if [ -f console/renderer/package.json ] &&
    { [ ! -f console/renderer/node_modules/swagger-ui-dist/swagger-ui-bundle.js ] ||
      [ ! -f console/renderer/node_modules/uplot/dist/uPlot.iife.min.js ]; }; then
    echo "deps: npm ci in console/renderer"
    (cd console/renderer && npm ci --no-audit --no-fund --loglevel=error)
fi
