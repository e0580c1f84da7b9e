# Newsroom: `make run` to serve it, `make test` to check it. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The site's own links (canonical, emails, pictures) follow the port it is served on.
DEV_ENV = DJANGO_DEBUG=1 PORT=$(PORT)
# The background workers run beside the web server and stop with it: one runs what readers wait on (pages
# rendered again after a change, the proxy's purges: the "pages" queue) at full priority, one the rest (email).
WORKERS = $(1) $(BIN)/python manage.py db_worker --queue-name pages & pages_worker=$$!; \
	$(1) $(BIN)/python manage.py db_worker --exclude-queues pages & worker=$$!; \
	trap 'kill $$pages_worker $$worker 2>/dev/null' EXIT INT TERM

.PHONY: run test lint serve serve-varnish audit bench seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py load_seed_story
	@$(DEV_ENV) $(BIN)/python manage.py signin_help --address http://127.0.0.1:$(PORT)
	$(call WORKERS,$(DEV_ENV)); \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite runs in one process per core (pytest-xdist); TEST_WORKERS=0 runs it in this one.
TEST_WORKERS ?= auto

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Production settings (DEBUG off) behind a proxy that terminates TLS, with the background workers; README "Running in production".
# Files on disk are served by Django here unless NEWSROOM_SERVE_MEDIA=0 (the proxy serves them) or S3 is set.
serve: export NEWSROOM_SERVE_MEDIA ?= 1
serve: $(VENV)/.installed
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py migrate --no-input
	$(call WORKERS); \
	PORT=$(PORT) $(BIN)/gunicorn newsroom.wsgi --config newsroom/gunicorn.conf.py

# `make serve` behind Varnish (deploy/varnish/newsroom.vcl with Debian's varnish and varnish-modules) on
# VARNISH_PORT, the worker purging it on every change; README "Varnish in front". Stopping it stops all three.
VARNISH_PORT ?= 6081
VARNISH_DIR := $(CURDIR)/var/varnish
serve-varnish: export NEWSROOM_PURGE_URLS ?= http://127.0.0.1:$(VARNISH_PORT)/
serve-varnish: export DJANGO_TRUST_PROXY ?= 1
serve-varnish: $(VENV)/.installed
	mkdir -p $(VARNISH_DIR)
	sed 's/\.port = "8000";/.port = "$(PORT)";/' deploy/varnish/backend.vcl > $(VARNISH_DIR)/backend.vcl
	varnishd -F -j none -n $(VARNISH_DIR)/work -a http=127.0.0.1:$(VARNISH_PORT) -s malloc,256m \
		-f $(CURDIR)/deploy/varnish/newsroom.vcl -p vcl_path=$(VARNISH_DIR):$(CURDIR)/deploy/varnish & \
	varnish=$$!; trap 'kill $$varnish 2>/dev/null' EXIT INT TERM; \
	$(MAKE) serve

# Known vulnerabilities in installed dependencies, and Pillow at its newest (newsroom/audit.py).
audit: $(VENV)/.installed-test
	$(BIN)/python -m newsroom.audit

# Load benchmark with wrk on loopback: every kind of page against a minimal Django view, under gunicorn, then
# cold renders and a newsroom's mix (alone, with a moderator at work, through Varnish when varnishd is installed)
# against the static file (tests/bench/bench.py and mix.py; about 20 minutes). BENCH_DATABASE_URL=postgres://.../
# newsroom_bench for PostgreSQL (created and dropped), REDIS_URL for Redis, BENCH_SECONDS=5 for a quick look,
# BENCH_ARGS="--only mix,varnish" for some rows. Results: test-results/bench/.
bench: $(VENV)/.installed-test
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

seed: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_seed_story

clean:
	rm -rf $(VENV) staticfiles
