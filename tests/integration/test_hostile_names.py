# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values read from AWS are data on every supported core (SPEC "Values from AWS are data").

An emulator started with ``--hostile-names`` (tests/emulator/hostile.py) has member names, emails, OU
names and tags that run ``touch $XA_CANARY.<label>`` when Ansible templates them: brace templates, and
brace-free ones whose ``#jinja2:`` first line moves the delimiters. Real ``ansible-inventory`` and
``ansible-playbook`` processes read that organization through the inventory plugin, use every value in
host names, compose/groups/keyed_groups, ``inventory_hostname``, ``ansible_play_hosts``, ``groups``,
hostvars, facts and the organization_access report, and then:

* no canary file exists (nothing was rendered, on any core);
* every value that reached a fact or a file is the exact text AWS holds;
* host names hold only ``[A-Za-z0-9._-]``; names that collide after that are account ids.

Marked ``smoke``, so ``make test`` runs them on ansible-core 2.17, 2.18, 2.19 and 2.21.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from ansible_runner import COLLECTIONS_PATH, REPO_ROOT, inventory_env, inventory_text, run_playbook
from emulator import hostile
from emulator.testing import RunningEmulator, start_emulator

pytestmark = pytest.mark.smoke

PLUGIN = "crossaccount.aws.organization_accounts"
SOURCE = "111111111111"
HOST_RE = re.compile(r"[A-Za-z0-9._-]+")
MEMBER = {index: f"{200000000000 + index:012d}" for index in range(1, 6)}
HOSTILE = hostile.expected_names()
# Everything a user might do with the values: compose, conditional and keyed groups.
CONSTRUCTED = {
    "compose": {
        "ou_leaf": "aws_account_ou_path.split('/')[-1]",
        "label": "'account ' ~ aws_account_name",
        "team": "aws_account_tags.team | default('none')",
        "note": "aws_account_tags.note | default('')",
        "mail": "aws_account_email",
    },
    "groups": {"header_ou": "aws_account_ou_path is search('jinja2')"},
    "keyed_groups": [
        {"key": "aws_account_tags.team | default('none')", "prefix": "team"},
        {"key": "aws_account_name", "prefix": "name"},
        {"key": "aws_account_ou_path", "prefix": "ou"},
        {"key": "aws_account_tags", "prefix": "tag"},
    ],
}


@pytest.fixture(scope="session")
def hostile_emulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    with start_emulator(tmp_path_factory.mktemp("emulator-hostile"), "--hostile-names") as running:
        yield running


@pytest.fixture
def hemu(hostile_emulator: RunningEmulator) -> RunningEmulator:
    hostile_emulator.reset()
    return hostile_emulator


@pytest.fixture
def canary(tmp_path: Path) -> t.Iterator[Path]:
    """The prefix of the files a rendered hostile value creates; the test fails if any exists afterwards."""
    prefix = tmp_path / "canary"
    yield prefix
    fired = sorted(path.name for path in tmp_path.glob("canary*"))
    assert not fired, f"a value read from AWS was rendered as a template on the controller: {fired}"


def config_file(tmp_path: Path, **options: t.Any) -> Path:
    config = {"plugin": PLUGIN, "profile": "management-admin", "exclude_account_ids": [SOURCE], **CONSTRUCTED, **options}
    path = tmp_path / "hostile.organization_accounts.yml"
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path


def env_of(emu: RunningEmulator, canary: Path, **extra: str) -> dict[str, str]:
    return inventory_env(emu, **{hostile.CANARY_ENV: str(canary)}, **extra)


def ansible_inventory(emu: RunningEmulator, canary: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(path), *args]
    return subprocess.run(command, env=env_of(emu, canary), cwd=str(COLLECTIONS_PATH), capture_output=True, text=True,
                          timeout=300, check=False)


def raw_members(emu: RunningEmulator) -> dict[str, dict[str, t.Any]]:
    """The emulator's own record of each member (the text AWS holds), by account id."""
    return {member["id"]: member for member in emu.info["organization"]["members"]}


