# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test install lint unit integration e2e bench demo-national clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-stamp

install: $(VENV)/.run-stamp

## make run: install, migrate var/app.db, load the demo the first time, print logins, serve on :8000
run: $(VENV)/.run-stamp
	$(BIN)/sanece-admin db upgrade
	$(BIN)/sanece-admin demo load --if-empty
	$(BIN)/sanece-admin demo users
	$(BIN)/sanece-admin serve

chromium:
	@test -x /usr/bin/chromium || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

## make test: install with test extras, Chromium if missing, import contracts, every test
## (on two processes, a test file per process at a time: pytest-xdist)
test: $(VENV)/.test-stamp chromium
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(VENV)/.test-stamp
	$(BIN)/lint-imports

unit: $(VENV)/.test-stamp
	$(BIN)/pytest tests/unit

integration: $(VENV)/.test-stamp
	$(BIN)/pytest tests/integration

e2e: $(VENV)/.test-stamp chromium
	$(BIN)/pytest tests/e2e

## make bench: the figures in bench/ (not part of the test run)
$(VENV)/.bench-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@ $(VENV)/.test-stamp $(VENV)/.run-stamp

bench: $(VENV)/.bench-stamp
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
