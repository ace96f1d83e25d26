# Everyday commands. `make run` brings the whole product up; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench bench-quick migrations clean

$(STAMP): requirements/base.txt requirements/dev.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations: $(STAMP)
	$(PY) scripts/test_env.py $(PY) manage.py makemigrations --check --dry-run

test: lint migrations
	$(PY) scripts/test_env.py $(VENV)/bin/pytest -q

bench: $(STAMP)
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

bench-quick: $(STAMP)
	@for script in bench/[!_]*.py; do echo "== $$script --quick"; $(PY) $$script --quick || exit 1; done

clean:
	rm -rf $(VENV) .data staticfiles bench/results
