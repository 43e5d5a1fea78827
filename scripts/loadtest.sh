#!/usr/bin/env bash
# Bounded load test of the insurer claims API under gunicorn with several workers, production
# settings, on a throw-away PostgreSQL (SQLite takes one writer at a time across processes, so
# several workers writing claims would measure its file lock, not the product).
#
#   scripts/loadtest.sh [tests/perf/loadtest.py options, e.g. --claims 1000 --threads 8]
#   env: LOAD_CLAIMS (reported claims prepared, default 2000), LOAD_HOMES (policies, default 50),
#        WORKERS (gunicorn workers, default 4), LOADTEST_JSON (results file to keep)
#
# Steps: migrate, load regions, prepare the data (tests/perf/loadprep.py: switch this step to
# `manage.py generate_scale` once it exists), create the insurer user and its API key,
# collectstatic, start gunicorn on 127.0.0.1, run the load client with the system python3 (it
# needs only the standard library: nothing is installed in the venv under test), check for lost
# updates in the database, and fail on any 5xx or traceback in gunicorn's log.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SELF")/.."
if [ -z "${LOADTEST_IN_PG:-}" ]; then
    LOADTEST_IN_PG=1 exec scripts/with-postgres.sh "$SELF" "$@"
fi
case "${DATABASE_URL:-}" in
    postgres*) ;;
    *) echo "loadtest: needs PostgreSQL (SQLite serialises writers across processes)" >&2; exit 2 ;;
esac

PY=.venv/bin/python
WORK=$(mktemp -d -t careguard-load.XXXX)
GUNICORN_PID=""
status=1
finish() {
    if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
    if [ "$status" = 0 ]; then rm -rf "$WORK"; else echo "loadtest: kept $WORK (gunicorn.log, key, results)" >&2; fi
}
trap finish EXIT

# Production mode as deployed behind a TLS proxy: the client sends X-Forwarded-Proto: https and
# Django trusts it, so HTTPS redirects, secure cookies and HSTS all stay on over loopback http.
export CAREGUARD_ENV=production
DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_PROXY_SSL_HEADER=1
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media"
# The per-user throttle (1,200/min) is counted per worker process with the default local-memory
# cache; one insurer key driven flat out would hit it, and this measures the server, not it.
export API_RATE_USER="${API_RATE_USER:-1000000/min}"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"

echo "== database: $DATABASE_URL"
$PY manage.py migrate --noinput -v0
$PY manage.py load_regions >/dev/null
$PY -m tests.perf.loadprep --claims "${LOAD_CLAIMS:-2000}" --homes "${LOAD_HOMES:-50}" --insurer-code load-ins
$PY manage.py add_user load-insurer --role insurer --insurer load-ins \
    --password "$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >/dev/null
$PY manage.py issue_api_key load-insurer --days 1 --name loadtest >"$WORK/key" 2>/dev/null
$PY manage.py collectstatic --noinput -v0

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn config.wsgi -w "${WORKERS:-4}" -b "127.0.0.1:$PORT" --timeout 60 \
    --error-logfile "$WORK/gunicorn.log" --capture-output &
GUNICORN_PID=$!
python3 - "$PORT" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 30
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("gunicorn did not start within 30 s")
        time.sleep(0.2)
EOF
echo "== gunicorn ${WORKERS:-4} workers on 127.0.0.1:$PORT (CAREGUARD_ENV=production), client: $(python3 --version)"

client_status=0
python3 tests/perf/loadtest.py --base-url "http://127.0.0.1:$PORT" --key-file "$WORK/key" \
    --json "${LOADTEST_JSON:-$WORK/load.json}" --check-python "$PY" "$@" || client_status=$?

if grep -q -E "Traceback|\[CRITICAL\]|WORKER TIMEOUT" "$WORK/gunicorn.log"; then
    echo "== gunicorn log has errors:" >&2
    grep -n -B2 -A30 -E "Traceback|\[CRITICAL\]|WORKER TIMEOUT" "$WORK/gunicorn.log" | head -120 >&2
    client_status=1
fi
status=$client_status
exit "$status"
