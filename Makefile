# crossaccount.aws — developer entry points. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PY312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12))
VENVDOCS := $(ROOT)/.venv-docs
# ansible-test needs the collection at .../ansible_collections/<ns>/<name> outside this git work tree
# (inside it, ansible-test lists files through git and build/ is ignored): a copy for it, a symlink for the rest.
# The copy path is per checkout, so a CI clone and a developer tree never share it.
BUILD := $(ROOT)/build
COPY := $(or $(TMPDIR),/tmp)/crossaccount-aws-ansible-test-$(shell printf %s "$(ROOT)" | cksum | cut -d" " -f1)/ansible_collections/crossaccount/aws
LINK := $(BUILD)/collections/ansible_collections/crossaccount/aws
PYTEST_WORKERS ?= 2
PYTEST := pytest -q -p no:cacheprovider
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)/collections
export ANSIBLE_NOCOLOR := 1
export PYTHONDONTWRITEBYTECODE := 1

# The ansible-core lines the collection is tested on (meta/runtime.yml claims >= 2.17): every per-core rule below,
# venv-X / sanity-X / units-X / smoke-X, is generated from this one list. For each core: its virtual environment,
# its Python (the interpreter and ansible-test's --python) and its pinned requirements.
CORES := 2.17 2.18 2.19 2.21
VENV_2.17 := $(ROOT)/.venv217
VENV_2.18 := $(ROOT)/.venv218
VENV_2.19 := $(ROOT)/.venv
VENV_2.21 := $(ROOT)/.venv312
PYTHON_2.17 := 3.11
PYTHON_2.18 := 3.11
PYTHON_2.19 := 3.11
PYTHON_2.21 := 3.12
REQUIREMENTS_2.17 := tests/requirements-2.17.txt
REQUIREMENTS_2.18 := tests/requirements-2.18.txt
REQUIREMENTS_2.19 := tests/requirements.txt
REQUIREMENTS_2.21 := tests/requirements-2.21.txt
# The core of the everyday tools (ruff, mypy, ansible-lint, the integration suite) and the newest one.
MAIN_CORE := 2.19
NEWEST_CORE := 2.21
VENV := $(VENV_$(MAIN_CORE))
VENV312 := $(VENV_$(NEWEST_CORE))
# pylint is most of sanity's time and checks the same code with the same rules on every core: it runs on the main and
# the newest core; `make sanity-2.17 OLD_CORE_SANITY_ARGS=` runs it on the old cores too.
OLD_CORE_SANITY_ARGS ?= --skip-test pylint
OLD_CORES := $(filter-out $(MAIN_CORE) $(NEWEST_CORE),$(CORES))
SANITY_ARGS = $(if $(filter $(1),$(OLD_CORES)),$(OLD_CORE_SANITY_ARGS))

.PHONY: help quick venv venv312 venv217 venv218 collection-link collection-copy get-pip sanity units integration integration-2.21 \
        integrations reliability-and-molecule emulator-tests reliability molecule lint changelog-lint docs-check typecheck test demo bench clean ee-check \
        integration-targets-check docs venv-docs older-cores $(foreach core,$(CORES),venv-$(core) sanity-$(core) units-$(core) smoke-$(core))

help:
	@echo "make quick  - ruff, mypy and the unit tests (well under a minute): run it before every commit"
	@echo "make demo   - run the whole cross-account flow against the bundled two-account emulator"
	@echo "make test   - ruff/mypy, ansible-lint, docs, EE, sanity+units ($(firstword $(CORES))-$(lastword $(CORES))), integration ($(MAIN_CORE)+$(NEWEST_CORE)), reliability, molecule"
	@echo "make bench  - benchmarks under bench/"
	@echo "per core ($(CORES)): make venv-X, sanity-X, units-X, smoke-X"

# $(call make_venv,DIR,PYTHON): a virtual environment at DIR from the requirements file of the rule ($<), pinned.
define make_venv
$(2) -m venv $(1)
$(1)/bin/python -m pip install -q --upgrade pip uv==0.13.9
$(1)/bin/uv pip install -q --python $(1)/bin/python -r $<
touch $(1)/.done
endef

# $(call core_rules,CORE): the virtual environment, ansible-test sanity and units, and the integration smoke set of CORE.
define core_rules
$$(VENV_$(1))/.done: $$(REQUIREMENTS_$(1))
	$$(call make_venv,$$(VENV_$(1)),$$(PY$$(subst .,,$$(PYTHON_$(1)))))
venv-$(1): $$(VENV_$(1))/.done
sanity-$(1): venv-$(1) collection-copy get-pip
	cd $$(COPY) && PATH=$$(VENV_$(1))/bin:$$$$PATH ansible-test sanity --python $$(PYTHON_$(1)) --color no $$(call SANITY_ARGS,$(1))
