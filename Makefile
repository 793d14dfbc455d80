# Two commands do all the set-up on a fresh machine (Python >= 3.11 and make):
#   make demo   - venv, install, build the default data set if missing, run the main job
#   make test   - venv, install .[dev], run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= data/bars
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache
export MPLBACKEND ?= Agg

.PHONY: demo test bench bench-vbt data models clean-data clean-cache help

help:
	@echo "make demo | make test | make bench | make data"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

data: $(VENV)/.installed
	@test -f $(STORE)/_SUCCESS || $(BIN)/nexus --store $(STORE) data synth

MODELS ?= data/models

models: data
	@test -f $(MODELS)/manifest.json || $(BIN)/nexus --store $(STORE) train --out $(MODELS)

demo: models
	$(BIN)/nexus --store $(STORE) data info
	$(BIN)/nexus --store $(STORE) backtest --config backtest.toml --models $(MODELS) --out reports

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-dev data
	$(BIN)/python scripts/bench.py

clean-cache:  # numba does not recompile a cached kernel when only a kernel it calls (in another file) changed
	rm -rf $(NUMBA_CACHE_DIR)

clean-data:
	rm -rf $(STORE)

# vectorbt lives in its own venv so the side-by-side benchmarks never change the main one
bench-vbt: $(VENV)/.installed-dev data
	test -x .venv-bench/bin/python || ($(PYTHON) -m venv .venv-bench && .venv-bench/bin/pip install --quiet -e ".[bench]")
	.venv-bench/bin/python scripts/bench.py portfolio book sweep
