# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app roombook
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 5000

.PHONY: install run test test-sqlite test-postgres bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "roombook serves on http://127.0.0.1:$(PORT)/"
	$(VENV)/bin/flask --app wsgi:app run --host 127.0.0.1 --port $(PORT)

test: install
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: install
	$(PY) -m pytest -p no:cacheprovider

test-postgres: install
	scripts/with-postgres.sh $(PY) -m pytest -p no:cacheprovider

bench: install
	$(PY) bench/solver.py

clean:
	rm -rf $(VENV) build *.egg-info
