# The front door. `make test` is exactly what CI runs (.ci/run).
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup test lint demo eval bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

lint: setup
	$(BIN)/ruff check eventlens tests

test: setup lint
	$(BIN)/pytest -q -p no:cacheprovider

demo: setup
	$(BIN)/eventlens run tests/data/articles --db eventlens.duckdb --export events.jsonl

bench: setup
	$(BIN)/pip install -q -e ".[test,bench]"
	$(BIN)/python bench/run.py

eval: setup
	$(BIN)/eventlens eval all --gold ../shared/gold

clean:
	rm -rf $(VENV) eventlens.duckdb events.jsonl .pytest_cache
