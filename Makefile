# Two commands for a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
APP := $(BIN)/flask --app survey_app
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 5000
SLUG := 2020-11-10-social-protection
# Tests run in two processes (pytest-xdist; each has its own SQLite files and PostgreSQL
# database). TEST_WORKERS=0 runs them in this process, which a debugger needs.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS)

.PHONY: install run test test-fast test-postgres lint translations bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip shows what it collects and installs: the first install takes a few minutes.
$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	@echo "Installing the app and its tools into $(VENV) (a few minutes the first time)"
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

define NEXT_STEPS

The attendees' agenda: http://127.0.0.1:$(PORT)/e/$(SLUG)/
To see the console with answers in it, in another terminal:
  $(APP) organisers create you@example.org --admin
  $(APP) demo-data $(SLUG) --responses 300
  $(APP) pipeline run
then sign in at http://127.0.0.1:$(PORT)/admin/login (Ctrl-C stops the server).

endef
export NEXT_STEPS

## Serve the app on http://127.0.0.1:$(PORT) (PORT=5001 for another) with SQLite under instance/.
run: install
	$(APP) db upgrade
	$(APP) seed
	@echo "$$NEXT_STEPS"
	$(APP) run --host 127.0.0.1 --port $(PORT)

## Lint and run every test on SQLite.
test: install lint
	$(PYTEST)

## Every test but the slow ones (killed processes, servers, browsers, LibreOffice): under two minutes.
test-fast: install
	$(PYTEST) -m "not slow"

## The same suite on PostgreSQL (each test process makes and drops a database of its own).
test-postgres: install
	SURVEY_TEST_DATABASE_URL=$(POSTGRES_URL) $(PYTEST)

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
