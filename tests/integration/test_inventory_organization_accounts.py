# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin organization_accounts: real ansible-inventory processes against the emulator's organization.

The organization (CONTRACT "Emulator 0.2"): management 100000000000 under the root; source 111111111111 in
Root/Security; target 222222222222 in Root/Workloads/Prod; generated members 2000000000NN (member-0NN) round-robin
over Prod, Dev, Sandbox, Workloads with tags env (by OU) and team (blue odd, red even); the last one SUSPENDED.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from collections import Counter

import pytest
import yaml
from ansible_runner import COLLECTIONS_PATH, inventory_env, inventory_text

PLUGIN = "crossaccount.aws.organization_accounts"
MANAGEMENT = "100000000000"
SOURCE, TARGET, THIRD = "111111111111", "222222222222", "333333333333"
OU = {
    "Root/Security": "ou-emu1-00000001",
    "Root/Workloads": "ou-emu1-00000002",
    "Root/Workloads/Prod": "ou-emu1-00000003",
    "Root/Workloads/Dev": "ou-emu1-00000004",
    "Root/Sandbox": "ou-emu1-00000005",
}
ROUND_ROBIN = ["Root/Workloads/Prod", "Root/Workloads/Dev", "Root/Sandbox", "Root/Workloads"]
ENV_TAG = {"Root/Workloads/Prod": "prod", "Root/Workloads/Dev": "dev", "Root/Sandbox": "sandbox", "Root/Workloads": "workloads"}


def member(i: int) -> dict[str, t.Any]:
    path = ROUND_ROBIN[(i - 1) % 4]
    return {"id": f"{200000000000 + i:012d}", "name": f"member-{i:03d}", "path": path,
            "tags": {"env": ENV_TAG[path], "team": "blue" if i % 2 else "red"}}


DEFAULT_MEMBERS = 6
ACTIVE_MEMBERS = [f"member-{i:03d}" for i in range(1, DEFAULT_MEMBERS)]  # the last one is suspended
SUSPENDED = f"member-{DEFAULT_MEMBERS:03d}"
DEFAULT_HOSTS = {"source", "target", *ACTIVE_MEMBERS}


class Inventory:
    """The parsed `ansible-inventory --list` output."""

    def __init__(self, data: dict[str, t.Any], proc: subprocess.CompletedProcess[str]) -> None:
        self.data = data
        self.proc = proc
        self.hostvars: dict[str, dict[str, t.Any]] = inventory_text(data["_meta"]["hostvars"])

    @property
    def hosts(self) -> set[str]:
        return set(self.hostvars)

    def children(self, group: str) -> set[str]:
        return set(self.data.get(group, {}).get("children", []))

    def direct_hosts(self, group: str) -> set[str]:
        return set(self.data.get(group, {}).get("hosts", []))

    def all_hosts(self, group: str) -> set[str]:
        """Hosts of a group and of its child groups, as Ansible resolves them."""
        found = self.direct_hosts(group)
        for child in self.children(group):
            found |= self.all_hosts(child)
        return found

    @property
    def groups(self) -> set[str]:
        return {name for name in self.data if name != "_meta"}


def write_config(directory: t.Any, options: t.Mapping[str, t.Any], name: str = "test.organization_accounts.yml") -> str:
    config = {"plugin": PLUGIN, "profile": "management-admin"}
    config.update(options)
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle)
    return path


