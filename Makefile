# lienthong — two commands: `make demo` and `make test`. Everything they need is bootstrapped from here:
# a pinned uv in .tools/, the locked virtualenv in .venv/, Debian packages the tests use, the Kafka jars
# (Maven Central, cached per version) and the AsyncAPI parser (npm, locked).

PYTHON      ?= python3
UV_VERSION  := 0.13.9
TOOLS       := .tools
VENV        := .venv
UV          := $(TOOLS)/bin/uv
BIN         := $(VENV)/bin
ASYNCAPI    := tests/contracts_asyncapi
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup demo test lint typecheck unit kafka-jars system-deps node-deps clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

system-deps:  ## Debian packages the tests use (kcat); installed when missing and running as root
	@bash deploy/system-deps.sh

kafka-jars: $(VENV)/.synced  ## resolve the Kafka broker jars from Maven Central into the cache
	$(BIN)/lienthong kafka fetch

$(ASYNCAPI)/node_modules/.package-lock.json: $(ASYNCAPI)/package-lock.json
	npm ci --prefix $(ASYNCAPI) --no-audit --no-fund --loglevel=error

node-deps: $(ASYNCAPI)/node_modules/.package-lock.json  ## the official AsyncAPI parser (npm, locked)

setup: $(VENV)/.synced kafka-jars system-deps node-deps  ## everything the demo and the tests need

demo: $(VENV)/.synced kafka-jars  ## the main job on the embedded default, then its report
	$(BIN)/lienthong demo

lint: $(VENV)/.synced  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced  ## mypy --strict
	$(BIN)/mypy

test: setup lint typecheck  ## the whole suite, against a real Kafka broker
	$(BIN)/pytest $(PYTEST_ARGS)

clean:  ## remove the virtualenvs and local state (the jar cache in ~/.cache/lienthong stays)
	-$(BIN)/lienthong kafka down
	rm -rf $(VENV) $(TOOLS) .state $(ASYNCAPI)/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
