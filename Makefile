# Every target installs what it needs first, so each works on a fresh machine of this kind.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test lint openapi bench synth clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,infra]"
	touch $(STAMP)

run: install
	$(VENV)/bin/skylabel start --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check shared functions infrastructure tests bench
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check shared functions infrastructure tests bench

openapi: install
	$(PY) -m skylabel_api.openapi > functions/api/openapi.json

bench: install
	$(PY) bench/run.py

# The CDK cloud assembly in infrastructure/cdk.out, offline: no AWS credentials, Docker or CDK CLI needed.
synth: install
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 $(PY) -m infrastructure.app

clean:
	rm -rf $(VENV) .pytest_cache infrastructure/cdk.out
