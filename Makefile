# Quire — the two commands that matter are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DJANGO_SPEC ?=
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZES ?= 1000,10000
MERMAID_VERSION ?= 11.17.2
MERMAID_DIR := static/quire/vendor/mermaid

.PHONY: run test hostile lint format bench bench-nav bench-views bench-engine bench-import bench-static bench-quick bench-pathological loadtest multi-instance browser java nginx mermaid clean

# Install, migrate, import the sample content, make a local admin, serve on http://127.0.0.1:8000/
run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py import_pages fixtures/content --prefer file
	DJANGO_DEBUG=1 $(BIN)/python manage.py ensure_local_admin
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Install the development extras, Chromium, Java and nginx, then run the whole test suite
test: $(VENV)/.installed-dev browser java nginx
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The hostile-input suites on Django 5.2 here, and on the newest Django 6
# in .venv-django6 with Python 3.12 when this machine has it
HOSTILE_TESTS = tests/test_hostile_markdown.py tests/test_hostile_imports.py tests/test_security_settings.py
hostile: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q $(HOSTILE_TESTS)
	@if python3.12 --version >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory .venv-django6/.installed-dev VENV=.venv-django6 PYTHON=python3.12 DJANGO_SPEC="django>=6,<7" && \
	  .venv-django6/bin/python -m pytest -q $(HOSTILE_TESTS); \
	else echo "NOTICE: no Python 3.12 here; the Django 6 run of the hostile suites is skipped."; fi

# Check style and common bugs with ruff, and the layers of pages/ with import-linter
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Rewrite the code in the house style with ruff
format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Measure imports, page views, search and the static export against their floor and ceiling (a few minutes)
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/engine.py
	BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python bench/run.py
	$(BIN)/python bench/nav_scale.py

# The navigation at 1,000, 10,000 and 100,000 pages (written straight into the database; a few minutes)
bench-nav: $(VENV)/.installed-dev
	$(BIN)/python bench/nav_scale.py

# Page views only (after an untimed import): bare WhiteNoise, warm, compressed, cold, worker memory
bench-views: $(VENV)/.installed-dev
	BENCH_ONLY=views BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python bench/run.py

# Pathological inputs at the maximum size: the Liquid pre-pass stays linear, the preview stays bounded
bench-pathological: $(VENV)/.installed-dev
	$(BIN)/python bench/pathological.py

# Markdown engine speed on the real-world corpus, beside the Python-Markdown reference
bench-engine: $(VENV)/.installed-dev
	$(BIN)/python bench/engine.py

# The imports alone (first import between two floor runs, re-imports, a profile), at BENCH_SIZES
bench-import: $(VENV)/.installed-dev
	BENCH_ONLY=import BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python bench/run.py

# The static export alone: the floor, the first import, the full build, the 1% re-import, the incremental build
bench-static: $(VENV)/.installed-dev
	BENCH_ONLY=static BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python bench/run.py

# The same at 1,000 pages only
bench-quick: $(VENV)/.installed-dev
	BENCH_SIZES=1000 $(BIN)/python bench/run.py

# 60 s of page views on gunicorn + PostgreSQL while an import and admin saves run (needs PostgreSQL)
loadtest: $(VENV)/.installed-dev
	$(BIN)/python bench/loadtest.py

# Two instances on PostgreSQL, Redis and an S3 server: saves, upload, import, Redis restart, database blip
multi-instance: $(VENV)/.installed-dev
	$(BIN)/python bench/multi_instance.py

# Make sure Debian's Chromium is there for the browser tests (installs it when missing and root)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"; exit 1; fi; }

# Make sure Java is there for the HTML validity tests (the Nu HTML Checker; installs it when missing and root)
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; \
	  else echo "Java is missing: install Debian's 'default-jre-headless' package (sudo apt-get install default-jre-headless)"; exit 1; fi; }

# Make sure nginx is there for the static-export tests, which serve the built site with it (installs
# Debian's nginx-light when missing and root; the tests start their own unprivileged nginx, no service)
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	  else echo "nginx is missing: install Debian's 'nginx-light' package (sudo apt-get install nginx-light)"; exit 1; fi; }

# Replace the checked-in Mermaid (diagrams) with MERMAID_VERSION from the npm registry (needs npm)
mermaid:
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Debian's 'npm' package"; exit 1; }
	rm -rf .mermaid-pack && mkdir .mermaid-pack
	cd .mermaid-pack && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null && tar xzf mermaid-$(MERMAID_VERSION).tgz package/dist/mermaid.min.js package/LICENSE
	cp .mermaid-pack/package/dist/mermaid.min.js .mermaid-pack/package/LICENSE $(MERMAID_DIR)/
	{ echo "mermaid $(MERMAID_VERSION)"; \
	  echo "tarball: $$(npm view mermaid@$(MERMAID_VERSION) dist.tarball)"; \
	  echo "npm integrity: $$(npm view mermaid@$(MERMAID_VERSION) dist.integrity)"; \
	  echo "files: package/dist/mermaid.min.js -> mermaid.min.js, package/LICENSE -> LICENSE (MIT)"; \
	  echo "sha256 mermaid.min.js: $$(sha256sum $(MERMAID_DIR)/mermaid.min.js | cut -d' ' -f1)"; \
	  echo "update: make mermaid MERMAID_VERSION=x.y.z"; } > $(MERMAID_DIR)/SOURCE.txt
	rm -rf .mermaid-pack
	@cat $(MERMAID_DIR)/SOURCE.txt

# Remove the virtual environment and local data
clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[production]" $(if $(DJANGO_SPEC),"$(DJANGO_SPEC)")
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev]" $(if $(DJANGO_SPEC),"$(DJANGO_SPEC)")
	touch $@ $(VENV)/.installed
