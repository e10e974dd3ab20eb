# cdp-worker: Kafka → Sitecore CDP order worker.  `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv and install the worker with its dev tools

system-deps: ## Install the Debian packages some tests use (prometheus/promtool, chromium); needs root
	bash .ci/system-deps

demo: $(STAMP) ## Run the demo: embedded broker + CDP sandbox + worker + sample traffic
	$(BIN)/cdp-worker demo $(DEMO_ARGS)

test: $(STAMP) ## Run the unit and integration tests (starts its own broker and sandbox)
	$(BIN)/pytest -q --durations=15 $(PYTEST_ARGS)

unit: $(STAMP) ## Run the unit tests only
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, ruff format --check and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint test ## Lint, type-check and test

fmt: $(STAMP) ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## Benchmarks: print throughput, latency and resource figures
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info

.PHONY: help venv system-deps demo test unit lint check fmt bench clean

# Targets owned by other parts of the product (image, chart, sandbox load test...) live in mk/*.mk.
-include mk/*.mk
