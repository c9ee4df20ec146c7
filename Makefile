# Installer Portal. `make run` starts the app with demo data; `make test` runs the whole test suite.
# Both create .venv and install what they need; both are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
TRANSLATIONS := installer_portal/translations

.PHONY: run test install install-test translations extract-messages lint serve-production

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@echo
	@echo "Installer Portal runs at http://127.0.0.1:5000  (stop with Ctrl+C)"
	@echo "Mail goes to instance/outbox/ and is listed at http://127.0.0.1:5000/dev/outbox"
	@echo
	@$(BIN)/flask mail send --loop & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --debug --host 127.0.0.1 --port 5000

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest

install: $(VENV)/.installed translations

install-test: install $(VENV)/.test-installed chromium

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's 'chromium' package (the browser tests need it)"; exit 1; fi; }

# Compile the catalogs (.po -> .mo); the .mo files are build output, not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

# After changing user-facing text: extract it and update the nl and nb catalogs, then translate.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --ignore-dirs '.* __pycache__' \
	  --project "Installer Portal" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -N --no-wrap -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

lint: install-test
	$(BIN)/ruff check .
