# The two commands of README.md: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export SAFERLEEDS_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo test bench lint format install clean-demo

# Reinstall only when the dependencies change, so a second `make demo` is quick.
$(VENV)/.installed: pyproject.toml scripts/bootstrap.sh
	scripts/bootstrap.sh "$(PYTHON)" "$(VENV)"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/saferleeds demo load
	$(BIN)/saferleeds serve --port $(PORT)

test: $(VENV)/.installed
	VENV=$(VENV) scripts/test.sh

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean-demo:
	rm -rf "$(SAFERLEEDS_DATA_DIR)"
