#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback, then stop and remove it.
# The command sees ROOMBOOK_TEST_DATABASE_URL. PostgreSQL comes from Debian's packages and is
# installed with apt-get when missing (we are root on the project's machines).
set -euo pipefail

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bindir=$(pg_bindir)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "with-postgres: PostgreSQL is not installed and we are not root to install it" >&2
        exit 1
    fi
    echo "with-postgres: installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql postgresql-contrib >/dev/null
    bindir=$(pg_bindir)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "with-postgres: no initdb found after installing postgresql" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

datadir=$(mktemp -d /tmp/roombook-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres: "$datadir"
port=$(( 20000 + RANDOM % 20000 ))
owner=$( [ "$(id -u)" -eq 0 ] && echo postgres || id -un )

cleanup() {
    as_owner "$bindir/pg_ctl" -D "$datadir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$datadir"
}
trap cleanup EXIT

as_owner "$bindir/initdb" -D "$datadir/data" -A trust -U "$owner" -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off -c max_connections=120" start >/dev/null
as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$owner" roombook_test

export ROOMBOOK_TEST_DATABASE_URL="postgresql+psycopg://$owner@127.0.0.1:$port/roombook_test"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
