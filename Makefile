# Moorings — the developer's entry points. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
# uv: the one on PATH, else a copy private to this checkout that tools/bootstrap_uv.py puts in
# .tools/ (git-ignored) with nothing but python3; never into python3 itself, which Debian and
# Ubuntu refuse (PEP 668). Its bin/ holds only uv and uvx, so it goes first on PATH for every
# recipe, and for the tests that run uv.
TOOLS := .tools
ifeq ($(shell command -v uv 2>/dev/null),)
export PATH := $(CURDIR)/$(TOOLS)/bin:$(PATH)
UV_BOOTSTRAP := $(TOOLS)/bin/uv
endif
# uv's own certificate bundle lacks CAs that only the system trusts (a company proxy's, say); git,
# python3 and pip already reach the same servers through the system's store.
export UV_SYSTEM_CERTS ?= 1
# Without .pyc files the MCP SDK's import alone takes ~1.5 s instead of ~0.8 s, and
# these machines set PYTHONDONTWRITEBYTECODE: compile at install time.
export UV_COMPILE_BYTECODE := 1
BENCH_RUNS ?= 10
# The mcpb CLI (npm) that packs the Claude Desktop bundles, servers/*/bundle (tools/generate/bundles.py);
# tests/frontdoor/test_bundles.py validates and packs with this same version. It runs on Node >= 20.
MCPB_VERSION := 2.1.2
# The suite mostly waits (on servers it spawns, git, PostgreSQL), so it runs on every core (pytest-xdist).
TEST_WORKERS ?= auto
# Run again with every portable path forced (the ones Windows takes, see moorings_core.platform):
# atomic writes, stdio, the filesystem tools, and the programs tools run (started without a process
# group of their own). The path jail's tests already run both ways in the first pass
# (tests/capabilities.py); the rest does not depend on the platform.
PORTABLE_TESTS := tests/core/test_stdio.py tests/core/test_commands.py tests/filesystem/test_durability.py \
	tests/filesystem/test_writing.py tests/filesystem/test_managing.py tests/filesystem/test_reading.py \
	tests/filesystem/test_listing.py tests/filesystem/test_searching.py

.PHONY: help install test demo lint format typecheck bench dist clean

help: ## List the targets
	@grep -hE '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv: tools/bootstrap_uv.py
	python3 tools/bootstrap_uv.py $(TOOLS)

$(VENV)/.installed: pyproject.toml uv.lock shared/pyproject.toml moorings/pyproject.toml $(wildcard servers/*/pyproject.toml) | $(UV_BOOTSTRAP)
	uv sync --frozen --all-packages
	@# Our own packages are editable installs, which uv does not compile.
	@$(PY) -m compileall -q shared/src moorings/src servers > /dev/null
	@touch $@

install: $(VENV)/.installed ## Create .venv with every package and the dev tools (bootstraps uv)

test: install ## Run the whole test suite, then the platform-sensitive tests on the portable paths
	$(PY) -m pytest -n $(TEST_WORKERS)
	MOORINGS_PORTABLE=1 $(PY) -m pytest -n $(TEST_WORKERS) -rfE $(PORTABLE_TESTS)

demo: install ## Spawn each server over stdio as a host would and show it at work
	$(PY) -m demo

lint: install ## ruff: formatting and lint
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install ## mypy --strict over shared/, servers/, tests/ and benchmarks/
	$(VENV)/bin/mypy

bench: install ## Install the reference servers into .bench/ and run the benchmarks
	bash benchmarks/install_peers.sh
	@$(PY) -m compileall -q shared/src servers > /dev/null
	$(PY) -m benchmarks cold-start --runs $(BENCH_RUNS)
	$(PY) -m benchmarks per-call --servers sdk-hello,filesystem,sqlite,ref-filesystem,ref-sqlite
	$(PY) -m benchmarks search-files grep directory-tree list-directory read-head-tail cheap-calls \
		--servers filesystem,ref-filesystem
	$(PY) -m benchmarks sqlite-limit sqlite-full-scan sqlite-schema --servers sqlite,ref-sqlite
	$(PY) -m benchmarks pg-limit pg-full-select pg-introspect --servers postgres,ref-postgres,postgres-mcp
	$(PY) -m benchmarks pg-cheap-calls --servers sqlite,postgres,ref-postgres,postgres-mcp
	$(PY) -m benchmarks git-log git-status git-diff-unstaged git-show git-status-calls --servers git,git-one-page,ref-git
	$(PY) -m benchmarks fetch-100kb fetch-1mb fetch-5mb --servers fetch,ref-fetch
	$(PY) -m benchmarks openapi-load --servers sdk-hello,openapi,openapi-yaml,openapi-compact,fastmcp-openapi
	$(PY) -m benchmarks openapi-calls --servers openapi,fastmcp-openapi

dist: install ## Build every package's wheel and sdist, and each server's Claude Desktop bundle, into dist/
	@# Emptied first: a version left from an earlier build would be uploaded beside the new one.
	rm -rf dist
	uv build --all-packages --out-dir dist
	$(PY) -m tools.pack_bundles $(MCPB_VERSION) dist

clean: ## Remove the virtualenv, caches and build output
	rm -rf $(VENV) $(TOOLS) dist .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
