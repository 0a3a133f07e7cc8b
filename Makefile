# Two commands matter: `make run` and `make test`. Both work on a fresh machine with Python 3.11+.
# `make run` serves the site and runs the task worker (manage.py db_worker) beside it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_WORKERS ?= auto
STAMP := $(VENV)/.installed

.PHONY: run test install messages makemessages lint layers typecheck format check-deploy lock clean bench fuzz cluster cluster-down cluster-test backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the lock file changes.
$(STAMP): requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@

install: $(STAMP)

# Compiled catalogues are build output (not committed). Babel compiles them without GNU gettext.
messages: $(STAMP)
	$(BIN)/pybabel -q compile --directory locale --domain django

# Regenerate the .po catalogues from the sources (needs GNU gettext's xgettext).
makemessages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale ko --locale ja --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'

run: messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py create_demo_accounts
	@echo "Serving on http://127.0.0.1:$(PORT)/ with the task worker beside it  (Ctrl-C stops both)"
	@$(BIN)/python manage.py db_worker --interval 1 --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Property-based fuzzing of the API (schemathesis) against a live local server; fails on any 5xx.
# FUZZ_MAX_EXAMPLES (per operation) and FUZZ_MAX_SECONDS bound it (defaults: 40, 90 s).
fuzz: messages
	bash scripts/fuzz-api.sh

# Two app servers (gunicorn) behind HAProxy with TLS, sharing PostgreSQL and Redis, in the production
# profile (cluster/cluster.py; installs haproxy and redis-server with apt-get if missing). Needs
# PostgreSQL running; CLUSTER_DATABASE_URL names the throw-away database (dropped and re-created).
cluster: messages
	$(BIN)/python cluster/cluster.py up

cluster-down:
	$(BIN)/python cluster/cluster.py down

# Start the cluster, drive it through the balancer (cluster/test_cluster.py: logins, sessions and
# throttles across both servers, one server killed mid-load), stop it. Figures: var/cluster/figures.json.
cluster-test: messages
	@$(BIN)/python cluster/cluster.py up && { timeout 240 $(BIN)/pytest cluster $(PYTEST_ARGS); status=$$?; }; \
	  $(BIN)/python cluster/cluster.py down; exit $${status:-1}

# Backups of the PostgreSQL database in DATABASE_URL (pg_dump custom format, var/backups/), and
# restoring one: `make restore BACKUP=var/backups/x.dump [RESTORE_DATABASE_URL=...] [RESTORE_CLEAN=1]`.
backup:
	@bash scripts/backup.sh

restore:
	@bash scripts/restore.sh "$(BACKUP)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The floors of the house: import-linter's layer contract ([tool.importlinter] in pyproject.toml).
layers: $(STAMP)
	$(BIN)/lint-imports

# Types: mypy with django-stubs and djangorestframework-stubs ([tool.mypy] in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions from pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements/dev.txt

clean:
	rm -rf $(VENV) var locale/*/LC_MESSAGES/*.mo

# The benchmark (bench/runner.py writes bench/RESULTS.md): every key route under load with wrk
# against gunicorn (2 sync workers) on PostgreSQL, next to a bare-Django ceiling. It starts no
# database: PostgreSQL must already run; the database (default `bench`) is created, migrated and
# filled if needed. The cache is Redis, as in production (BENCH_REDIS_URL, default REDIS_URL or
# redis://127.0.0.1:6379/0): used if it answers, else a redis-server is started for the run when the
# address is local, else the run stops with a message. `make bench SCALE=0.1` for a quick run. By default it waits (up to 5 minutes)
# for other work on the machine to stop, and profiles the pages that miss a target.
SCALE ?= 1
BENCH_DURATION ?= 10
BENCH_ARGS ?= --wait-quiet 300 --profile
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/bench)
BENCH_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)

bench: messages
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing wrk (apt-get)"; \
	    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; \
	  else \
	    echo "make bench needs wrk: install it (Debian/Ubuntu: sudo apt-get install wrk)" >&2; exit 1; \
	  fi; }
	@$(BIN)/python -c "import pyinstrument" 2>/dev/null || $(BIN)/python -m pip install --quiet "pyinstrument>=5,<6"
	DJANGO_ENV=bench DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) DJANGO_VAR_DIR=$(CURDIR)/var/bench \
	  $(BIN)/python manage.py bench_run --scale $(SCALE) --duration $(BENCH_DURATION) $(BENCH_ARGS)
