# Two commands a newcomer needs: `make demo` and `make test`.
# Both build .venv from scratch when it is missing or pyproject changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench samples clean

$(STAMP): pyproject.toml plugins/walkrun-markdown/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' -e plugins/walkrun-markdown
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/walkrun --home $(CURDIR)/demo-home demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests plugins bench
	$(BIN)/ruff format --check src tests plugins bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-home .pytest_cache .mypy_cache .ruff_cache
