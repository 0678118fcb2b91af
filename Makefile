PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
# Local development runs with DEBUG on unless the environment says otherwise.
DEBUG ?= 1
PORT ?= 8000

.PHONY: install run test lint bench

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## install: create .venv and install the pinned requirements (again only when they change)
install: $(STAMP)

## run: migrate the SQLite database and serve on http://127.0.0.1:$(PORT)/
run: install
	DEBUG=$(DEBUG) $(BIN)/python manage.py migrate --noinput
	DEBUG=$(DEBUG) $(BIN)/python manage.py runserver $(PORT)

## test: the whole suite (set DATABASE_URL=postgres://... to run it on PostgreSQL)
test: install
	$(BIN)/python -m pytest

## lint: ruff, as CI runs it
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
