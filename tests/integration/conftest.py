# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the integration tests: one emulator process per pytest worker.

- ``emulator`` (session): the running emulator (endpoint_url, state_dir, config_file,
  credentials_file, client, env, session(profile)).
- ``emu`` (function): the same object, reset to the bootstrap state before the test.
- ``org_emulator`` (session) / ``org_emu`` (function, reset first): a second emulator with
  ``--member-accounts 20`` (23 accounts: two ListAccounts pages), started only by tests that ask for it.
- ``run_module`` / ``run_playbook`` live in ``ansible_runner.py`` (importable as ``ansible_runner``,
  ``integration.ansible_runner`` or relatively).
"""

from __future__ import annotations

import os
import sys
import typing as t
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
# tests/ (for the emulator package) and tests/integration/ (for ``import ansible_runner``).
for _path in (str(_HERE.parent), str(_HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from ansible_runner import COLLECTIONS_PATH, ensure_collection_link
from emulator.testing import RunningEmulator, start_emulator

ensure_collection_link()
if str(COLLECTIONS_PATH) not in sys.path:
    # Tests may import module_utils (e.g. to build expected documents) like the modules do.
    sys.path.insert(0, str(COLLECTIONS_PATH))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "smoke: a few representative integration tests (make smoke-2.21)")


# With CROSSACCOUNT_AWS_TEST_ORG_SCALE=representative (the newest core's run) only these tests of the
# organization-scale files run: they repeat, over 20-account organizations, module calls the other files test whole.
ORG_SCALE_REPRESENTATIVES = {
    "test_organization_rollout.py": "test_three_waves_stop_at_the_tolerance_and_the_retry_file_finishes_them",
    "test_organization_access.py": "test_fan_out_on_20_members_twice_second_run_changes_and_writes_nothing",
    "test_guardrails.py": "test_a_playbook_runs_the_preflight_once_through_the_action_group_defaults",
    "test_inventory_organization_accounts.py": "test_default_inventory_hosts_hostvars_groups_and_api_calls",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CROSSACCOUNT_AWS_TEST_ORG_SCALE") != "representative":
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        wanted = ORG_SCALE_REPRESENTATIVES.get(item.path.name)
        (dropped if wanted is not None and getattr(item, "originalname", item.name) != wanted else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    with start_emulator(tmp_path_factory.mktemp("emulator")) as running:
        yield running


@pytest.fixture
def emu(emulator: RunningEmulator) -> RunningEmulator:
    emulator.reset()
    return emulator


@pytest.fixture(scope="session")
def org_emulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    with start_emulator(tmp_path_factory.mktemp("emulator-org20"), "--member-accounts", "20") as running:
        yield running


@pytest.fixture
def org_emu(org_emulator: RunningEmulator) -> RunningEmulator:
    org_emulator.reset()
    return org_emulator
