# Two commands matter: `make run` and `make test`. Both work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_WORKERS ?= auto
STAMP := $(VENV)/.installed

.PHONY: run test install messages makemessages lint format check-deploy lock clean

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
	$(BIN)/python manage.py makemessages --locale ko --locale ja --no-obsolete --ignore '.venv/*' --ignore 'var/*'

run: messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py create_demo_accounts
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions from pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements/dev.txt

clean:
	rm -rf $(VENV) var locale/*/LC_MESSAGES/*.mo