def test_inventory_list_and_graph_keep_every_value_as_text(hemu: RunningEmulator, tmp_path: Path, canary: Path) -> None:
    path = config_file(tmp_path)
    listed = ansible_inventory(hemu, canary, path, "--list")
    assert listed.returncode == 0, listed.stderr[-3000:]
    data = json.loads(listed.stdout)
    hostvars = {name: inventory_text(values) for name, values in data["_meta"]["hostvars"].items()}
    by_id = {values["aws_account_id"]: (name, values) for name, values in hostvars.items()}
    members = raw_members(hemu)

    # Host names: only [A-Za-z0-9._-]; the two names that collide once cleaned ("team a", "team/a") are ids.
    assert all(HOST_RE.fullmatch(name) for name in hostvars), sorted(hostvars)
    assert by_id[MEMBER[4]][0] == MEMBER[4] and by_id[MEMBER[5]][0] == MEMBER[5]
    assert by_id[MEMBER[1]][0] == "__lookup__pipe___touch__XA_CANARY.name____"
    assert by_id["222222222222"][0] == "target"
    # Every value is the text AWS holds, raw name included.
    for account_id, (_name, values) in by_id.items():
        raw = members[account_id]
        assert values["aws_account_name"] == raw["name"]
        assert values["aws_account_email"] == raw["email"]
        assert values["aws_account_ou_path"] == raw["ou_path"]
        assert values["aws_account_tags"] == raw["tags"]
        assert values["mail"] == raw["email"]
        assert values["label"] == "account " + raw["name"]
        assert values["ou_leaf"] == raw["ou_path"].split("/")[-1]
    assert by_id[MEMBER[1]][1]["note"] == hostile.MEMBER_TAGS["note"]
    # Group names: nothing but letters, digits and "_" whatever the value they come from.
    groups = {name for name in data if name != "_meta"}
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", group) for group in groups), sorted(groups)
    assert "header_ou" in groups

    # The graph shows host and group names only: nothing there is raw text from AWS (the Sandbox OU's name holds ESC).
    graph = ansible_inventory(hemu, canary, path, "--graph")
    assert graph.returncode == 0, graph.stderr[-3000:]
    assert f"|--{MEMBER[4]}" in graph.stdout and "|--@header_ou:" in graph.stdout
    assert not re.search(r"[^\x20-\x7e\n]", graph.stdout + graph.stderr + listed.stderr)


PLAY = """
- name: Use every value read from AWS
  hosts: organization_accounts
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Keep what this host sees
      ansible.builtin.set_fact:
        seen:
          host: "{{ inventory_hostname }}"
          short: "{{ inventory_hostname_short }}"
          id: "{{ aws_account_id }}"
          name: "{{ aws_account_name }}"
          email: "{{ aws_account_email }}"
          ou_path: "{{ aws_account_ou_path }}"
          tags: "{{ aws_account_tags }}"
          ou_leaf: "{{ ou_leaf }}"
          label: "{{ label }}"
          team: "{{ team }}"
          note: "{{ note }}"
          mail: "{{ mail }}"
          group_names: "{{ group_names }}"
          hostvar_name: "{{ hostvars[inventory_hostname].aws_account_name }}"
        cacheable: true

    - name: Say who we are
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} {{ aws_account_name }} {{ ou_leaf }} {{ note }} {{ team }}"

    - name: Gather every host's view
      run_once: true
      ansible.builtin.set_fact:
        everything: "{{ ansible_play_hosts | map('extract', hostvars, 'seen') | list }}"
        play_hosts_seen: "{{ ansible_play_hosts }}"
        play_batch_seen: "{{ ansible_play_batch }}"
        groups_seen: "{{ groups }}"

    - name: Write it down
      run_once: true
      delegate_to: localhost
      ansible.builtin.copy:
        content: "{{ {'everything': everything, 'play_hosts': play_hosts_seen, 'batch': play_batch_seen, 'groups': groups_seen} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"

    - name: Template every value into a file
      delegate_to: localhost
      ansible.builtin.template:
        src: "{{ template_src }}"
        dest: "{{ out }}.{{ aws_account_id }}.txt"
        mode: "0600"
"""

TEMPLATE = """{{ inventory_hostname }}
{{ aws_account_name }}
{{ aws_account_email }}
{{ aws_account_ou_path }}
{{ aws_account_tags | to_json }}
{{ note }}
"""


