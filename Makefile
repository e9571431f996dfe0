# crossaccount.aws — developer entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PY312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENV := $(ROOT)/.venv
VENV312 := $(ROOT)/.venv312
# ansible-test needs the collection at .../ansible_collections/<ns>/<name> outside this git work tree
# (inside it, ansible-test lists files through git and build/ is ignored): a copy for it, a symlink for the rest.
# The copy path is per checkout, so a CI clone and a developer tree never share it.
BUILD := $(ROOT)/build
COPY := $(or $(TMPDIR),/tmp)/crossaccount-aws-ansible-test-$(shell printf %s "$(ROOT)" | cksum | cut -d" " -f1)/ansible_collections/crossaccount/aws
LINK := $(BUILD)/collections/ansible_collections/crossaccount/aws
PYTEST_WORKERS ?= 2
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)/collections
export ANSIBLE_NOCOLOR := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv venv312 collection-link collection-copy get-pip sanity sanity-2.19 sanity-2.21 units units-2.19 \
        units-2.21 integration integration-2.21 smoke-2.21 reliability molecule lint changelog-lint docs-check typecheck test demo bench clean

help:
	@echo "make demo   - run the whole cross-account flow against the bundled two-account emulator"
	@echo "make test   - sanity (2.19 + 2.21), units, integration, molecule, ansible-lint, changelog lint"
	@echo "make bench  - benchmarks under bench/"

$(VENV)/.done: tests/requirements.txt
	$(PY311) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip uv==0.13.9
	$(VENV)/bin/uv pip install -q --python $(VENV)/bin/python -r tests/requirements.txt
	touch $@
venv: $(VENV)/.done

$(VENV312)/.done: tests/requirements-2.21.txt
	$(PY312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install -q --upgrade pip uv==0.13.9
	$(VENV312)/bin/uv pip install -q --python $(VENV312)/bin/python -r tests/requirements-2.21.txt
	touch $@
venv312: $(VENV312)/.done

collection-link:
	@mkdir -p $(dir $(LINK))
	@ln -sfn ../../../.. $(LINK)

collection-copy:
	@rm -rf $(COPY) && mkdir -p $(COPY)
	@git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C $(COPY)

# ansible-test downloads its pip bootstrap from a host outside PyPI: install a stand-in built on ensurepip.
get-pip:
	@mkdir -p $(HOME)/.ansible/test/cache
	@for v in 24_2 25_2 25_3 25_1 24_3; do cp tests/tools/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$$v.py; done

sanity-2.19: venv collection-copy get-pip
	cd $(COPY) && PATH=$(VENV)/bin:$$PATH ansible-test sanity --python 3.11 --color no
sanity-2.21: venv312 collection-copy get-pip
	cd $(COPY) && PATH=$(VENV312)/bin:$$PATH ansible-test sanity --python 3.12 --color no
sanity: sanity-2.19 sanity-2.21

units-2.19: venv collection-copy
	cd $(COPY) && PATH=$(VENV)/bin:$$PATH ansible-test units --python 3.11 --color no
units-2.21: venv312 collection-copy
	cd $(COPY) && PATH=$(VENV312)/bin:$$PATH ansible-test units --python 3.12 --color no
units: units-2.19 units-2.21

integration: venv collection-link
	$(VENV)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider

# The integration suite again on the newest core this machine runs (ansible-core 2.21, Python 3.12).
integration-2.21: venv312 collection-link
	$(VENV312)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider

# A few representative tests on 2.21, for a quick check while developing.
smoke-2.21: venv312 collection-link
	$(VENV312)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider -m smoke

# Faults, crashes, hostile input, secrets, cache hardening, least privilege (issue 6).
reliability: venv collection-link
	$(VENV)/bin/pytest tests/reliability -n $(PYTEST_WORKERS) -q -p no:cacheprovider

molecule: venv collection-link
	$(VENV)/bin/python tests/tools/run_molecule.py

lint: venv collection-link
	$(VENV)/bin/ansible-lint --profile production --offline

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint

docs-check: venv collection-link
	@for m in $$(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$$//'); do \
	  $(VENV)/bin/ansible-doc crossaccount.aws.$$m > /dev/null || exit 1; done
	$(VENV)/bin/ansible-doc -t lookup crossaccount.aws.assumed_credentials > /dev/null

# mypy (strict on plugins/module_utils, see mypy.ini) and ruff (ruff.toml) over the whole tree.
typecheck: venv collection-link
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.module_utils
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.plugin_utils

# Quick static checks first, so a typo fails in seconds rather than after the emulator suites.
test: typecheck lint changelog-lint docs-check sanity units integration integration-2.21 reliability molecule
	@echo "make test: all suites passed"

demo: venv collection-link
	$(VENV)/bin/python scripts/demo.py

bench: venv collection-link
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
