# Two commands for a fresh clone (see README.md):
#   make run    set up, then serve idp on http://127.0.0.1:5000 with a demo client,
#               and deliver its webhooks beside it
#   make test   set up, then run the whole test suite (needs PostgreSQL and Redis)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install run test lint bench bench-http bench-serving bench-webhooks soak constraints translations

# Installs are reproducible: every package is pinned by requirements/constraints.txt.
$(VENV)/.installed: setup.cfg pyproject.toml clients/setup.cfg requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]' -e './clients[flask]'
	touch $@

install: $(VENV)/.installed

instance/secret_key:
	mkdir -p instance
	umask 077; $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))' > $@

# The webhook worker runs in the background beside the server; Ctrl-C, or the
# server stopping for any reason, stops it too.
run: install instance/secret_key
	IDP_SECRET_KEY="$${IDP_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/idp init
	IDP_SECRET_KEY="$${IDP_SECRET_KEY:-$$(cat instance/secret_key)}" $(BIN)/idp demo --port $(PORT)
	IDP_SECRET_KEY="$${IDP_SECRET_KEY:-$$(cat instance/secret_key)}"; export IDP_SECRET_KEY; \
		$(BIN)/idp webhooks work & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/idp serve --workers 1 --bind 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m pytest -m benchmark -s tests/benchmarks

# idp over HTTP against a floor app, same gunicorn settings, same wrk (apt install wrk).
bench-http: install
	$(BIN)/python bench/http_bench.py

# gunicorn workers x threads, and how kept-alive connections fall on the workers.
bench-serving: install
	$(BIN)/python bench/serving.py

# What an event adds to its request; deliveries per second and their lag.
bench-webhooks: install
	$(BIN)/python -m pytest -m benchmark -s tests/benchmarks/test_webhook_delivery.py

# idp under load while its Redis and PostgreSQL fail (needs both, minutes long).
soak: install
	$(BIN)/python -m tests.soak.soak

# Refresh the pins after changing a range in setup.cfg.
constraints:
	rm -rf /tmp/idp-constraints-venv
	$(PYTHON) -m venv /tmp/idp-constraints-venv
	/tmp/idp-constraints-venv/bin/pip install --quiet -e '.[dev]' -e './clients[flask]'
	/tmp/idp-constraints-venv/bin/pip freeze --all --exclude-editable | grep -Ev '^(pip|setuptools)==' > requirements/constraints.txt

# After changing console strings: extract them, merge into each catalogue, then
# translate the new entries in the .po files and run this again to compile.
TRANSLATIONS := idp/console/translations
translations: install
	$(BIN)/pybabel extract -F idp/console/babel.cfg -k _l --no-location --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS)
