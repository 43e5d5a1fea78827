#!/usr/bin/env bash
# `make bench`: time what people wait for, on the database DATABASE_URL names. Loads the national
# dataset first if that database holds no institution (minutes; kept for the next run).
# BENCH_INSTITUTIONS / BENCH_YEARS / BENCH_SEED size it; arguments go to tests/perf/bench.py (or BENCH_TOOL).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py load_regions
loaded=$($PY manage.py shell -v0 -c 'from institutions.models import Institution; print(Institution.objects.exists())')
if [ "$loaded" = "False" ]; then
  $PY manage.py generate_scale --institutions "${BENCH_INSTITUTIONS:-40000}" --years "${BENCH_YEARS:-3}" \
    --seed "${BENCH_SEED:-1}"
fi
exec $PY "${BENCH_TOOL:-tests/perf/bench.py}" "$@"  # make sweep: tests/perf/sweep.py
