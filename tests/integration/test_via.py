# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role chaining with ``via``: assume_role, verify_access and the lookup against the emulator."""

from __future__ import annotations

import configparser
import json
import os
import textwrap
import typing as t

import pytest
from ansible_runner import run_module, run_playbook
from credentials_support import SOURCE, TARGET, THIRD, assume_calls, role_arn, trust

LOOKUP = "crossaccount.aws.assumed_credentials"
SOURCE_ADMIN_KEY = "AKIAEMUSOURCEADMIN01"
HUB = role_arn("Hub", SOURCE)
ALLOW_ASSUME = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def make_hub(emu: t.Any, trusted: str = f"arn:aws:iam::{SOURCE}:root") -> str:
    """A hub role in the source account that may assume roles elsewhere."""
    iam = emu.aws("iam", profile="source-admin", max_attempts=5)
    iam.create_role(RoleName="Hub", AssumeRolePolicyDocument=json.dumps(trust(principal=trusted)))
    iam.put_role_policy(RoleName="Hub", PolicyName="assume-anything", PolicyDocument=json.dumps(ALLOW_ASSUME))
    return HUB


def make_leaf(emu: t.Any, name: str, account: str = TARGET, trusted: str = HUB) -> str:
    profile = {TARGET: "target-admin", THIRD: "third-admin"}[account]
    iam = emu.aws("iam", profile=profile, max_attempts=5)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust(principal=trusted)))
    return role_arn(name, account)


@pytest.fixture
def fleet(emu: t.Any) -> list[str]:
    make_hub(emu)
    leaves = [make_leaf(emu, f"Leaf{i}", TARGET if i % 2 else THIRD) for i in range(1, 5)]
    emu.client.clear_calls()
    return leaves


def check(result: t.Any) -> None:
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]


def test_lookup_fleet_through_one_hub_makes_one_plus_n_calls(emu: t.Any, fleet: list[str], tmp_path: t.Any) -> None:
    cache_dir = tmp_path / "cache"
    out = tmp_path / "arns.json"
    tasks = ""
    for round_ in range(2):
        for index in range(len(fleet)):
            tasks += f"""
    - name: Leaf {index}, round {round_}
      ansible.builtin.set_fact:
        who_{index}: "{{{{ lookup('{LOOKUP}', leaves[{index}], via=[hub], profile='source-admin', cache_dir=cache_dir,
                          format='credential_process').AccountId }}}}"
"""
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
{tasks}
    - ansible.builtin.copy:
        content: "{{{{ [{', '.join(f'who_{i}' for i in range(len(fleet)))}] | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    check(run_playbook(emu, play, extra_vars={"leaves": fleet, "hub": HUB, "cache_dir": str(cache_dir)}))
    assert json.loads(out.read_text()) == [TARGET, THIRD, TARGET, THIRD]
    calls = [c for c in assume_calls(emu) if c["error_code"] is None]
    # 1 + N: the hub once (with the source's keys), then each leaf once (with the hub's session).
    assert len(calls) == 1 + len(fleet), calls
    assert [c["access_key"] for c in calls].count(SOURCE_ADMIN_KEY) == 1
    assert calls[0]["access_key"] == SOURCE_ADMIN_KEY
    assert len({c["access_key"] for c in calls[1:]}) == 1
    assert len(assume_calls(emu)) == 1 + len(fleet)
    # One cache entry per hop: the hub's and each leaf's.
    assert len([name for name in os.listdir(cache_dir) if name.endswith(".json")]) == 1 + len(fleet)


def test_lookup_several_terms_share_the_hub(emu: t.Any, fleet: list[str], tmp_path: t.Any) -> None:
    out = tmp_path / "out.json"
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "{{{{ query('{LOOKUP}', *leaves, via=[{{'role_arn': hub, 'role_session_name': 'hub-session'}}], profile='source-admin',
                           cache_dir=cache_dir, format='credential_process') | map(attribute='AccountId') | list | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    check(run_playbook(emu, play, extra_vars={"leaves": fleet, "hub": HUB, "cache_dir": str(tmp_path / "cache")}))
    assert json.loads(out.read_text()) == [TARGET, THIRD, TARGET, THIRD]
    assert len(assume_calls(emu)) == 1 + len(fleet)


