# crossaccount.aws — developer entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PY312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENV := $(ROOT)/.venv
VENV312 := $(ROOT)/.venv312
# The oldest ansible-core lines meta/runtime.yml claims (>= 2.17), both on Python 3.11.
VENV217 := $(ROOT)/.venv217
VENV218 := $(ROOT)/.venv218
VENVDOCS := $(ROOT)/.venv-docs
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
        units-2.21 integration integration-2.21 integrations smoke-2.21 reliability molecule lint changelog-lint docs-check typecheck test demo bench clean \
        ee-check integration-targets-check docs venv-docs venv217 venv218 sanity-2.17 sanity-2.18 units-2.17 units-2.18 smoke-2.17 smoke-2.18 older-cores

help:
	@echo "make demo   - run the whole cross-account flow against the bundled two-account emulator"
	@echo "make test   - ruff/mypy, ansible-lint, docs, EE, sanity+units (2.17-2.21), integration (2.19+2.21), reliability, molecule"
	@echo "make bench  - benchmarks under bench/"

# $(call make_venv,DIR,PYTHON): a virtual environment at DIR from the requirements file of the rule ($<), pinned.
define make_venv
$(2) -m venv $(1)
$(1)/bin/python -m pip install -q --upgrade pip uv==0.13.9
$(1)/bin/uv pip install -q --python $(1)/bin/python -r $<
touch $(1)/.done
endef

$(VENV)/.done: tests/requirements.txt
	$(call make_venv,$(VENV),$(PY311))
venv: $(VENV)/.done

$(VENV312)/.done: tests/requirements-2.21.txt
	$(call make_venv,$(VENV312),$(PY312))
venv312: $(VENV312)/.done

$(VENV217)/.done: tests/requirements-2.17.txt
	$(call make_venv,$(VENV217),$(PY311))
venv217: $(VENV217)/.done

$(VENV218)/.done: tests/requirements-2.18.txt
	$(call make_venv,$(VENV218),$(PY311))
venv218: $(VENV218)/.done

$(VENVDOCS)/.done: tests/requirements-docs.txt
	$(call make_venv,$(VENVDOCS),$(PY311))
venv-docs: $(VENVDOCS)/.done

collection-link:
	@mkdir -p $(dir $(LINK))
	@ln -sfn ../../../.. $(LINK)

collection-copy:
	@rm -rf $(COPY) && mkdir -p $(COPY)
	@git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C $(COPY)

# ansible-test downloads its pip bootstrap from a host outside PyPI: install a stand-in built on ensurepip.
get-pip:
	@mkdir -p $(HOME)/.ansible/test/cache
	@for v in 24_2 25_2 25_3 25_1 24_3 23_1_2; do cp tests/tools/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$$v.py; done

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

# The versions we claim (issue 13): sanity, units and the integration smoke set on ansible-core 2.17 and 2.18.
# pylint is most of sanity's time and checks the same code with the same rules on every core: it runs on 2.19 and
# 2.21; `make sanity-2.17 OLD_CORE_SANITY_ARGS=` runs it on the old cores too.
OLD_CORE_SANITY_ARGS ?= --skip-test pylint
sanity-2.17: venv217 collection-copy get-pip
	cd $(COPY) && PATH=$(VENV217)/bin:$$PATH ansible-test sanity --python 3.11 --color no $(OLD_CORE_SANITY_ARGS)
sanity-2.18: venv218 collection-copy get-pip
	cd $(COPY) && PATH=$(VENV218)/bin:$$PATH ansible-test sanity --python 3.11 --color no $(OLD_CORE_SANITY_ARGS)
units-2.17: venv217 collection-copy
	cd $(COPY) && PATH=$(VENV217)/bin:$$PATH ansible-test units --python 3.11 --color no
units-2.18: venv218 collection-copy
	cd $(COPY) && PATH=$(VENV218)/bin:$$PATH ansible-test units --python 3.11 --color no
smoke-2.17: venv217 collection-link
	$(VENV217)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider -m smoke
smoke-2.18: venv218 collection-link
	$(VENV218)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider -m smoke
older-cores: sanity-2.17 units-2.17 smoke-2.17 sanity-2.18 units-2.18 smoke-2.18

integration: venv collection-link
	$(VENV)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider

# The integration suite again on the newest core this machine runs (ansible-core 2.21, Python 3.12), less the
# emulator's own tests (test_emulator*.py): they run no Ansible code, so a second core version proves nothing there.
integration-2.21: venv312 collection-link
	$(VENV312)/bin/pytest tests/integration -n $(PYTEST_WORKERS) -q -p no:cacheprovider --ignore-glob='*/test_emulator*.py'

