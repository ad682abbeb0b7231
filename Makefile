# Sitoo retail warehouse — every target creates the virtualenv on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help  ## List the targets
help:
	@grep -E '^\.PHONY: [a-z-]+ +## ' $(MAKEFILE_LIST) | awk -F'.PHONY: |  ## ' '{printf "  make %-10s %s\n", $$2, $$3}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.PHONY: install  ## Create .venv and install the project with its dev tools
install: $(STAMP)

.PHONY: demo  ## Run the product end to end on the simulator (Ctrl-C stops)
demo: $(STAMP)
	$(BIN)/sitoo-wh demo

.PHONY: test  ## Run every test: unit, integration, slow and browser
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: test-unit  ## Only the fast offline unit tests
test-unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

.PHONY: lint  ## ruff (lint + format check), mypy --strict and SQLFluff on the dbt project
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests dbt_project/macros

.PHONY: format  ## Apply ruff's fixes and formatting
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: bench  ## Benchmarks: print ratios measured side by side in one run
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks

.PHONY: simulator  ## Serve the Sitoo API simulator on 127.0.0.1:8765
simulator: $(STAMP)
	$(BIN)/sitoo-wh simulator serve

.PHONY: clean  ## Remove caches and build output (keeps .venv and data/)
clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache build *.egg-info
