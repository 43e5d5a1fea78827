# The few commands a newcomer needs. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000

.PHONY: run test test-postgres bench bench-postgres sweep loadtest install install-dev system-packages migrate demo check-migrations clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_regions

demo: migrate
	$(PY) manage.py seed_demo

## Install, migrate, load regions and demo data, print the demo accounts, serve on 127.0.0.1:8000.
run: demo
	$(PY) manage.py runserver $(HOST)

## The whole suite (browser tests included) on the database DATABASE_URL names (SQLite by default).
test: install-dev system-packages
	$(PY) -m pytest $(PYTEST_ARGS)

## The whole suite against a throw-away PostgreSQL server under /tmp.
test-postgres: install-dev system-packages
	scripts/with-postgres.sh $(MAKE) test

## Benchmarks against the national dataset (docs/performance.md). The SQLite dataset is generated into
## BENCH_DB on first use (minutes) and kept; the PostgreSQL one lives in a throw-away server.
BENCH_DB ?= sqlite:///$(CURDIR)/scale.sqlite3
bench: install-dev
	DATABASE_URL=$(BENCH_DB) scripts/bench.sh $(BENCH_ARGS)

bench-postgres: install-dev system-packages
	scripts/with-postgres.sh scripts/bench.sh $(BENCH_ARGS)

## Every list page and API list as each kind of user, on the same dataset (tests/perf/sweep.py).
sweep: install-dev
	DATABASE_URL=$(BENCH_DB) BENCH_TOOL=tests/perf/sweep.py scripts/bench.sh $(SWEEP_ARGS)

## Bounded load test of the insurer API: gunicorn (4 workers, production settings) on a throw-away PostgreSQL.
loadtest: install-dev system-packages
	scripts/loadtest.sh $(LOADTEST_ARGS)

system-packages:
	@scripts/ensure-system-packages.sh

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