# Both integration suites side by side. A suite of two workers keeps the 2 cores only ~2/3 busy (its tests wait on
# the emulator's propagation and expiry clocks and on process start-up: user+sys 94 s over 69 s wall for a sample),
# so the two suites together take less wall time than one after the other. Each worker has its own emulator.
integrations: venv venv312 collection-link
	$(MAKE) --no-print-directory -j2 --output-sync=line integration integration-2.21

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
# Execution environment (issue 9). ansible-builder reads meta/execution-environment.yml from the installed collection
# and resolves its paths from the collection root, so `create` runs on a copy laid out the same way; the context must
# carry the collection's requirements (boto3, botocore; lower bounds only, no ansible-core) and the bindep file.
ee-check: venv collection-link
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/src" && \
	cp meta/execution-environment.yml requirements.txt bindep.txt "$$tmp/src/" && \
	$(VENV)/bin/ansible-builder create -f "$$tmp/src/execution-environment.yml" -c "$$tmp/context" \
	  --output-filename Containerfile 2>&1 | grep -v "^DEPRECATION NOTICE: Execution environment schema version 1" && \
	grep -q "COPY _build/requirements.txt" "$$tmp/context/Containerfile" && \
	grep -q "COPY _build/bindep.txt" "$$tmp/context/Containerfile" && \
	grep -Eq "^boto3>=" "$$tmp/context/_build/requirements.txt" && grep -Eq "^botocore>=" "$$tmp/context/_build/requirements.txt" && \
	! grep -Eiq "ansible-core|ansible_core|==|<" "$$tmp/context/_build/requirements.txt" && \
	test -s "$$tmp/context/_build/bindep.txt" && \
	$(VENV)/bin/ansible-builder introspect --sanitize $(BUILD)/collections > "$$tmp/introspect.yml" && \
	grep -q "boto3>=.*from collection crossaccount.aws" "$$tmp/introspect.yml" && \
	grep -q "botocore>=.*from collection crossaccount.aws" "$$tmp/introspect.yml" && \
	echo "ee-check: ansible-builder create produced a context with boto3/botocore and bindep.txt"

# Real-AWS targets (issue 13): never run here, but they must parse and ansible-test must list them.
integration-targets-check: venv collection-link collection-copy
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for target in $$(ls tests/integration/targets); do \
	  printf -- '---\n- name: Syntax check of %s\n  hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n' \
	    "$$target" "$$target" > "$$tmp/$$target.yml"; \
	  ANSIBLE_ROLES_PATH=$(ROOT)/tests/integration/targets $(VENV)/bin/ansible-playbook --syntax-check -i localhost, \
	    "$$tmp/$$target.yml" > /dev/null || exit 1; \
	done
	cd $(COPY) && PATH=$(VENV)/bin:$$PATH ansible-test integration --list-targets --allow-unsupported > $(BUILD)/integration-targets.txt
	@for target in $$(ls tests/integration/targets); do grep -qx "$$target" $(BUILD)/integration-targets.txt || \
	  { echo "ansible-test does not list $$target"; exit 1; }; done
	@echo "integration-targets-check: $$(ls tests/integration/targets | wc -l) target(s) parse and are listed"

# HTML documentation (issue 13) with antsibull-docs: docs/site was made by `antsibull-docs sphinx-init --use-current
# --dest-dir docs/site crossaccount.aws`; its build.sh renders every module, plugin and role (argument_specs) and the
# guides of docs/docsite, then runs Sphinx with warnings as errors.
docs: venv-docs collection-link
	$(VENVDOCS)/bin/python docs/site/offline_inventory.py
	PATH=$(VENVDOCS)/bin:$$PATH bash docs/site/build.sh
	@echo "make docs: $(ROOT)/docs/site/build/html/index.html"

test: typecheck lint changelog-lint docs-check ee-check integration-targets-check docs sanity units older-cores integrations reliability molecule
	@echo "make test: all suites passed"

demo: venv collection-link
	$(VENV)/bin/python scripts/demo.py

# The peer of bench/compare.py: amazon.aws from the pinned `ansible` package, in its own venv (built on first use).
PEER_VENV := $(ROOT)/bench/.venv-peer
$(PEER_VENV)/.done: bench/requirements-peer.txt
	$(call make_venv,$(PEER_VENV),$(PY311))
MITOGEN_VENV := $(ROOT)/bench/.venv-mitogen
$(MITOGEN_VENV)/.done: bench/requirements-mitogen.txt
	$(call make_venv,$(MITOGEN_VENV),$(PY311))
$(VENV)/.bench-done: bench/requirements.txt $(VENV)/.done
	$(VENV)/bin/uv pip install -q --python $(VENV)/bin/python -r bench/requirements.txt
	touch $@

bench: venv collection-link $(PEER_VENV)/.done $(MITOGEN_VENV)/.done $(VENV)/.bench-done
	$(VENV)/bin/python bench/tasks.py
	$(VENV)/bin/python bench/run.py
	$(VENV)/bin/python bench/compare.py
	$(VENV)/bin/python bench/fanout.py

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
