#!/bin/sh
# Install the Debian packages elementsd needs to build, run and test, when missing.
# As root this runs apt-get; otherwise it prints the command to run.
set -eu
PKGS="build-essential cmake pkg-config libmicrohttpd-dev libcurl4-openssl-dev
libjansson-dev libsqlite3-dev libsodium-dev python3 curl"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
else
    echo "deps: missing packages; run as root:"
    echo "  apt-get install -y$missing"
    exit 1
fi
