# Installer Portal. `make run` starts the app with demo data; `make test` runs the whole test suite.
# Both create .venv and install what they need; both are safe to run again. `make test` runs ruff, mypy and pytest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
TRANSLATIONS := installer_portal/translations

.PHONY: run test install install-test system-packages test-system-packages translations extract-messages lint

# `make run PORT=8000` serves on another port; links in mails follow it unless PUBLIC_BASE_URL is set.
PORT ?= 5000

# One `flask demo prepare` (migrations, courses, demo data), then the job worker and the development server.
# Each `flask` process spends seconds loading the app, so the steps share one. Requests are logged to a file:
# the terminal shows the mail (with its links), reloads and errors.
run: install
	@$(BIN)/flask demo prepare
	@echo
	@echo "Installer Portal runs at http://127.0.0.1:$(PORT)  (stop with Ctrl+C)"
	@echo "Mail is printed here with its links, and listed at http://127.0.0.1:$(PORT)/dev/outbox"
	@echo "Requests are logged to instance/requests.log"
	@echo
	@export PORT=$(PORT); $(BIN)/flask jobs worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  REQUEST_LOG=instance/requests.log $(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

install: system-packages $(VENV)/.installed translations

install-test: install $(VENV)/.test-installed test-system-packages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Debian packages: WeasyPrint needs Pango and a font with æ ø å (PDFs); the tests also need
# Chromium (browser tests) and zbar (reading QR codes). Installed when missing and we are root.
define apt_install
	@missing=""; for check in $(1); do pkg=$${check%%:*}; file=$${check#*:}; \
	  ls $$file >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (install them with apt-get)"; exit 1; fi; fi
endef

system-packages:
	$(call apt_install,libpango-1.0-0:/usr/lib/*/libpango-1.0.so.0 libpangoft2-1.0-0:/usr/lib/*/libpangoft2-1.0.so.0 fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)

test-system-packages:
	$(call apt_install,chromium:/usr/bin/chromium libzbar0:/usr/lib/*/libzbar.so.0)

# Compile the catalogs (.po -> .mo) that changed; the .mo files are build output, not committed.
translations: $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

# After changing user-facing text: extract it and update the nl and nb catalogs, then translate.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --add-comments=Translators: --sort-output --ignore-dirs '.* __pycache__' \
	  --project "Installer Portal" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -N --no-wrap --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
