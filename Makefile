# `make run` and `make test` work on a fresh machine: they create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Home Assistant integration's tests need Home Assistant's own pinned packages (aiohttp
# among them), which conflict with the bridge's: they get a virtual environment of their own.
HA_VENV := .venv-ha
HA_STAMP := $(HA_VENV)/.installed-stamp

# Debian packages the tests use: the panel's browser test drives Debian's Chromium
# (Playwright cannot download its own browser here), and shellcheck lints rootfs/.
APT_PACKAGES := chromium shellcheck
# axe-core (from npm) checks the panel's accessibility inside that Chromium; it is kept in a
# cache folder outside the repository, where the browser test looks for it.
AXE_VERSION := 4.14.1
AXE_DIR ?= $(HOME)/.cache/alexa-bridge/axe-core-$(AXE_VERSION)
AXE_JS := $(AXE_DIR)/node_modules/axe-core/axe.min.js
# What the benchmark runs (command:Debian package): wrk loads the skill endpoint, nginx is the
# relay's yardstick. Without them it falls back to an aiohttp load generator and no yardstick.
BENCH_COMMANDS := wrk:wrk nginx:nginx-light

# Newer Pythons come from Debian chroots (scripts/python-chroot.sh), cached outside the
# repository in /var/cache/alexa-bridge/chroots and keyed by their requirements: the add-on
# image's Python (3.13, trixie) for the bridge's suite, Python 3.14 (forky) for the newest
# Home Assistant. They need root; elsewhere they are skipped with a message.
CHROOT := scripts/python-chroot.sh
define in_chroot
	@$(CHROOT) $(1) -- $(2); rc=$$?; \
	if [ $$rc = 77 ]; then echo "SKIPPED on $(1): this machine cannot make the chroot (see above)"; \
	else exit $$rc; fi
endef

.PHONY: run test test-integration test-integration-newest test-image-python test-python-3.14 lint bench \
	bench-deps clean system-deps axe-core

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(HA_STAMP): tests_integration/requirements.txt
	$(PYTHON) -m venv $(HA_VENV)
	$(HA_VENV)/bin/pip install --quiet --upgrade pip
	$(HA_VENV)/bin/pip install --quiet -r tests_integration/requirements.txt
	touch $(HA_STAMP)

run: $(STAMP)
	$(BIN)/python -m alexa_bridge --data-dir data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

system-deps:
	@missing=""; for pkg in $(APT_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Install these Debian packages first:$$missing" >&2; exit 1; fi; \
	fi

$(AXE_JS):
	@command -v npm >/dev/null || { echo "npm is needed for axe-core (Debian: apt-get install npm)" >&2; exit 1; }
	npm install --silent --no-save --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

axe-core: system-deps $(AXE_JS)

# The chroots and .venv-ha are prepared in the background while the bridge's suite runs on this
# machine's Python (a first run: several minutes of debootstrap and pip, mostly waiting on the
# network); their own test targets then find them ready.
test: system-deps axe-core lint
	@log=$$(mktemp /tmp/alexa-bridge-prepare.XXXXXX); \
	echo "Preparing .venv-ha and the Python 3.13/3.14 chroots in the background (log: $$log)"; \
	{ $(MAKE) --no-print-directory $(HA_STAMP) & \
	  $(CHROOT) forky tests_integration/requirements-newest.txt -- true & \
	  $(CHROOT) trixie bridge -- true & wait; } >"$$log" 2>&1 & \
	AXE_CORE_JS=$(AXE_JS) $(BIN)/pytest; rc=$$?; wait; exit $$rc
	$(MAKE) test-integration
	$(MAKE) test-integration-newest
	$(MAKE) test-image-python

# The oldest Home Assistant the integration supports (hacs.json), on this machine's Python 3.11.
test-integration: $(HA_STAMP)
	$(HA_VENV)/bin/pytest -c tests_integration/pytest.ini tests_integration

# The newest Home Assistant tested, on Python 3.14.
test-integration-newest:
	$(call in_chroot,forky tests_integration/requirements-newest.txt,python -m pytest -c tests_integration/pytest.ini tests_integration)

# The bridge's own suite on the add-on image's Python 3.13, Chromium and axe-core included.
test-image-python: export AXE_CORE_JS = $(abspath $(AXE_JS))
test-image-python: axe-core
	$(call in_chroot,trixie bridge,python -m pytest)

# The bridge's own suite on Python 3.14 (not part of `make test`: about 5 more minutes a run).
test-python-3.14: export AXE_CORE_JS = $(abspath $(AXE_JS))
test-python-3.14: axe-core
	$(call in_chroot,forky bridge,python -m pytest)

bench-deps:
	@missing=""; for pair in $(BENCH_COMMANDS); do cmd=$${pair%%:*}; \
	  command -v $$cmd >/dev/null || [ -x /usr/sbin/$$cmd ] || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Not installed (the benchmark does without, with poorer figures):$$missing" >&2; fi; \
	fi

# About 4 minutes, load test included (python -m bench --soak 0 skips it).
bench: bench-deps $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(HA_VENV) .pytest_cache .ruff_cache .mypy_cache
