# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck install clean bench samples

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fakturarobot demo

lint: $(STAMP)
	$(BIN)/ruff check robot classifiers connectors tests bench
	$(BIN)/ruff format --check robot classifiers connectors tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

samples: $(STAMP)
	$(BIN)/fakturarobot make-samples samples

bench: $(STAMP)
	$(BIN)/python -m bench.classify_bench

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
