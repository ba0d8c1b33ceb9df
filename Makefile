# CryptoDesk: `make run` starts it, `make test` checks it, `make bench` measures it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

NPM ?= npm
WEB_INDEX := src/cryptodesk/web/index.html
NODE_STAMP := frontend/node_modules/.package-lock.json
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json frontend/package.json frontend/eslint.config.js -type f 2>/dev/null)

.PHONY: help setup run test lint typecheck pytest bench clean web frontend-check

help:
	@echo "make run    - set up and start CryptoDesk on http://127.0.0.1:8500"
	@echo "make test   - set up and run lint, mypy (strict), the frontend checks and all tests"
	@echo "make bench  - run the benchmarks (not part of make test)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced

# The web app: npm ci when node_modules is missing or package-lock.json changed (npm ci writes
# the stamp), vite build when a source is newer than the built index.html.
$(NODE_STAMP): frontend/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node 20+ with npm is needed to build the web app"; exit 1; }
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_INDEX): $(NODE_STAMP) $(FRONTEND_SRC)
	cd frontend && $(NPM) run build

web: $(WEB_INDEX)

run: setup web
	$(UV) run --frozen cryptodesk serve

lint: setup
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen lint-imports --no-cache

typecheck: setup
	$(UV) run --frozen mypy

pytest: setup
	$(UV) run --frozen pytest

# Generated types up to date, ESLint (hooks, accessibility, boundaries between features),
# strict TypeScript, and the frontend's unit tests.
frontend-check: setup $(NODE_STAMP)
	cd frontend && CRYPTODESK_BIN=$(CURDIR)/.venv/bin/cryptodesk $(NPM) run --silent check:types
	cd frontend && $(NPM) exec --no -- eslint --max-warnings 0 .
	cd frontend && $(NPM) exec --no -- tsc --noEmit
	cd frontend && $(NPM) exec --no -- vitest run

# pytest includes the browser tests (tests/e2e), which drive the built web app.
test: lint typecheck frontend-check web pytest

bench: setup
	$(UV) run --frozen python -m bench

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache frontend/node_modules src/cryptodesk/web
