# Two commands: `make up` runs Stockade, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The compiled build (docs/performance.md): a second environment with the request path
# compiled by mypyc, installed from the sources as a release would be.
COMPILED := .venv-compiled
COMPILED_STAMP := $(COMPILED)/.installed
SOURCES := $(shell find src -name '*.py' -o -name '*.html' -o -name '*.txt' -o -name '*.json')

.PHONY: up test lint typecheck pytest test-compiled compiled bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/stockade up --demo

test: lint typecheck pytest test-compiled

lint: $(STAMP)
	$(BIN)/ruff check src tests bench setup.py
	$(BIN)/ruff format --check src tests bench setup.py

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

$(COMPILED)/bin/python:
	$(PYTHON) -m venv $(COMPILED)
	$(COMPILED)/bin/pip install --quiet --upgrade pip setuptools wheel mypy

# Dependencies first: mypyc reads their types while it compiles.
# build/lib is emptied first: setuptools copies sources there and never removes one that
# src no longer has (a renamed migration would be installed twice). mypyc's own cache,
# elsewhere in build/, is kept.
$(COMPILED_STAMP): pyproject.toml setup.py $(SOURCES) | $(COMPILED)/bin/python
	rm -rf build/lib build/lib.*
	$(COMPILED)/bin/pip install --quiet '.[test]'
	STOCKADE_COMPILE=1 $(COMPILED)/bin/pip install --quiet --no-build-isolation --no-deps \
		--force-reinstall .
	touch $(COMPILED_STAMP)

compiled: $(COMPILED_STAMP)

# The request path's tests again, on the compiled build.
test-compiled: $(COMPILED_STAMP)
	STOCKADE_EXPECT_COMPILED=1 $(COMPILED)/bin/pytest -q -p no:cacheprovider \
		tests/edge tests/rules tests/test_block_e2e.py

bench: $(COMPILED_STAMP)
	$(COMPILED)/bin/python bench/edge_vs_nginx.py

clean:
	rm -rf $(VENV) $(COMPILED) build .mypy_cache .pytest_cache .ruff_cache
