#!/bin/sh
# SPDX-License-Identifier: MIT
# A throw-away PostgreSQL cluster for tests, independent of the system one.
#
#   scripts/pg-cluster.sh start DIR   initdb + pg_ctl start in DIR on a free
#                                     127.0.0.1 port; prints the URL and
#                                     writes it to DIR/url
#   scripts/pg-cluster.sh stop DIR    stops the cluster and removes DIR
#
# Trust authentication, TCP on 127.0.0.1 only, no Unix socket, fsync off:
# for local test use only. Run as root, the server runs as the `postgres`
# system user (created by Debian's postgresql package) through runuser;
# otherwise as the current user. Needs initdb and pg_ctl, found in
# /usr/lib/postgresql/*/bin (the newest), then in PATH.
set -eu

die() { echo "pg-cluster: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

bindir() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
    p=$(command -v initdb 2>/dev/null) && { dirname "$p"; return; }
    die "initdb not found: install the postgresql package"
}

# as_pg CMD...: run as the server's user
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The data directory: DIR/data, or (as root, when the postgres user cannot
# reach DIR, e.g. under /root) a directory under /tmp recorded in DIR/datadir.
datadir_of() {
    if [ -f "$1/datadir" ]; then cat "$1/datadir"; else echo "$1/data"; fi
}

# Only ever delete a directory this script made (it holds the marker) or an
# empty one: DIR comes from the command line.
check_ours() {
    [ -d "$dir" ] || return 0
    [ -f "$dir/.pg-cluster" ] || [ -z "$(ls -A "$dir")" ] ||
        die "$dir is not a directory made by pg-cluster.sh: not touching it"
}

stop() {
    [ -e "$dir" ] || return 0
    check_ours
    d=$(datadir_of "$dir")
    if [ -f "$d/postmaster.pid" ]; then
        as_pg "$(bindir)/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$d" in "$dir"/*) ;; *) rm -rf "$d" ;; esac
    rm -rf "$dir"
}

start() {
    bin=$(bindir)
    stop                           # leftovers of an interrupted run
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    : >"$dir/.pg-cluster"
    data="$dir/data"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "no postgres user: install the postgresql package"
        chmod 755 "$dir"
        if ! as_pg test -x "$dir"; then
            data=$(mktemp -d /tmp/ed-pg.XXXXXX)
            echo "$data" >"$dir/datadir"
        fi
        mkdir -p "$data"
        chown postgres "$data"
        chmod 700 "$data"
        as_pg test -w "$data" ||
            die "the postgres user cannot write $data (a parent directory is closed to it)"
    fi
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C \
        --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # Throw-away settings: speed over durability, room for parallel tests.
    cat >>"$data/postgresql.conf" <<'EOF'
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
    tries=0
    while :; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "-p $port" start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        # the port may have been taken in the meantime: try another
        [ $tries -lt 5 ] || { tail -20 "$data/server.log" >&2 || true; die "pg_ctl start failed"; }
    done
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url"
    echo "$url"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
