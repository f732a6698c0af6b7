# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app roombook
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
PORT   ?= 5000
# What the browser tests need from Debian: the browser and fonts for every script the posters use.
BROWSER_PACKAGES := chromium fonts-noto-core fonts-dejavu-core
# The nginx the deploy test serves deploy/nginx.conf.example with (tests/production/test_nginx.py).
SERVER_PACKAGES := nginx-light

.PHONY: install run test test-sqlite test-postgres test-dates test-tools bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Test-only tools: ical.js and axe-core from the npm registry, Chromium and fonts from Debian.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

test-tools: $(NODE_STAMP)
	@if ! command -v chromium >/dev/null || ! fc-list | grep -qi "Noto Sans Arabic"; then \
		echo "installing $(BROWSER_PACKAGES) from Debian's packages"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; \
	fi
	@command -v chromium >/dev/null || { echo "chromium is missing and could not be installed" >&2; exit 1; }
	@if ! command -v nginx >/dev/null && ! test -x /usr/sbin/nginx; then \
		echo "installing $(SERVER_PACKAGES) from Debian's packages"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(SERVER_PACKAGES) >/dev/null; \
	fi

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "roombook serves on http://127.0.0.1:$(PORT)/"
	$(VENV)/bin/flask --app wsgi:app run --host 127.0.0.1 --port $(PORT)

test: install test-tools
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) test-dates

test-sqlite: install test-tools
	$(PY) -m pytest -p no:cacheprovider -n 2

test-postgres: install test-tools
	scripts/with-postgres.sh $(PY) -m pytest -p no:cacheprovider -n 2 --ignore=tests/browser

# The date-sensitive tests again under libfaketime at instants that once broke the suite (holidays, clock changes,
# a Berlin new year, a leap day).
test-dates: install
	scripts/faketime-suite.sh

bench: install
	$(PY) bench/solver.py
	$(PY) bench/feeds.py

clean:
	rm -rf $(VENV) build *.egg-info

# Production: gunicorn with several workers on PostgreSQL (ROOMBOOK_DATABASE_URL); see "Deploying" in README.md.
# The jobs run in one `flask scheduler` process beside the workers (as roombook-scheduler.service runs them).
.PHONY: serve-prod
serve-prod: install
	@test -n "$$ROOMBOOK_DATABASE_URL" || { echo "serve-prod: set ROOMBOOK_DATABASE_URL (postgresql+psycopg://…)" >&2; exit 1; }
	$(FLASK) db upgrade
	$(FLASK) scheduler & scheduler=$$!; trap 'kill $$scheduler' EXIT; \
	ROOMBOOK_BIND=$${ROOMBOOK_BIND:-127.0.0.1:$(PORT)} $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app