units-$(1): venv-$(1) collection-copy
	cd $$(COPY) && PATH=$$(VENV_$(1))/bin:$$$$PATH ansible-test units --python $$(PYTHON_$(1)) --color no
# A few representative integration tests, for the cores the full suites do not run on and a check while developing.
smoke-$(1): venv-$(1) collection-link
	$$(VENV_$(1))/bin/$$(PYTEST) tests/integration -n $$(PYTEST_WORKERS) -m smoke
endef
$(foreach core,$(CORES),$(eval $(call core_rules,$(core))))

# The names these environments had before the list of cores (scripts and notes use them).
venv: venv-$(MAIN_CORE)
venv312: venv-$(NEWEST_CORE)
venv217: venv-2.17
venv218: venv-2.18

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

sanity: $(foreach core,$(CORES),sanity-$(core))
units: $(foreach core,$(CORES),units-$(core))
older-cores: $(foreach core,$(OLD_CORES),sanity-$(core) units-$(core) smoke-$(core))

# Static checks and the unit tests, in one process each, without ansible-test: the feedback loop while editing.
quick: venv collection-link
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/pycodestyle --max-line-length 160 --ignore E402,W503,W504,E741,E203 --exclude '.venv*,.tox,_build' .
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.module_utils
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.plugin_utils
	PYTHONPATH=$(BUILD)/collections $(VENV)/bin/$(PYTEST) tests/unit

# The suite on the main core runs the modules where ansible-core would (crossaccount_aws_execution unset: auto, so in
# the controller's process for local tasks); the newest core runs every module as a module process. Together every
# module test runs both ways, and test_in_process.py compares the two on each core.
integration: venv collection-link
	$(VENV)/bin/$(PYTEST) tests/integration -n $(PYTEST_WORKERS) --durations=10

# The integration suite again on the newest core this machine runs, with module processes. The organization-scale
# files run roles over 20-account organizations with the same modules as the rest: there only one representative story
# of each runs (tests/integration/conftest.py, ORG_SCALE_REPRESENTATIVES), which keeps CI within its budget.
integration-2.21: venv312 collection-link
	CROSSACCOUNT_AWS_TEST_EXECUTION=module CROSSACCOUNT_AWS_TEST_ORG_SCALE=representative \
	  $(VENV312)/bin/$(PYTEST) tests/integration -n $(PYTEST_WORKERS) --durations=10

# The emulator's own tests run no Ansible code: once, on the main core.
emulator-tests: venv collection-link
	$(VENV)/bin/$(PYTEST) tests/emulator/tests -n $(PYTEST_WORKERS)

# Both integration suites side by side, then the emulator's tests. A suite of two workers keeps the 2 cores only ~2/3
# busy (its tests wait on the emulator's propagation and expiry clocks and on process start-up: user+sys 94 s over 69 s
# wall for a sample), so the two suites together take less wall time than one after the other. Each worker has its
# own emulator.
integrations: venv venv312 collection-link
	$(MAKE) --no-print-directory -j2 --output-sync=line integration integration-2.21
	$(MAKE) --no-print-directory emulator-tests

# The reliability suite and the molecule scenarios side by side: both spend much of their time waiting on processes.
reliability-and-molecule: venv collection-link
	$(MAKE) --no-print-directory -j2 --output-sync=target reliability molecule

# Faults, crashes, hostile input, secrets, cache hardening, least privilege.
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
	$(VENV)/bin/ansible-doc -t callback crossaccount.aws.progress > /dev/null

# mypy (strict on plugins/module_utils, see mypy.ini) and ruff (ruff.toml) over the whole tree.
typecheck: venv collection-link
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/pycodestyle --max-line-length 160 --ignore E402,W503,W504,E741,E203 --exclude '.venv*,.tox,_build' .
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.module_utils
	$(VENV)/bin/mypy -p ansible_collections.crossaccount.aws.plugins.plugin_utils

# Quick static checks first, so a typo fails in seconds rather than after the emulator suites.
# Execution environment. ansible-builder reads meta/execution-environment.yml from the installed collection
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

# Real-AWS targets: never run here, but they must parse and ansible-test must list them.
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

# HTML documentation with antsibull-docs: docs/site was made by `antsibull-docs sphinx-init --use-current
# --dest-dir docs/site crossaccount.aws`; its build.sh renders every module, plugin and role (argument_specs) and the
# guides of docs/docsite, then runs Sphinx with warnings as errors.
docs: venv-docs collection-link
	$(VENVDOCS)/bin/python docs/site/offline_inventory.py
	PATH=$(VENVDOCS)/bin:$$PATH bash docs/site/build.sh
	@echo "make docs: $(ROOT)/docs/site/build/html/index.html"

test: typecheck lint changelog-lint docs-check ee-check integration-targets-check docs sanity units older-cores integrations reliability-and-molecule
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
