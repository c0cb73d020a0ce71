# trialwarehouse: `make run` (sample nightly run) and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
# A uv that answers --version, else a private one: `command -v` alone is fooled by a pyenv
# shim whose version has no uv (CI failed that way with "pyenv: uv: command not found").
BOOTSTRAP_UV := $(CURDIR)/.venv-bootstrap/bin/uv
UV := $(shell uv --version >/dev/null 2>&1 && command -v uv || echo $(BOOTSTRAP_UV))
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
# Compile .pyc at install: these machines set PYTHONDONTWRITEBYTECODE=1, so without it every
# process (each run, each test subprocess) recompiles GX and Prefect from source, ~15 s each.
export UV_COMPILE_BYTECODE := 1
# The offline environment (no analytics, a patient Prefect start-up) is set by the program
# itself: trialwarehouse.settings.OFFLINE_DEFAULTS.

.DEFAULT_GOAL := run
.PHONY: run test setup serve bench sample docs cookbook lint dq-eval clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BOOTSTRAP_UV):
	$(PYTHON) -m venv .venv-bootstrap
	.venv-bootstrap/bin/pip install --quiet "uv==0.13.9"

# One stamp per dependency group: the product alone (`run`), plus the test tools, plus the
# linters. --inexact: syncing one group never uninstalls another group's tools.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact
	@touch $@

.venv/.synced-test: .venv/.synced
	$(UV) sync --frozen --inexact --group test
	@touch $@

# mypy reads the tests too, so the linters get the test tools' types as well.
.venv/.synced-lint: .venv/.synced
	$(UV) sync --frozen --inexact --group test --group lint
	@touch $@

setup: .venv/.synced  ## create .venv from the lock file with the product only (bootstraps uv if missing)

run: setup  ## one nightly run over the bundled sample landing folder
	.venv/bin/trialwarehouse run --raw-dir sample/landing --warehouse warehouse/trials.duckdb

test: .venv/.synced-test  ## run the test suite
	.venv/bin/python -m pytest -n 2 --dist loadfile

lint: .venv/.synced-lint  ## ruff (lint and format check) and mypy over the whole tree
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

serve: setup  ## persistent Prefect server on 127.0.0.1 + the scheduled nightly deployment (Ctrl-C stops)
	.venv/bin/trialwarehouse serve

bench: setup  ## benchmark scenarios at BENCH_N records (default 10000); appends to bench/results.md
	BENCH_N=$${BENCH_N:-10000} .venv/bin/python -m bench.run

dq-eval: setup  ## precision and recall of every data-quality check on the curator-labelled records in ../shared/data
	.venv/bin/python -m trialwarehouse.devtools.dq_eval

sample: setup  ## regenerate the synthetic part of the sample landing folder
	.venv/bin/python -m trialwarehouse.devtools.samplegen sample/landing

docs: setup  ## regenerate docs/schema.md and the cookbook outputs from the cookbook's warehouse
	.venv/bin/python -m trialwarehouse.devtools.docs

cookbook: setup  ## build warehouse/cookbook.duckdb, the warehouse the cookbook's outputs come from
	.venv/bin/python -m trialwarehouse.devtools.docs --warehouse-only warehouse/cookbook.duckdb

clean:  ## remove the local warehouse, caches and virtual environments
	rm -rf warehouse .venv .venv-bootstrap .pytest_cache
