# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install browser orthanc postgres lint imports typecheck unit fast clean

# A registry download cut off midway is resumed (pip's --resume-retries) and, failing that,
# the whole step is tried again: CI once went red on an interrupted 83 MB wheel.
define pip_retrying
	for attempt in 1 2 3; do \
		$(BIN)/python -m pip install --quiet --retries 10 $(1) && break; \
		[ $$attempt = 3 ] && exit 1; echo "pip install: attempt $$attempt failed, retrying"; sleep 10; \
	done
endef

PROJECT_EXTRAS := .[dev,cluster]

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(call pip_retrying,--upgrade pip)
	# torch first, from the local CPU wheel, so nothing later pulls a CUDA build
	$(call pip_retrying,--resume-retries 20 torch==2.13.0)
	# the cluster extra too: the tests run the Ray engine on a local Ray
	$(call pip_retrying,--resume-retries 20 -e '$(PROJECT_EXTRAS)')
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/cmr-search demo

lint: install
	$(BIN)/ruff check .

# the layers of docs/architecture.md, as contracts in pyproject.toml [tool.importlinter]
imports: install
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# the browser tests drive Debian's Chromium (never a downloaded one); without root they skip
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
		|| echo "chromium not installed: browser tests will be skipped"

# Debian packages the tests need, installed when missing without starting their system
# services (a policy-rc.d that denies them, if none is there); without root, their tests skip
define apt_quietly
	apt-get update -qq && \
	if [ -e /usr/sbin/policy-rc.d ]; then guard=; else guard=1; \
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; fi; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(1); status=$$?; \
	if [ -n "$$guard" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status
endef

# the PACS tests run a real Orthanc (Debian's orthanc, orthanc-dicomweb) on free loopback ports
ORTHANC_PKGS := orthanc orthanc-dicomweb
orthanc:
	@{ command -v Orthanc >/dev/null 2>&1 && ls /usr/share/orthanc/plugins/libOrthancDicomWeb.so \
		>/dev/null 2>&1; } || ( $(call apt_quietly,$(ORTHANC_PKGS)) ) \
		|| echo "orthanc not installed: the PACS tests will be skipped"

# the database tests run on SQLite and on Debian's PostgreSQL, which a fixture starts in a
# temporary folder as an unprivileged user
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ( $(call apt_quietly,postgresql) ) \
		|| echo "PostgreSQL not installed: its database tests will be skipped"

unit: install browser orthanc postgres
	$(BIN)/pytest --durations=12

# the quick loop while working: everything but the tests marked slow
fast: install
	$(BIN)/pytest -m "not slow"

test: lint imports typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