def ansible_inventory(emu: t.Any, path: str, *args: str, env: t.Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", path, *args]
    return subprocess.run(command, env=inventory_env(emu, **dict(env or {})), cwd=str(COLLECTIONS_PATH), capture_output=True,
                          text=True, timeout=300, check=False)


def inventory(emu: t.Any, tmp_path: t.Any, env: t.Mapping[str, str] | None = None, name: str = "test.organization_accounts.yml",
              **options: t.Any) -> Inventory:
    proc = ansible_inventory(emu, write_config(tmp_path, options, name), "--list", env=env)
    assert proc.returncode == 0, proc.stderr
    return Inventory(json.loads(proc.stdout), proc)


def failure(emu: t.Any, tmp_path: t.Any, **options: t.Any) -> str:
    """The plugin's one-line message from a failed ansible-inventory run."""
    proc = ansible_inventory(emu, write_config(tmp_path, options), "--list")
    assert proc.returncode != 0, proc.stdout
    lines = [line for line in proc.stderr.splitlines() if "Failed to parse inventory with" in line and "plugin: " in line]
    assert lines, proc.stderr
    return lines[0].split("plugin: ", 1)[1]


def org_calls(emu: t.Any) -> Counter[str]:
    return Counter(call["action"] for call in emu.client.calls(service="organizations"))


# --- the whole organization ----------------------------------------------------------------------

def test_default_inventory_hosts_hostvars_groups_and_api_calls(emu, tmp_path):
    emu.client.clear_calls()
    inv = inventory(emu, tmp_path)
    assert inv.hosts == DEFAULT_HOSTS
    assert inv.direct_hosts("organization_accounts") == DEFAULT_HOSTS

    one = member(1)
    assert inv.hostvars[one["name"]] == {
        "ansible_connection": "local",
        "aws_account_id": one["id"],
        "aws_account_name": one["name"],
        "aws_account_email": f"{one['name']}@example.invalid",
        "aws_account_status": "ACTIVE",
        "aws_account_ou_path": "Root/Workloads/Prod",
        "aws_account_ou_id": OU["Root/Workloads/Prod"],
        "aws_account_tags": one["tags"],
        "aws_account_access_role_arn": f"arn:aws:iam::{one['id']}:role/OrganizationAccountAccessRole",
        "aws_account_joined_method": "CREATED",
    }
    assert inv.hostvars["source"]["aws_account_ou_path"] == "Root/Security"
    assert inv.hostvars["target"]["aws_account_ou_id"] == OU["Root/Workloads/Prod"]
    assert inv.hostvars["member-004"]["aws_account_ou_path"] == "Root/Workloads"

    # OU groups nest like the OUs; each host sits directly in its own OU's group.
    assert inv.children("ou_root") == {"ou_root_security", "ou_root_workloads", "ou_root_sandbox"}
    assert inv.children("ou_root_workloads") == {"ou_root_workloads_prod", "ou_root_workloads_dev"}
    assert inv.direct_hosts("ou_root_workloads_prod") == {"target", "member-001", "member-005"}
    assert inv.direct_hosts("ou_root_workloads_dev") == {"member-002"}
    assert inv.direct_hosts("ou_root_workloads") == {"member-004"}
    assert inv.all_hosts("ou_root_workloads") == {"target", "member-001", "member-002", "member-004", "member-005"}
    assert inv.all_hosts("ou_root") == DEFAULT_HOSTS
    assert inv.direct_hosts("ou_root") == set()

    # One ListOrganizationalUnitsForParent and one ListAccountsForParent per node (root + 5 OUs), tags only for
    # the 7 selected accounts, never ListAccounts/ListParents (reported in the final note).
    calls = org_calls(emu)
    assert calls == Counter({
        "DescribeOrganization": 1,
        "ListRoots": 1,
        "ListOrganizationalUnitsForParent": 6,
        "ListAccountsForParent": 6,
        "ListTagsForResource": len(DEFAULT_HOSTS),
    })
    assert not [call for call in emu.client.calls() if call["write"]]


@pytest.mark.parametrize("enabled", [PLUGIN, "auto"])
def test_graph_shows_nested_ou_groups(emu, tmp_path, enabled):
    # "auto" (in Ansible's default enable_plugins) finds the plugin through the file's `plugin:` key.
    proc = ansible_inventory(emu, write_config(tmp_path, {}), "--graph", env={"ANSIBLE_INVENTORY_ENABLED": enabled})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "  |--@organization_accounts:" in lines
    assert "  |--@ou_root:" in lines
    assert "  |  |--@ou_root_workloads:" in lines
    assert "  |  |  |--@ou_root_workloads_prod:" in lines
    assert "  |  |  |  |--target" in lines
    assert "  |  |  |--member-004" in lines


def test_management_account_only_on_request(emu, tmp_path):
    assert MANAGEMENT not in {hv["aws_account_id"] for hv in inventory(emu, tmp_path).hostvars.values()}
    inv = inventory(emu, tmp_path, include_management_account=True)
    assert inv.hosts == DEFAULT_HOSTS | {"management"}
    assert inv.hostvars["management"]["aws_account_ou_path"] == "Root"
    assert inv.hostvars["management"]["aws_account_ou_id"] == "r-emu1"
    assert inv.direct_hosts("ou_root") == {"management"}


def test_hostnames_id(emu, tmp_path):
    inv = inventory(emu, tmp_path, hostnames="id")
    expected_ids = {SOURCE, TARGET} | {member(i)["id"] for i in range(1, DEFAULT_MEMBERS)}
    assert inv.hosts == expected_ids
    assert all(inv.hostvars[host]["aws_account_id"] == host for host in inv.hosts)
    assert inv.direct_hosts("ou_root_security") == {SOURCE}


# --- filters ---------------------------------------------------------------------------------------

def test_ou_path_includes_its_sub_ous_and_reads_only_that_part(emu, tmp_path):
    emu.client.clear_calls()
    inv = inventory(emu, tmp_path, ou_paths=["Root/Workloads"])
    assert inv.hosts == {"target", "member-001", "member-002", "member-004", "member-005"}
    # Groups above the selected OU keep the nesting; OUs outside the selection get no group.
    assert inv.children("ou_root") == {"ou_root_workloads"}
    assert "ou_root_sandbox" not in inv.groups and "ou_root_security" not in inv.groups
    calls = org_calls(emu)
    # root, Workloads, Prod, Dev listed for OUs; accounts of Workloads, Prod and Dev only.
    assert calls["ListOrganizationalUnitsForParent"] == 4
    assert calls["ListAccountsForParent"] == 3
    assert calls["ListTagsForResource"] == 5


def test_overlapping_ou_paths_read_each_ou_once(emu, tmp_path):
    emu.client.clear_calls()
    inv = inventory(emu, tmp_path, ou_paths=["Root/Workloads/Prod", "Root/Workloads", OU["Root/Workloads/Dev"]])
    assert inv.hosts == {"target", "member-001", "member-002", "member-004", "member-005"}
    calls = org_calls(emu)
    assert calls["ListAccountsForParent"] == 3
    assert calls["ListOrganizationalUnitsForParent"] == 4


def test_ou_ids_and_paths_together(emu, tmp_path):
    inv = inventory(emu, tmp_path, ou_paths=[OU["Root/Sandbox"], "Root/Security", "/Root/Workloads/Dev/"])
    assert inv.hosts == {"member-003", "source", "member-002"}
    assert inv.hostvars["member-003"]["aws_account_ou_id"] == OU["Root/Sandbox"]


def test_ou_path_root_is_the_whole_organization(emu, tmp_path):
    assert inventory(emu, tmp_path, ou_paths=["Root"]).hosts == DEFAULT_HOSTS


def test_tag_filters_and_between_keys_or_between_values(emu, tmp_path):
    inv = inventory(emu, tmp_path, tag_filters={"team": "blue", "env": ["prod", "dev"]})
    assert inv.hosts == {"member-001", "member-005"}
    inv = inventory(emu, tmp_path, tag_filters={"env": "sandbox"})
    assert inv.hosts == {"member-003"}
    assert inventory(emu, tmp_path, tag_filters={"env": "nowhere"}).hosts == set()


def test_statuses_select_the_suspended_member(emu, tmp_path):
    inv = inventory(emu, tmp_path, statuses=["SUSPENDED"])
    assert inv.hosts == {SUSPENDED}
    assert inv.hostvars[SUSPENDED]["aws_account_status"] == "SUSPENDED"
    assert inventory(emu, tmp_path, statuses=["active", "suspended"]).hosts == DEFAULT_HOSTS | {SUSPENDED}


def test_include_and_exclude_account_ids(emu, tmp_path):
    inv = inventory(emu, tmp_path, include_account_ids=[SOURCE, member(3)["id"], member(6)["id"], THIRD],
                    exclude_account_ids=[member(3)["id"]])
    # member-003 is excluded, member-006 suspended, 333333333333 not in the organization: warned about, no host.
    assert inv.hosts == {"source"}
    warning = " ".join(inv.proc.stderr.split())
    assert f"include_account_ids: no host for {member(3)['id']}, {member(6)['id']}, {THIRD}" in warning
    assert inventory(emu, tmp_path, exclude_account_ids=[SOURCE, TARGET]).hosts == set(ACTIVE_MEMBERS)


def test_access_role_name(emu, tmp_path):
    inv = inventory(emu, tmp_path, access_role_name="AWSControlTowerExecution", include_account_ids=[TARGET])
    assert inv.hostvars["target"]["aws_account_access_role_arn"] == f"arn:aws:iam::{TARGET}:role/AWSControlTowerExecution"


# --- constructed features --------------------------------------------------------------------------

def test_keyed_groups_compose_and_conditional_groups(emu, tmp_path):
    inv = inventory(
        emu, tmp_path,
        keyed_groups=[{"key": "aws_account_tags.team", "prefix": "team"},
                      {"key": "aws_account_tags.env | default('untagged')", "prefix": "env"}],
        compose={"account_label": "aws_account_name ~ '@' ~ aws_account_ou_path",
                 "assume_via": "aws_account_access_role_arn"},
        groups={"blue_prod": "aws_account_tags.team | default('') == 'blue' and aws_account_ou_path.startswith('Root/Workloads/Prod')"},
    )
    assert inv.all_hosts("team_blue") == {"member-001", "member-003", "member-005"}
    assert inv.all_hosts("team_red") == {"member-002", "member-004"}
    assert inv.all_hosts("env_untagged") >= {"source", "target"}
    assert inv.all_hosts("env_prod") == {"member-001", "member-005"}
    assert inv.all_hosts("blue_prod") == {"member-001", "member-005"}
    assert inv.hostvars["member-002"]["account_label"] == "member-002@Root/Workloads/Dev"
    assert inv.hostvars["target"]["assume_via"] == f"arn:aws:iam::{TARGET}:role/OrganizationAccountAccessRole"


def test_strict_compose_error_names_the_variable(emu, tmp_path):
    message = failure(emu, tmp_path, strict=True, compose={"broken": "aws_account_tags.no_such_tag.deeper"})
    assert "Could not set broken" in message


def test_hosts_are_usable_in_a_play(emu, tmp_path):
    """A play over the inventory runs per account on the controller (ansible_connection local)."""
    path = write_config(tmp_path, {"ou_paths": ["Root/Workloads/Prod"]})
    playbook = tmp_path / "play.yml"
    out = tmp_path / "out"
    playbook.write_text(f"""
- hosts: ou_root_workloads_prod
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
  tasks:
    - ansible.builtin.copy:
        content: "{{{{ aws_account_access_role_arn }}}}"
        dest: "{out}-{{{{ aws_account_id }}}}"
        mode: "0600"
""")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", path, str(playbook)]
    proc = subprocess.run(command, env=inventory_env(emu), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for host_id in (TARGET, member(1)["id"], member(5)["id"]):
        with open(f"{out}-{host_id}", encoding="utf-8") as handle:
            assert handle.read() == f"arn:aws:iam::{host_id}:role/OrganizationAccountAccessRole"


def test_explicit_keys_work_and_secrets_never_show(emu, tmp_path):
    import configparser

    credentials = configparser.ConfigParser()
    credentials.read(emu.credentials_file)
    keys = credentials["management-admin"]
    secret = keys["aws_secret_access_key"]
    options = {"profile": None, "access_key": keys["aws_access_key_id"], "secret_key": secret,
               "endpoint_url": emu.endpoint_url, "region": "us-east-1"}
    proc = ansible_inventory(emu, write_config(tmp_path, options), "--list", "-vvvv")
    assert proc.returncode == 0, proc.stderr
    # At -vvvv ansible-inventory prints its set-up lines before the JSON document.
    listing = proc.stdout[proc.stdout.index("\n{\n") + 1:]
    assert set(json.loads(listing)["_meta"]["hostvars"]) == DEFAULT_HOSTS
    failed = ansible_inventory(emu, write_config(tmp_path, dict(options, ou_paths=["Root/Nowhere"])), "--list", "-vvvv")
    assert failed.returncode != 0
    for output in (proc.stdout, proc.stderr, failed.stdout, failed.stderr):
        assert secret not in output


# --- errors ----------------------------------------------------------------------------------------

def test_member_account_that_is_not_an_administrator_is_refused(emu, tmp_path):
    message = failure(emu, tmp_path, profile="source-admin")
    assert message.startswith("organizations:")
    assert "AccessDeniedException" in message
    assert "management account or of a delegated administrator" in message


def test_delegated_administrator_may_read(emu, tmp_path):
    emu.client.configure(delegated_admins=[SOURCE])
    assert inventory(emu, tmp_path, profile="source-admin").hosts == DEFAULT_HOSTS


def test_account_outside_the_organization_is_refused(emu, tmp_path):
    message = failure(emu, tmp_path, profile="third-admin")
    assert message.startswith("organizations:DescribeOrganization failed: AWSOrganizationsNotInUseException")
    assert message.endswith("(use the connection of the organization's management account or of a delegated administrator)")


def test_unknown_ou_path_names_the_entry_and_the_ous_that_exist(emu, tmp_path):
    message = failure(emu, tmp_path, ou_paths=["Root/Workloads", "Root/Workloads/Staging"])
    assert message == "ou_paths[1]: no OU 'Staging' under 'Root/Workloads' (its OUs are: 'Dev', 'Prod')"


def test_unknown_ou_id_and_path_outside_the_root(emu, tmp_path):
    assert failure(emu, tmp_path, ou_paths=["ou-emu1-99999999"]) == "ou_paths[0]: no OU with id 'ou-emu1-99999999' in this organization"
    message = failure(emu, tmp_path, ou_paths=["Workloads/Prod"])
    assert message.startswith("ou_paths[0]: an OU path starts with the root's name 'Root', as in 'Root/Workloads/Prod'")


@pytest.mark.parametrize("options, expected", [
    ({"statuses": ["ACTIVE", "GONE"]}, "statuses[1]: must be one of ACTIVE, SUSPENDED, PENDING_CLOSURE, PENDING_ACTIVATION, CLOSED, got 'GONE'"),
    ({"include_account_ids": ["1234"]}, "include_account_ids[0]: must be a 12-digit AWS account id"),
    ({"tag_filters": {"env": []}}, "tag_filters.env: must be a tag value or a non-empty list"),
    ({"ou_paths": ["ou-NOPE"]}, "ou_paths[0]: must be an OU id"),
    ({"access_role_name": "no spaces"}, "access_role_name: must be an IAM role name"),
    ({"profile": "management-admin", "access_key": "AKIAEXAMPLE", "secret_key": "x"}, "profile: cannot be combined"),
])
def test_bad_option_values_are_named_before_any_call(emu, tmp_path, options, expected):
    emu.client.clear_calls()
    message = failure(emu, tmp_path, **options)
    assert message.startswith(expected)
    assert "_Ansible" not in message  # plain values in messages, not ansible-core's tagged str subclasses
    assert emu.client.calls() == []


def test_config_file_name_must_end_in_organization_accounts(emu, tmp_path):
    proc = ansible_inventory(emu, write_config(tmp_path, {}, name="accounts.yml"), "--list")
    assert proc.returncode != 0
    assert "Failed to parse inventory with" not in proc.stderr  # the plugin did not claim the file


# --- throttling and cache --------------------------------------------------------------------------

def test_throttling_during_the_reads_converges(emu, tmp_path):
    baseline = inventory(emu, tmp_path).data
    emu.client.configure(throttle_rate=0.3, seed=7)
    emu.client.clear_calls()
    assert inventory(emu, tmp_path).data == baseline
    calls = emu.client.calls(service="organizations")
    assert [call for call in calls if call["injected"]], "the emulator throttled nothing"


def test_cache_second_run_makes_no_organizations_call(emu, tmp_path):
    cache_dir = tmp_path / "cache"
    options = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache_dir), "cache_timeout": 600}
    emu.client.clear_calls()
    first = inventory(emu, tmp_path, **options)
    assert org_calls(emu)["ListAccountsForParent"] == 6
    emu.client.clear_calls()
    second = inventory(emu, tmp_path, **options)
    assert second.data == first.data
    assert emu.client.calls() == []
    # The cache holds no secret (only account data) ...
    assert "secret" not in "".join(path.read_text() for path in cache_dir.iterdir()).lower()
    # ... a changed filter is a new cache entry, read from AWS ...
    narrowed = inventory(emu, tmp_path, ou_paths=["Root/Sandbox"], **options)
    assert narrowed.hosts == {"member-003"}
    assert org_calls(emu)["ListAccountsForParent"] == 1
    # ... and --flush-cache reads again.
    emu.client.clear_calls()
    proc = ansible_inventory(emu, write_config(tmp_path, options), "--list", "--flush-cache")
    assert proc.returncode == 0, proc.stderr
    assert org_calls(emu)["ListAccountsForParent"] == 6


