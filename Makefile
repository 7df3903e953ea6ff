# Set-up and everyday commands. `make run` and `make test` work on a fresh machine.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PORT ?= 8000

.PHONY: venv run worker test screenshots lint audit format migrations-check reset-db bench soak messages compilemessages axe-core

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py seed
	$(PYTHON) manage.py createinitialrevisions agreements --comment="Loaded from the seed." -v0
	$(PYTHON) manage.py ensure_admin
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

# The background jobs (README, "Following the work"): a Celery worker with the scheduler (beat) that
# sends the digests and reminders, on the broker CELERY_BROKER_URL names (else the local Redis).
worker: venv
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" $(VENV)/bin/celery -A cooperation worker \
		--beat --schedule=$(VENV)/celerybeat-schedule --concurrency=2 --loglevel=INFO

# The suite runs in as many processes as the machine has cores (pytest-xdist), each with its own
# test database; TEST_PROCESSES=0 runs it in this process alone.
TEST_PROCESSES ?= auto
test: venv
	$(VENV)/bin/pytest --numprocesses=$(TEST_PROCESSES) $(PYTEST_ARGS)

# axe-core, which tests/test_accessibility.py runs in the browser over every page: from npm into
# .ci/node/ (git-ignored; nothing from it is shipped). Without it those tests are skipped locally.
AXE_CORE_VERSION := 4.14.1
axe-core:
	npm install --prefix .ci/node --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_CORE_VERSION)

# Refresh the README's screenshots (docs/screenshots/) from the browser tests that take them;
# a plain `make test` writes its screenshots to test-results/ instead.
screenshots: venv
	SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest -p no:cacheprovider -k screenshots tests/test_browser.py tests/test_browser_languages.py tests/test_browser_following.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Known vulnerabilities in the installed requirements (pip-audit: .ci/audit_dependencies.py says
# what happens when its service cannot be reached), then a static scan of our code (bandit,
# configured in pyproject.toml). docs/security.md records the results and every exception.
audit: venv
	$(PYTHON) .ci/audit_dependencies.py
	$(VENV)/bin/bandit --quiet --configfile pyproject.toml --recursive agreements cooperation bench .ci/audit_dependencies.py

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: venv
	$(PYTHON) manage.py makemigrations --check --dry-run

# Archive-scale timings on PostgreSQL (a database of its own), warm and cold, one gunicorn and two
# behind nginx (installed with apt-get if missing) with the cache in Redis; writes docs/benchmarks.md.
# A quick run on a smaller database of its own: make bench BENCH_ARGS="--memoranda 5000 --seconds 3"
BENCH_ARGS ?= --memoranda 100000 --seed 1
bench: venv
	$(PYTHON) bench/run.py $(BENCH_ARGS)

# Five minutes of mixed reads and admin writes by 8 clients against gunicorn with three workers, on
# the bench database: server errors and the workers' memory before and after (docs/security.md).
SOAK_ARGS ?= --minutes 5 --clients 8
soak: venv
	$(PYTHON) bench/soak.py $(SOAK_ARGS)

# Catalogues: `make messages` collects new strings into locale/*/django.po; translate them
# (no entry left empty or fuzzy), then `make compilemessages` and commit both .po and .mo.
MESSAGES_IGNORE := --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles --ignore=docs
messages: venv
	$(PYTHON) manage.py makemessages -l ru -l ar --no-obsolete --no-wrap --add-location=file $(MESSAGES_IGNORE)

compilemessages: venv
	$(PYTHON) manage.py compilemessages --ignore=.venv

reset-db:
	rm -f db.sqlite3
