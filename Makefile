# Two commands do everything on a fresh machine:
#   make serve   install, build build/hyoka.db from raw/*.pdf, serve it with Datasette
#   make test    install (system packages too), lint, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

SHARED := ../shared

.PHONY: serve build test check lint bench system-deps shared-check

# editable_mode=compat: the checkout goes on sys.path by a plain .pth line; setuptools' default
# import hook slows every Python start in the venv (measured: 8 ms, a thirtieth of `hyoka extract`)
EDITABLE := --config-settings editable_mode=compat

$(BIN)/hyoka: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(EDITABLE) -e '.[test]'
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

# The real-PDF corpus and the gold records live in ../shared, outside the clone. Without them
# the tests that need them skip; say so before and after the run, where nobody can miss it.
# Under CI=true they fail instead (tests/conftest.py), and so does this check.
# Every ../shared path a test reads, listed in tests/shared_needs.txt: one missing is named.
SHARED_NEEDS := $(shell grep -v '^\#' tests/shared_needs.txt)
shared-check:
	@missing=""; for p in $(SHARED_NEEDS); do [ -e "$(SHARED)/$$p" ] || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "################################################################################"; \
	  echo "## WARNING: $(SHARED) lacks:$$missing"; \
	  echo "## the real-corpus and gold tests that read them are SKIPPED, so this run does"; \
	  echo "## not test real PDFs."; \
	  echo "################################################################################"; \
	  case "$$CI" in true|True|TRUE|1|yes) echo "CI=$$CI: $(SHARED) is required"; exit 1;; esac; \
	fi

test: system-deps lint
	@$(MAKE) --no-print-directory shared-check
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory shared-check

# A fast subset while working (about a minute): lint, the architecture rules, the text rules,
# the hostile-input guards that need no long PDF, and the gold comparisons. `make test` is the gate.
check: lint
	$(BIN)/python -m pytest -q tests/test_architecture.py tests/test_normalise.py tests/test_settings.py \
	  tests/test_docs.py tests/test_hostile_site.py tests/test_extract_gold.py tests/test_form_golds.py \
	  tests/test_layout_box_remarks.py tests/test_rating_scales.py

bench: $(BIN)/hyoka
	$(BIN)/pip install -q $(EDITABLE) -e '.[test,bench]'
	$(BIN)/python benchmarks/run.py
