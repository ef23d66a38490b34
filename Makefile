# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOTLINE_PORT ?= 8000
HOTLINE_HOST ?= 127.0.0.1
HOTLINE_WORKERS ?= 2

.PHONY: run test install

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) setup
	$(FLASK) seed-demo --if-new
	$(FLASK) model ensure-default
	@# The scheduler runs beside gunicorn; Ctrl-C (or gunicorn ending) stops both.
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill -TERM $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn --bind $(HOTLINE_HOST):$(HOTLINE_PORT) --workers $(HOTLINE_WORKERS) \
		--access-logfile - wsgi:app

test: install
	$(BIN)/python -m pytest
