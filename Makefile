PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench clean

$(BIN)/tallyroom: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/tallyroom

install: $(BIN)/tallyroom

demo: install
	$(BIN)/tallyroom demo

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_replay.py
	$(BIN)/python benchmarks/bench_copy.py

clean:
	rm -rf $(VENV) tallyroom.db .pytest_cache .mypy_cache .ruff_cache
