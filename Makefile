# Two commands do everything on a fresh machine:
#   make serve   install, build build/hyoka.db from raw/*.pdf, serve it with Datasette
#   make test    install (system packages too), lint, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve build test lint bench system-deps

$(BIN)/hyoka: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

build: $(BIN)/hyoka
	$(BIN)/hyoka build

serve: build
	$(BIN)/hyoka serve

system-deps:
	bash scripts/system-deps.sh

lint: $(BIN)/hyoka
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: system-deps lint
	$(BIN)/python -m pytest

bench: $(BIN)/hyoka
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py
