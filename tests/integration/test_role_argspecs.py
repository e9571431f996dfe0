# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles reject bad variables with a message naming the variable, before any AWS call."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
from ansible_runner import run_playbook

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: crossaccount.aws.{role}
"""
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY"

CASES: list[tuple[str, str, dict[str, t.Any], str]] = [
    ("target_account", "bad-account-id",
     {"target_account_aws": {"profile": "target-admin"}, "target_account_role_name": "r1",
      "target_account_trusted_account_ids": ["11111111111"]},
     "target_account_trusted_account_ids[0]: must be a 12-digit AWS account id"),
    ("target_account", "missing-role-name",
     {"target_account_aws": {"profile": "target-admin"}, "target_account_trusted_account_ids": ["111111111111"]},
     "missing required arguments: target_account_role_name"),
    ("target_account", "bad-duration",
     {"target_account_role_name": "r1", "target_account_trusted_account_ids": ["111111111111"],
      "target_account_max_session_duration": 60},
     "target_account_max_session_duration: must be a whole number of seconds from 3600 to 43200, got 60"),
    ("source_account", "bad-role-arn",
     {"source_account_aws": {"profile": "source-admin"}, "source_account_policy_name": "p1",
      "source_account_target_role_arns": ["arn:aws:iam::222222222222:user/someone"]},
     "source_account_target_role_arns[0]: must be an ARN of a role"),
    ("source_account", "inline-without-principals",
     {"source_account_policy_name": "p1", "source_account_policy_type": "inline",
      "source_account_target_role_arns": ["arn:aws:iam::222222222222:role/r1"]},
     "source_account_users: type=inline needs at least one of"),
    ("source_account", "bad-choice",
     {"source_account_policy_name": "p1", "source_account_policy_type": "attached",
      "source_account_target_role_arns": ["arn:aws:iam::222222222222:role/r1"]},
     "source_account_policy_type"),
    ("cross_account_access", "bad-account-id",
     {"cross_account_access_role_name": "r1", "cross_account_access_source_account_id": "1111-2222-3333"},
     "cross_account_access_source_account_id: must be a 12-digit AWS account id"),
    ("cross_account_access", "missing-role-name",
     {"cross_account_access_source_aws": {"profile": "source-admin"}},
     "missing required arguments: cross_account_access_role_name"),
    ("cross_account_access", "bad-role-name-and-external-id",
     {"cross_account_access_role_name": "no spaces allowed", "cross_account_access_external_id": "x"},
     "cross_account_access_role_name: must be an IAM role name made of"),
    ("cross_account_access", "unknown-connection-option",
     {"cross_account_access_role_name": "r1", "cross_account_access_target_aws": {"profle": "target-admin"}},
     "cross_account_access_target_aws.profle"),
    ("cross_account_access", "mfa-probe-without-token",
     {"cross_account_access_role_name": "r1", "cross_account_access_require_mfa": True},
     "cross_account_access_require_mfa: the probe needs cross_account_access_verify_mfa_serial_number"),
    ("cross_account_access", "profile-without-source-profile",
     {"cross_account_access_role_name": "r1", "cross_account_access_profile_name": "p",
      "cross_account_access_source_aws": {"access_key": "AKIAEMUSOURCEADMIN01", "secret_key": SECRET}},
     "cross_account_access_profile_source_profile: the profile p needs a source profile"),
]


@pytest.mark.parametrize(("role", "extra_vars", "message"), [(c[0], c[2], c[3]) for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_variables_fail_before_any_aws_call(emu: t.Any, role: str, extra_vars: dict[str, t.Any], message: str) -> None:
    emu.client.clear_calls()
    result = run_playbook(emu, PLAY.format(role=role), extra_vars=extra_vars)
    output = result.stdout + result.stderr
    assert result.rc != 0, output[-3000:]
    assert message in output, output[-3000:]
    assert emu.client.calls() == [], "an AWS call was made before the variables were checked"


def test_a_failed_check_shows_no_secret_at_high_verbosity(emu: t.Any, tmp_path: Path) -> None:
    extra_vars = {
        "cross_account_access_role_name": "bad name",
        "cross_account_access_source_aws": {"access_key": "AKIAEMUSOURCEADMIN01", "secret_key": SECRET},
        "cross_account_access_target_aws": {"access_key": "AKIAEMUSOURCEADMIN01", "secret_key": SECRET, "session_token": SECRET + "TOKEN"},
    }
    # A vars file, as in real use: at -vvvv ansible-playbook echoes its own command line, -e values included.
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
    result = run_playbook(emu, PLAY.format(role="cross_account_access"), extra_args=["-e", f"@{vars_file}"], verbosity=4)
    output = result.stdout + result.stderr
    assert result.rc != 0
    assert "cross_account_access_role_name: must be an IAM role name made of" in output
    assert SECRET not in output
    assert json.dumps(SECRET)[1:-1] not in output
