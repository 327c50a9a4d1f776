# Every target installs what it needs first, so each works on a fresh machine of this kind.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

FRONTEND_STAMP := frontend/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: install frontend browser run test lint openapi bench synth clean

install: $(STAMP) frontend

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,infra]"
	touch $(STAMP)

# The browser app: npm packages from the lock file, then the build (editor files vendored, types checked).
$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $(FRONTEND_STAMP)

frontend: $(FRONTEND_STAMP)
	cd frontend && npm run --silent build

# Debian's Chromium for the browser tests (never a test tool's own browser download).
browser:
	@test -x $(CHROMIUM) || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

run: install
	$(VENV)/bin/skylabel start --host $(HOST) --port $(PORT)

test: install browser
	$(VENV)/bin/ruff check shared functions infrastructure tests bench
	$(PY) -m pytest
	cd frontend && npx vitest run
	cd frontend && CHROMIUM=$(CHROMIUM) npx vitest run --config vitest.e2e.config.ts

lint: install
	$(VENV)/bin/ruff check shared functions infrastructure tests bench

openapi: install
	$(PY) -m skylabel_api.openapi > functions/api/openapi.json

bench: install browser
	$(PY) bench/run.py
	$(PY) bench/browser.py
	$(PY) bench/ml_predict.py

# The CDK cloud assembly in infrastructure/cdk.out, offline: no AWS credentials, Docker or CDK CLI needed.
synth: install
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 $(PY) -m infrastructure.app

clean:
	rm -rf $(VENV) .pytest_cache infrastructure/cdk.out frontend/node_modules frontend/dist frontend/public/vendor
