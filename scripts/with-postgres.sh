#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a fresh PostgreSQL server under /tmp, stopped on exit.
# Needs Debian's postgresql package; run as root (the server runs as the postgres user) or as a
# user who may run initdb.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# A free port unless one is given, so two runs (or a local server on 5432) never collide.
PGPORT=${PGPORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
PGDATA=$(mktemp -d -t careguard-pg.XXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
as_pg "$PGBIN/initdb -D $PGDATA/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$PGBIN/pg_ctl -D $PGDATA/data -l $PGDATA/server.log -o '-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null
trap 'as_pg "$PGBIN/pg_ctl -D $PGDATA/data -m fast -w stop" >/dev/null; rm -rf "$PGDATA"' EXIT
"$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" -c "CREATE DATABASE app OWNER app"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
DATABASE_URL="postgresql://app:app@127.0.0.1:$PGPORT/app" "$@"
