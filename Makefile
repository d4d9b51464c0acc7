# Two commands on a fresh machine: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# SEED=second runs the second illustrative council (seed/second) in a database of its own.
DEMO_DB := $(if $(SEED),demo-$(SEED),demo)
DEMO_ENV := TRACKER_CONFIG=demo TRACKER_DATABASE_URL=sqlite:///$(CURDIR)/instance/$(DEMO_DB).db \
	$(if $(SEED),TRACKER_SEED_DIR=seed/$(SEED))

.PHONY: install run serve migrate seed test test-sqlite test-postgres test-sqlite-core test-postgres-core test-sqlite-browser test-postgres-browser test-browser-docs lint security docs docs-site clean soak bench bench-queries \
	chase chase-dry-run outbox-send scheduler flask

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

# GOV.UK Frontend compiled with a system font stack: GDS Transport is only for GOV.UK services.
CSS := static/build/govuk-frontend.min.css
$(CSS): static/scss/govuk.scss node_modules/.installed
	mkdir -p static/build
	node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps $< $@

install: $(BIN)/activate node_modules/.installed $(CSS)

migrate: install
	mkdir -p instance
	$(DEMO_ENV) $(FLASK) db upgrade -d tracker/migrations

seed: migrate
	$(DEMO_ENV) $(FLASK) tracker seed

# Install, migrate, seed and serve the demo at http://127.0.0.1:5000 (today is 5 February 2016;
# with SEED=second, 16 November 2023), with the scheduler beside it as its own process (stopped
# when the server stops). The guides are built into site/ first (a few seconds, without the
# screenshots: the browser journeys take them in `make docs` and `make test`), for the Help links.
run: seed docs-site
	@echo "Serving the demo at http://127.0.0.1:5000 (accounts in README.md)."
	$(DEMO_ENV) $(FLASK) tracker scheduler & SCHEDULER=$$!; \
	trap 'kill $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(FLASK) run --host 127.0.0.1 --port 5000

# Commands by hand on the demo database, with the demo's settings (DEMO_ENV above is the one
# place they live). TODAY=YYYY-MM-DD runs the chasing as if it were that day.
TODAY_ARG = $(if $(TODAY),--today $(TODAY))
chase-dry-run: seed
	$(DEMO_ENV) $(FLASK) tracker chase --dry-run $(TODAY_ARG)

chase: seed
	$(DEMO_ENV) $(FLASK) tracker chase $(TODAY_ARG)

outbox-send: seed
	$(DEMO_ENV) $(FLASK) tracker outbox send

scheduler: seed
	$(DEMO_ENV) $(FLASK) tracker scheduler

# Any other command: make flask ARGS="tracker token create admin@trust.example"
flask: seed
	$(DEMO_ENV) $(FLASK) $(ARGS)

# The whole suite on SQLite and on PostgreSQL, side by side: the browser-free tests of each
# database and the browser journeys (on SQLite) at once, each in two worker processes (pytest-
# xdist, a test file to a worker; each report printed whole when it ends). A test waits on its
# database, its browser or its server thread much of the time, so six processes keep the two
# cores busy. The journeys drive the pages; what the pages read and write is tested on both
# databases by the rest. `make test-postgres-browser` runs them on PostgreSQL too. The journeys
# take the guides' screenshots as they go (test-browser-docs), and the site is built from them
# when they end: the docs cost no browser run of their own.
PYTEST = $(BIN)/pytest -q -p no:cacheprovider --durations=15
WORKERS = -n 2 --dist loadfile
PG = TRACKER_TEST_DATABASE_URL=$(PG_TEST_URL)

test: install
	$(MAKE) lint
	$(MAKE) security
	$(MAKE) --output-sync=target -j3 test-postgres-core test-sqlite-core test-browser-docs

# One database, everything (browser journeys included).
test-sqlite: install
	$(PYTEST) $(WORKERS)

test-postgres: install
	$(PG) $(PYTEST) $(WORKERS) -m "not sqlite_only"

test-sqlite-core: install
	$(PYTEST) $(WORKERS) --ignore=tests/e2e

test-postgres-core: install
	$(PG) $(PYTEST) $(WORKERS) --ignore=tests/e2e -m "not sqlite_only"

test-sqlite-browser: install
	$(PYTEST) $(WORKERS) tests/e2e

test-postgres-browser: install
	$(PG) $(PYTEST) $(WORKERS) tests/e2e

# Every browser journey, taking the guides' screenshots into docs/img/ as it goes, then the
# documentation site built from them (see `docs` below).
test-browser-docs: install
	started=$$(date +%s) && \
	$(SHOTS) $(PYTEST) $(WORKERS) tests/e2e && \
	$(DOCS_BUILD) $$started

lint: install
	$(BIN)/ruff check tracker tests bench docs config.py wsgi.py

# bandit fails on any medium or high finding; the dependency audit fails on a known
# vulnerability and says NOT CHECKED, loudly, for packages it could not judge.
security: install
	$(BIN)/bandit -q -r tracker config.py wsgi.py -ll
	$(BIN)/python .ci/audit_dependencies.py

# The documentation site (docs/, mkdocs.yml) into site/, with the guides' screenshots. The browser
# journeys take them: those marked docs_screenshots (eleven; `make docs` runs only them) call
# shoot(page, name) just after checking each screen, and with TRACKER_DOCS_SCREENSHOTS set write
# it into docs/img/ (gitignored; the names are listed in docs/shots.py). Then the site is built,
# strict: a broken link, a missing image, a page missing from the nav or a setting config.py
# reads without a meaning fails. The configuration table and the API's operations are generated
# from config.py and tracker/api/openapi.py as it builds. Last, every image the guides show must
# have been written by this run (docs/shots.py --written-since): a stale copy fails it.
# `make docs-site` builds the site alone, with or without the screenshots: its --quiet keeps
# MkDocs 1.6 from counting any warning, so --strict fails nothing there (a missing image
# included); the links are checked by tests/unit/test_readme.py in any case.
SHOTS = TRACKER_DOCS_SCREENSHOTS=docs/img
MKDOCS = NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site
DOCS_BUILD = $(MKDOCS) && $(BIN)/python docs/shots.py --written-since
docs: install
	started=$$(date +%s) && \
	$(SHOTS) $(PYTEST) $(WORKERS) -m docs_screenshots tests/e2e && \
	$(DOCS_BUILD) $$started

docs-site: $(BIN)/activate
	$(MKDOCS) --quiet

# The benchmark (bench/README.md): gunicorn on SQLite and PostgreSQL at 10x, measured from
# another process; about ten minutes. bench-queries times the plan reads in-process.
# Two app servers (127.0.0.2 and .3) on one PostgreSQL with Redis limits and two schedulers,
# 16 writers for 60 s while one server is SIGKILLed and restarted: prints the figures.
soak: install
	$(BIN)/python bench/soak.py --pg-url $(PG_TEST_URL)

bench: install
	$(BIN)/python bench/run.py --pg-url $(PG_TEST_URL)

bench-queries: install
	$(BIN)/python bench/plan_queries.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache site docs/img
