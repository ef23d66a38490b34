# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOTLINE_PORT ?= 8000
HOTLINE_HOST ?= 127.0.0.1
HOTLINE_WORKERS ?= 2
HOTLINE_TEST_WORKERS ?= 2

.PHONY: run test install lock

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Every package, transitive ones included, at the locked version and hash.
$(VENV)/.installed: $(BIN)/activate requirements-dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) setup
	$(FLASK) seed-demo --if-new
	$(FLASK) model ensure-default
	@# The scheduler runs beside gunicorn, started again if it dies; Ctrl-C (or gunicorn ending) stops both.
	bash scripts/keep-running.sh $(FLASK) scheduler & scheduler=$$!; \
	trap 'kill -TERM $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	trap 'exit 130' INT TERM; \
	HOTLINE_HOST=$(HOTLINE_HOST) HOTLINE_PORT=$(HOTLINE_PORT) HOTLINE_WORKERS=$(HOTLINE_WORKERS) \
		$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

test: install
	$(BIN)/ruff check .
	bash scripts/browser-deps.sh
	@# Two workers (pytest-xdist): each has its own SQLite file and PostgreSQL schema.
	$(BIN)/python -m pytest -n $(HOTLINE_TEST_WORKERS)

# After changing a pin in requirements*.txt: lock the transitive set again, with hashes.
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet pip-tools==7.6.2
	for name in requirements requirements-dev; do \
		$(VENV)-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
			--no-emit-index-url --no-emit-find-links -o $$name.lock $$name.txt || exit 1; \
	done
