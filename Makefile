# The two commands a newcomer needs:
#   make run    install everything, migrate, load demo data (this week rostered), serve on
#               http://127.0.0.1:8000 (make run PORT=8001 for another port)
#   make test   install everything and run the whole test suite (ruff, checks, pytest)
# Both find a Python >= 3.12 by themselves (scripts/find-python).

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast chromium stop-db clean

# Settings default to production (DEBUG off, SECRET_KEY required); these targets are
# development, so they turn it on (an explicit DJANGO_DEBUG in the environment wins).
run test test-fast: export DJANGO_DEBUG ?= true
# seed_demo prints the URL runserver listens on.
run: export PORT := $(PORT)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py seed_demo
	@# The background worker (roster generation) runs next to the web server and stops with it.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	ROSTRACORE_PGDATA=throwaway $(PY) manage.py check
	ROSTRACORE_PGDATA=throwaway $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	@# Two workers, each with its own embedded PostgreSQL; then the browser tests on their
	@# own (Playwright's event loop would stop async tests that ran after it in a worker).
	ROSTRACORE_PGDATA=throwaway $(PY) -m pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	ROSTRACORE_PGDATA=throwaway $(PY) -m pytest -m browser $(PYTEST_ARGS)

# The inner loop: everything but the browser tests and the three-layer crawl, on two workers.
test-fast: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	ROSTRACORE_PGDATA=throwaway $(PY) -m pytest -n 2 -m "not browser and not crawl" $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium)." >&2; exit 1; fi; }

stop-db: $(VENV)/.installed
	$(PY) -m rostracore.embedded_db stop

clean:
	rm -rf $(VENV)
