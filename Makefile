# CryptoDesk: `make run` starts it, `make test` checks it, `make bench` measures it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: help setup run test lint typecheck pytest bench clean

help:
	@echo "make run    - set up and start CryptoDesk on http://127.0.0.1:8500"
	@echo "make test   - set up and run lint, mypy (strict) and the whole test suite"
	@echo "make bench  - run the benchmarks (not part of make test)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced

run: setup
	$(UV) run --frozen cryptodesk serve

lint: setup
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

typecheck: setup
	$(UV) run --frozen mypy

pytest: setup
	$(UV) run --frozen pytest

test: lint typecheck pytest

bench: setup
	$(UV) run --frozen python -m bench

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