# --- unreachable endpoint, larger organizations ----------------------------------------------------

def test_unreachable_endpoint_is_one_line(monkeypatch):
    """In-process: botocore retries a refused connection 10 times (about a minute of backoff), so the test
    keeps two attempts; the message is what ansible-inventory prints after the plugin's name."""
    from ansible_collections.crossaccount.aws.plugins.module_utils import _connection
    from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
    from ansible_collections.crossaccount.aws.plugins.plugin_utils import _organizations

    monkeypatch.setattr(_connection, "RETRY_CONFIG", {"mode": "standard", "total_max_attempts": 2})
    settings = _connection.ConnectionSettings(access_key="AKIAEXAMPLEEXAMPLE00", secret_key="not-a-secret",
                                              region="us-east-1", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(CrossAccountError) as info:
        _organizations.read_organization(_connection.AwsConnection(settings), _organizations.InventoryRequest())
    message = info.value.msg
    assert message.startswith("organizations:DescribeOrganization failed: EndpointConnectionError: Could not connect")
    assert "127.0.0.1:9" in message and "\n" not in message and "not-a-secret" not in message


@pytest.fixture(scope="module")
def big_org(tmp_path_factory):
    from emulator.testing import start_emulator

    with start_emulator(tmp_path_factory.mktemp("big-org"), "--member-accounts", "100") as running:
        yield running


def test_hundred_members_are_paged_and_counted(big_org, tmp_path):
    big_org.client.clear_calls()
    inv = inventory(big_org, tmp_path, hostnames="id")
    members = {member(i)["id"] for i in range(1, 100)}  # member 100 is suspended
    assert inv.hosts == members | {SOURCE, TARGET}
    assert inv.hostvars[member(97)["id"]]["aws_account_ou_path"] == "Root/Workloads/Prod"
    assert inv.hostvars[member(100 - 1)["id"]]["aws_account_tags"] == member(99)["tags"]
    calls = org_calls(big_org)
    # Prod 26 accounts, Dev, Sandbox and Workloads 25 each: two pages of at most 20; Security and root one each.
    assert calls["ListAccountsForParent"] == 10
    assert calls["ListOrganizationalUnitsForParent"] == 6
    assert calls["ListTagsForResource"] == len(inv.hosts)
    assert calls["ListAccounts"] == calls["ListParents"] == 0
