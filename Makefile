PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
# Local development runs with DEBUG on unless the environment says otherwise.
DEBUG ?= 1
PORT ?= 8000

.PHONY: install run superuser test lint bench fuzz clients

# Development installs production's requirements plus the test, lint, fuzz and bench tools.
$(STAMP): requirements.txt requirements-dev.txt
	@echo "Installing the pinned requirements into $(VENV) (the first time takes about a minute)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## install: create .venv and install the pinned development requirements (again only when
## requirements.txt or requirements-dev.txt change)
install: $(STAMP)

## run: migrate the SQLite database, serve on http://127.0.0.1:$(PORT)/ (make run PORT=8001),
## with the task worker beside it (async generations, scheduled posts); Ctrl-C stops both
run: install
	DEBUG=$(DEBUG) $(BIN)/python manage.py migrate --noinput
	@echo "Starting the task worker (manage.py db_worker) beside the development server."
	@# The worker is stopped with the server: a background job of a script ignores Ctrl-C, so
	@# the trap forwards it.
	DEBUG=$(DEBUG) $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' INT TERM EXIT; \
	DEBUG=$(DEBUG) $(BIN)/python manage.py runserver $(PORT)

## superuser: create an admin account for http://127.0.0.1:$(PORT)/admin/ (asks for email and password)
superuser: install
	DEBUG=$(DEBUG) $(BIN)/python manage.py migrate --noinput
	DEBUG=$(DEBUG) $(BIN)/python manage.py createsuperuser

## test: the whole suite (set DATABASE_URL=postgres://... to run it on PostgreSQL)
test: install
	$(BIN)/python -m pytest

## lint: ruff, as CI runs it
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## bench: every benchmark in bench/, one combined table (about 7 minutes; figures, not assertions)
bench: install
	$(BIN)/python bench/run_all.py

## fuzz: schemathesis against a live gunicorn, as a user and as staff, as CI runs it
fuzz: install
	$(BIN)/python .ci/fuzz_api.py --max-examples 20

## clients: the TypeScript client (generated from the live schema, tsc --strict, the React flows)
## and headless Chromium (admin, another origin, Swagger UI) against a live gunicorn (~1 minute;
## needs Node.js 20+, npm and /usr/bin/chromium or CHROMIUM=/path/to/chromium)
clients: install
	$(BIN)/python clients/run.py
