#!/usr/bin/env bash
# Install what the browser tests (tests/browser, CTest label "browser") need,
# when it is missing: Debian's chromium (driven through playwright-core, no
# browser download), node + npm, and tests/browser/node_modules (npm ci from
# the committed package-lock.json). Idempotent; apt needs root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}

missing=()
[ -x "$CHROMIUM_BIN" ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-deps: missing ${missing[*]}; as root run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "browser-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "browser-deps: node $node_major is too old (playwright-core needs >= 20)" >&2
  exit 1
fi

cd "$ROOT/tests/browser"
# again when the lock file changed since the last install (a new package)
if [ ! -f node_modules/playwright-core/package.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "browser-deps: npm ci in tests/browser"
  # playwright-core downloads no browser by itself; say so anyway
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
