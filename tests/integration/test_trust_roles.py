# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles pass the trust intents and lint through; the two-account flow lints clean."""

from __future__ import annotations

import json
import typing as t

from ansible_runner import run_playbook
from test_playbooks import DEMO_VARS, _env

ORG = "o-emulator0001"
SECURITY_PATH = f"{ORG}/r-emu1/ou-emu1-00000001/"

TARGET_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: crossaccount.aws.target_account
"""


def test_target_account_role_trusts_an_ou_without_account_ids(emu: t.Any) -> None:
    extra = {"target_account_aws": {"profile": "target-admin"}, "target_account_role_name": "org-reader",
             "target_account_trusted_org_id": ORG, "target_account_trusted_org_paths": [SECURITY_PATH], "target_account_lint": "error"}
    result = run_playbook(emu, TARGET_PLAY, extra_vars=extra)
    assert result.rc == 0, (result.stdout + result.stderr)[-4000:]
    stored = emu.aws("iam", profile="target-admin").get_role(RoleName="org-reader")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": ORG}
    sts = emu.aws("sts", profile="source-admin")
    assert sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/org-reader", RoleSessionName="role-test")["Credentials"]


def test_target_account_role_names_the_bad_trust_variable(emu: t.Any) -> None:
    extra = {"target_account_aws": {"profile": "target-admin"}, "target_account_role_name": "org-reader",
             "target_account_trusted_org_id": "o-NOPE"}
    result = run_playbook(emu, TARGET_PLAY, extra_vars=extra)
    assert result.rc != 0
    assert "target_account_trusted_org_id: must be an organization id" in result.stdout
    assert emu.client.calls(service="iam") == []


def test_the_two_account_flow_lints_clean_with_lint_error(emu: t.Any, tmp_path: t.Any) -> None:
    overrides = {"cross_account_access_lint": "error", "cross_account_access_verify_s3_buckets": [], "cross_account_access_profile_name": ""}
    result = run_playbook(emu, "playbooks/cross_account_access.yml", env=_env(emu, tmp_path),
                          extra_args=["-e", f"@{DEMO_VARS}", "-e", json.dumps(overrides)])
    output = result.stdout + result.stderr
    assert result.rc == 0, output[-6000:]
    assert "lint" not in output.lower().replace("playbook", "")  # no finding became a warning or a failure
