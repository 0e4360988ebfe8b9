# Two commands for a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
APP := $(BIN)/flask --app survey_app
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-postgres lint translations bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Serve the app on http://127.0.0.1:5000 with SQLite under instance/.
run: install
	$(APP) db upgrade
	$(APP) seed
	$(APP) run --host 127.0.0.1 --port 5000

## Lint and run every test on SQLite.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

## The same suite on PostgreSQL (each run makes and drops a database of its own).
test-postgres: install
	SURVEY_TEST_DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Re-extract the messages and compile the catalogues (after changing any text).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations
	$(BIN)/pybabel compile -d survey_app/translations

bench: install
	$(BIN)/python bench/eval_tagger.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/export.py