@pytest.mark.parametrize(("extra", "option"), [
    ({"duration_seconds": 7200}, "duration_seconds"),
    ({"via": [{"role_arn": HUB}, {"role_arn": role_arn("Leaf1"), "duration_seconds": 7200}]}, "via[1].duration_seconds"),
])
def test_chaining_cap_is_refused_before_any_call(emu: t.Any, fleet: list[str], tmp_path: t.Any, extra: dict[str, t.Any],
                                                 option: str) -> None:
    args = {"role_arn": fleet[1], "via": [HUB], **extra}
    for module in ("assume_role", "verify_access"):
        result = run_module(emu, module, args, profile="source-admin")
        assert result["failed"] and result["msg"].startswith(option), result["msg"]
    duration = ", duration_seconds=opts.duration_seconds" if "duration_seconds" in extra else ""
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{{{ lookup('{LOOKUP}', opts.role_arn, via=opts.via, profile='source-admin', cache_dir=cache_dir{duration}) }}}}"
"""
    result = run_playbook(emu, play, extra_vars={"opts": args, "cache_dir": str(tmp_path / "cache")})
    assert result.rc != 0 and option in result.stdout, result.stdout[-3000:]
    assert assume_calls(emu) == []
    assert emu.client.calls(service="sts") == []


def test_assume_role_module_chains_through_the_hub(emu: t.Any, fleet: list[str]) -> None:
    result = run_module(emu, "assume_role", {"role_arn": fleet[0], "via": [HUB]}, profile="source-admin")
    assert not result["failed"], result
    assert result["assumed_role"]["arn"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/Leaf1/")
    assert result["account_id"] == TARGET
    calls = assume_calls(emu)
    assert len(calls) == 2 and calls[0]["access_key"] == SOURCE_ADMIN_KEY and calls[1]["access_key"] != SOURCE_ADMIN_KEY


def test_assume_role_names_the_denied_hop(emu: t.Any) -> None:
    make_hub(emu)
    # The second hop does not trust the hub.
    make_leaf(emu, "Stranger", trusted=f"arn:aws:iam::{THIRD}:root")
    second = role_arn("Second", TARGET)
    make_leaf(emu, "Second")
    emu.client.clear_calls()
    result = run_module(emu, "assume_role", {"role_arn": second, "via": [HUB, role_arn("Stranger")], "wait_timeout": 0},
                        profile="source-admin")
    assert result["failed"]
    assert result["msg"].startswith(f"via[1] {role_arn('Stranger')}: sts:AssumeRole failed: AccessDenied"), result["msg"]
    assert len(assume_calls(emu)) == 2


def test_verify_access_diagnosis_names_the_denied_hop(emu: t.Any) -> None:
    make_hub(emu)
    leaf = make_leaf(emu, "Untrusting", trusted=f"arn:aws:iam::{THIRD}:root")
    emu.client.clear_calls()
    result = run_module(emu, "verify_access", {"role_arn": leaf, "via": [HUB], "wait_timeout": 0, "target_aws": {"profile": "target-admin"}},
                        profile="source-admin")
    assert result["failed"]
    assert result["msg"].startswith(f"role_arn {leaf}: the trust policy of role Untrusting does not name account {SOURCE}"), result["msg"]
    assert all(sentence.startswith(f"role_arn {leaf}: ") for sentence in result["diagnosis"]), result["diagnosis"]
    checks = {c["name"]: c["ok"] for c in result["checks"]}
    assert checks["assume_role:via[0]"] is True and checks["assume_role"] is False

    # Now the hub itself refuses the source: the first hop is named.
    emu.aws("iam", profile="source-admin").update_assume_role_policy(
        RoleName="Hub", PolicyDocument=json.dumps(trust(principal=f"arn:aws:iam::{THIRD}:root")))
    result = run_module(emu, "verify_access", {"role_arn": leaf, "via": [HUB], "wait_timeout": 0}, profile="source-admin")
    assert result["failed"]
    assert result["msg"].startswith(f"via[0] {HUB}: the trust policy of role Hub does not name"), result["msg"]


def test_verify_access_through_the_hub_passes(emu: t.Any, fleet: list[str]) -> None:
    result = run_module(emu, "verify_access", {"role_arn": fleet[1], "via": [HUB], "expected_account_id": THIRD,
                                               "expected_role_name": "Leaf2"}, profile="source-admin")
    assert not result["failed"], result
    assert result["verified"] and result["identity"]["account"] == THIRD
    names = [c["name"] for c in result["checks"]]
    assert names.index("assume_role:via[0]") < names.index("assume_role") < names.index("caller_identity")


def test_no_secret_of_any_hop_at_vvvv(emu: t.Any, fleet: list[str], tmp_path: t.Any) -> None:
    cache_dir = tmp_path / "cache"
    log = tmp_path / "ansible.log"
    out = tmp_path / "creds.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/crossaccount.aws.aws: "{{{{ lookup('{LOOKUP}', leaves[1], via=[hub], profile='source-admin', cache_dir=cache_dir,
                                                    endpoint_url=endpoint, region='us-east-1') }}}}"
          tasks:
            - name: Identity through the lookup's chain
              crossaccount.aws.verify_access:
                expected_account_id: "{THIRD}"
            - name: A chain in a module, registered (no no_log)
              crossaccount.aws.assume_role:
                profile: source-admin
                access_key: "{{{{ omit }}}}"
                secret_key: "{{{{ omit }}}}"
                session_token: "{{{{ omit }}}}"
                endpoint_url: "{{{{ omit }}}}"
                role_arn: "{{{{ leaves[0] }}}}"
                via: ["{{{{ hub }}}}"]
              register: chained
            - name: Verify through the chain as well
              crossaccount.aws.verify_access:
                profile: source-admin
                access_key: "{{{{ omit }}}}"
                secret_key: "{{{{ omit }}}}"
                session_token: "{{{{ omit }}}}"
                endpoint_url: "{{{{ omit }}}}"
                role_arn: "{{{{ leaves[2] }}}}"
                via: ["{{{{ hub }}}}"]
            - ansible.builtin.copy:
                content: "{{{{ chained.credentials | to_json }}}}"
                dest: "{out}"
                mode: "0600"
              no_log: true
    """)
    result = run_playbook(emu, play, verbosity=4, extra_vars={"leaves": fleet, "hub": HUB, "cache_dir": str(cache_dir),
                                                              "endpoint": emu.endpoint_url}, env={"ANSIBLE_LOG_PATH": str(log)})
    check(result)
    secrets = {}
    for name in os.listdir(cache_dir):
        if name.endswith(".json"):
            entry = json.loads((cache_dir / name).read_text())["credentials"]
            secrets[f"{name} secret"] = entry["secret_key"]
            secrets[f"{name} token"] = entry["session_token"]
    chained = json.loads(out.read_text())
    secrets.update({"module secret": chained["secret_key"], "module token": chained["session_token"]})
    source = configparser.ConfigParser()
    source.read(emu.credentials_file)
    secrets["source secret"] = source["source-admin"]["aws_secret_access_key"]
    assert len(secrets) == 7
    text = {"stdout": result.stdout, "stderr": result.stderr, "log": log.read_text()}
    assert "assumed-role/Leaf3" in text["log"]
    for where, value in text.items():
        for what, secret in secrets.items():
            assert secret not in value, f"{what} in {where}"