def test_play_uses_every_value_and_renders_none(hemu: RunningEmulator, tmp_path: Path, canary: Path) -> None:
    inventory_file = config_file(tmp_path)
    out = tmp_path / "seen.json"
    template = tmp_path / "values.j2"
    template.write_text(TEMPLATE, encoding="utf-8")
    result = run_playbook(hemu, PLAY, extra_vars={"out": str(out), "template_src": str(template)},
                          env={hostile.CANARY_ENV: str(canary)},
                          extra_args=["-i", str(inventory_file)])
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    members = raw_members(hemu)
    views = {view["id"]: view for view in seen["everything"]}
    assert set(views) == {account for account, member in members.items()
                          if member["status"] == "ACTIVE" and account not in (SOURCE, "100000000000")}
    for account_id, view in views.items():
        raw = members[account_id]
        assert HOST_RE.fullmatch(view["host"]) and view["short"] == view["host"].split(".")[0]
        assert (view["name"], view["hostvar_name"], view["email"], view["mail"]) == (raw["name"], raw["name"], raw["email"], raw["email"])
        assert view["ou_path"] == raw["ou_path"] and view["ou_leaf"] == raw["ou_path"].split("/")[-1]
        assert view["tags"] == raw["tags"] and view["label"] == "account " + raw["name"]
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", group) for group in view["group_names"])
        rendered = (tmp_path / f"seen.json.{account_id}.txt").read_text(encoding="utf-8").split("\n")
        assert rendered[:4] == [view["host"], raw["name"], raw["email"], raw["ou_path"].split("\n")[0]]
    assert views[MEMBER[1]]["note"] == hostile.MEMBER_TAGS["note"] and views[MEMBER[1]]["team"] == hostile.MEMBER_TAGS["team"]
    assert sorted(seen["play_hosts"]) == sorted(view["host"] for view in views.values()) == sorted(seen["batch"])


def _without_access_role(emu: RunningEmulator, account: str) -> None:
    """The member can no longer be reached: its row fails and its host goes to the retry file."""
    creds = emu.aws("sts", "management-admin").assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                                           RoleSessionName="hostile-test")["Credentials"]
    iam = emu.aws("iam", credentials=creds)
    for policy in iam.list_attached_role_policies(RoleName="OrganizationAccountAccessRole")["AttachedPolicies"]:
        iam.detach_role_policy(RoleName="OrganizationAccountAccessRole", PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName="OrganizationAccountAccessRole")


def test_organization_access_playbook_and_report_over_hostile_names(hemu: RunningEmulator, tmp_path: Path, canary: Path) -> None:
    inventory_file = config_file(tmp_path)
    report_dir = tmp_path / "report"
    env = {"CROSSACCOUNT_EMULATOR_URL": hemu.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(tmp_path / "cache"),
           hostile.CANARY_ENV: str(canary)}
    # The member whose name is a template fails, in waves, so its name reaches errors, the retry file and the fact.
    _without_access_role(hemu, MEMBER[1])
    overrides = {"organization_access_report_path": str(report_dir), "organization_access_verify_timeout": 30,
                 "organization_access_fail_on_error": False, "organization_access_batch": [2, "100%"]}
    result = run_playbook(hemu, REPO_ROOT / "playbooks" / "organization_access.yml", env=env,
                          extra_args=["-i", str(inventory_file), "--forks", "10",
                                      "-e", f"@{REPO_ROOT / 'playbooks' / 'vars' / 'organization_access.yml'}",
                                      "-e", json.dumps(overrides)])
    assert result.rc == 0, result.stdout[-6000:] + result.stderr[-3000:]
    members = raw_members(hemu)
    document = json.loads((report_dir / "organization_access_report.json").read_text(encoding="utf-8"))
    names = {row["account_id"]: row["account_name"] for row in document["accounts"]}
    assert names[MEMBER[1]] == HOSTILE["members"][MEMBER[1]]
    assert all(names[account] == members[account]["name"] for account in names)
    assert {row["account_id"] for row in document["accounts"] if row["status"] != "ok"} == {MEMBER[1]}, document
    failed = next(row for row in document["accounts"] if row["account_id"] == MEMBER[1])
    assert failed["error"].startswith("role: sts:AssumeRole failed: AccessDenied") and failed["account_name"] == HOSTILE["members"][MEMBER[1]]
    # The retry file holds the host's clean name only, one per line: nothing --limit could read as a pattern.
    retry = (report_dir / "organization_access.retry").read_text(encoding="utf-8").splitlines()
    assert retry == [failed["host"]] and HOST_RE.fullmatch(retry[0])

    # The report: a private directory made by the role, private files, Markdown that shows the names as text.
    assert stat.S_IMODE(report_dir.stat().st_mode) == 0o700
    for name in ("organization_access_report.json", "organization_access_report.md", "organization_access.retry"):
        assert stat.S_IMODE((report_dir / name).stat().st_mode) == 0o600, name
    markdown = (report_dir / "organization_access_report.md").read_text(encoding="utf-8")
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {MEMBER[2]} |"))
    assert row.count(" | ") == 7, row  # eight cells: none was split by a "|" of the name
    for syntax in ("*x*", "_y_", "[l](", "<b>", "{{7*7}}"):
        assert syntax not in row, (syntax, row)
    assert "\\*x\\*" in row and "&lt;b&gt;" in row and "\\[l\\]\\(" in row
