# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role refuses exactly what its module refuses: the same bad input, given to the module and to the role (one batched
playbook per role), gets the same refusal, with the role naming its variable.

Each case is (id, role variables, module arguments, module option, role variable): the module's message, with the
option replaced by the variable, must be one of the role's problems, and neither side may call AWS. The module's
refusal is what its ARGSPEC and handle() decide before asking for the AWS connection, in this process
(tests/unit/offline_module.py); the modules' own integration tests prove a module process refuses the same way.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from ansible_runner import run_playbook

from ansible_collections.crossaccount.aws.tests.unit.offline_module import outcome  # isort: skip

SOURCE = "111111111111"
TARGET = "222222222222"
ROLE_ARN = f"arn:aws:iam::{TARGET}:role/r"
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
OIDC = {"provider": "https://token.actions.githubusercontent.com", "audience": "sts.amazonaws.com", "subjects": ["repo:o/r:*"]}


class Case(t.NamedTuple):
    id: str
    variables: dict[str, t.Any]
    arguments: dict[str, t.Any]
    option: str
    variable: str


def _ta(**variables: t.Any) -> dict[str, t.Any]:
    base = {"target_account_role_name": "r", "target_account_trusted_account_ids": [SOURCE]}
    base.update(variables)
    return base


def _tr(**arguments: t.Any) -> dict[str, t.Any]:
    base = {"name": "r", "trusted_account_ids": [SOURCE]}
    base.update(arguments)
    return base


def _sa(**variables: t.Any) -> dict[str, t.Any]:
    base = {"source_account_policy_name": "p", "source_account_target_role_arns": [ROLE_ARN]}
    base.update(variables)
    return base


def _sp(**arguments: t.Any) -> dict[str, t.Any]:
    base = {"name": "p", "target_role_arns": [ROLE_ARN]}
    base.update(arguments)
    return base


def _caa(**variables: t.Any) -> dict[str, t.Any]:
    base = {"cross_account_access_role_name": "r", "cross_account_access_source_account_id": SOURCE}
    base.update(variables)
    return base


TARGET_ACCOUNT = [
    Case("name", _ta(target_account_role_name="bad name"), _tr(name="bad name"), "name", "target_account_role_name"),
    Case("path", _ta(target_account_role_path="team"), _tr(path="team"), "path", "target_account_role_path"),
    Case("account-id", _ta(target_account_trusted_account_ids=["1234"]), _tr(trusted_account_ids=["1234"]),
         "trusted_account_ids", "target_account_trusted_account_ids"),
    Case("external-id", _ta(target_account_external_id="x"), _tr(external_id="x"), "external_id", "target_account_external_id"),
    Case("duration", _ta(target_account_max_session_duration=60), _tr(max_session_duration=60),
         "max_session_duration", "target_account_max_session_duration"),
    Case("tags", _ta(target_account_tags={"aws:team": "x"}), _tr(tags={"aws:team": "x"}), "tags", "target_account_tags"),
    Case("managed", _ta(target_account_managed_policies=["arn:aws:s3:::bucket"]), _tr(managed_policies=["arn:aws:s3:::bucket"]),
         "managed_policies", "target_account_managed_policies"),
    Case("inline", _ta(target_account_inline_policies={"bad name": DOC}), _tr(inline_policies={"bad name": DOC}),
         "inline_policies", "target_account_inline_policies"),
    Case("org-id", _ta(target_account_trusted_org_id="o-NOPE"), _tr(trusted_org_id="o-NOPE"), "trusted_org_id", "target_account_trusted_org_id"),
    Case("org-paths", _ta(target_account_trusted_org_paths=["o-abcdefghij/"]), _tr(trusted_org_paths=["o-abcdefghij/"]),
         "trusted_org_paths", "target_account_trusted_org_paths"),
    Case("pattern", _ta(target_account_trusted_principal_patterns=["arn:aws:iam::*:role/ci-*"]),
         _tr(trusted_principal_patterns=["arn:aws:iam::*:role/ci-*"]), "trusted_principal_patterns", "target_account_trusted_principal_patterns"),
    Case("oidc", _ta(target_account_trusted_oidc=dict(OIDC, provider="http://token.example.com")),
         _tr(trusted_oidc=dict(OIDC, provider="http://token.example.com")), "trusted_oidc", "target_account_trusted_oidc"),
    Case("source-account-without-services", _ta(target_account_trusted_services_source_account=SOURCE), _tr(source_account=SOURCE),
         "source_account", "target_account_trusted_services_source_account"),
    Case("mfa-for-a-service", _ta(target_account_trusted_account_ids=[], target_account_trusted_services=["ec2.amazonaws.com"],
                                  target_account_require_mfa=True),
         _tr(trusted_account_ids=None, trusted_services=["ec2.amazonaws.com"], require_mfa=True), "require_mfa", "target_account_require_mfa"),
    Case("known-account", _ta(target_account_known_account_ids=["1"]), _tr(known_account_ids=["1"]),
         "known_account_ids", "target_account_known_account_ids"),
]

SOURCE_ACCOUNT = [
    Case("name", _sa(source_account_policy_name="bad name!"), _sp(name="bad name!"), "name", "source_account_policy_name"),
    Case("path", _sa(source_account_policy_path="team"), _sp(path="team"), "path", "source_account_policy_path"),
    Case("user-arn", _sa(source_account_target_role_arns=[f"arn:aws:iam::{TARGET}:user/x"]),
         _sp(target_role_arns=[f"arn:aws:iam::{TARGET}:user/x"]), "target_role_arns", "source_account_target_role_arns"),
    Case("no-targets", _sa(source_account_target_role_arns=[]), _sp(target_role_arns=None), "target_role_arns", "source_account_target_role_arns"),
    Case("user-name", _sa(source_account_users=["bad/name"]), _sp(users=["bad/name"]), "users", "source_account_users"),
    Case("inline-without-principals", _sa(source_account_policy_type="inline"), _sp(type="inline"), "users", "source_account_users"),
    Case("inline-with-purge", _sa(source_account_policy_type="inline", source_account_users=["u"], source_account_purge_attachments=True),
         _sp(type="inline", users=["u"], purge_attachments=True), "purge_attachments", "source_account_purge_attachments"),
    Case("organization-and-arns", _sa(source_account_target_organization_id="o-abcdefghij", source_account_target_role_name="r"),
         _sp(target_organization_id="o-abcdefghij", target_role_name="r"), "target_organization_id", "source_account_target_organization_id"),
    Case("organization-path-wildcard", _sa(source_account_target_role_arns=[], source_account_target_organization_id="o-abcdefghij",
                                           source_account_target_role_name="r", source_account_target_role_path="/team*/"),
         _sp(target_role_arns=None, target_organization_id="o-abcdefghij", target_role_name="r", target_role_path="/team*/"),
         "target_role_path", "source_account_target_role_path"),
    Case("known-account", _sa(source_account_known_account_ids=["1"]), _sp(known_account_ids=["1"]), "known_account_ids",
         "source_account_known_account_ids"),
]

CROSS_ACCOUNT_ACCESS: list[tuple[Case, str]] = [
    (Case("name", _caa(cross_account_access_role_name="bad name"), _tr(name="bad name"), "name", "cross_account_access_role_name"),
     "target_role"),
    (Case("external-id", _caa(cross_account_access_external_id="x"), _tr(external_id="x"), "external_id", "cross_account_access_external_id"),
     "target_role"),
    (Case("duration", _caa(cross_account_access_max_session_duration=60), _tr(max_session_duration=60), "max_session_duration",
          "cross_account_access_max_session_duration"), "target_role"),
    (Case("user-name", _caa(cross_account_access_users=["bad/name"]), _sp(users=["bad/name"]), "users", "cross_account_access_users"),
     "source_policy"),
    (Case("inline-without-principals", _caa(cross_account_access_policy_type="inline"), _sp(type="inline"), "users",
          "cross_account_access_users"), "source_policy"),
    (Case("verify-timeout", _caa(cross_account_access_verify_timeout=99999), {"role_arn": ROLE_ARN, "wait_timeout": 99999}, "wait_timeout",
          "cross_account_access_verify_timeout"), "verify_access"),
    (Case("verify-bucket", _caa(cross_account_access_verify_s3_buckets=["no such bucket"]), {"role_arn": ROLE_ARN, "s3_buckets": ["no such bucket"]},
          "s3_buckets", "cross_account_access_verify_s3_buckets"), "verify_access"),
    (Case("verify-mfa-without-token", _caa(cross_account_access_verify_mfa_serial_number=f"arn:aws:iam::{SOURCE}:mfa/me"),
          {"role_arn": ROLE_ARN, "mfa_serial_number": f"arn:aws:iam::{SOURCE}:mfa/me"}, "mfa_serial_number",
          "cross_account_access_verify_mfa_serial_number"), "verify_access"),
]

PROFILES = {"target_role": "target-admin", "source_policy": "source-admin", "verify_access": "source-admin"}


def _role_refusals(emu: t.Any, tmp_path: Path, role: str, cases: t.Sequence[Case]) -> dict[str, str]:
    """Every case of one role in one playbook: case id -> the role's failure message."""
    tasks = []
    for case in cases:
        variables = "\n".join(f"            {name}: {json.dumps(value)}" for name, value in case.variables.items())
        tasks.append(f"""
    - name: "case {case.id}"
      block:
        - name: "role {case.id}"
          ansible.builtin.include_role:
            name: crossaccount.aws.{role}
          vars:
{variables}
      rescue:
        - name: "case {case.id} refused"
          ansible.builtin.set_fact:
            refusals: "{{{{ refusals | combine({{'{case.id}': ansible_failed_result.msg}}) }}}}"
""")
    out = tmp_path / f"{role}.json"
    play = f"""
- hosts: localhost
  gather_facts: false
  vars:
    refusals: {{}}
  tasks:
{"".join(tasks)}
    - name: Write the refusals
      ansible.builtin.copy:
        content: "{{{{ refusals | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    emu.client.clear_calls()
    result = run_playbook(emu, play)
    assert result.rc == 0, (result.stdout + result.stderr)[-4000:]
    assert emu.client.calls() == [], "the role called AWS before refusing its variables"
    return t.cast("dict[str, str]", json.loads(out.read_text(encoding="utf-8")))


def _module_refusal(module: str, case: Case) -> str:
    arguments = {key: value for key, value in case.arguments.items() if value is not None}
    arguments["profile"] = PROFILES[module]
    message = outcome(module, arguments)
    assert message is not None, f"{module} accepted {case.id}"
    assert message.startswith(case.option), (case.id, message)
    return message


def _assert_same(emu: t.Any, tmp_path: Path, role: str, cases: t.Sequence[tuple[Case, str]]) -> None:
    refusals = _role_refusals(emu, tmp_path, role, [case for case, _module in cases])
    assert sorted(refusals) == sorted(case.id for case, _module in cases), "a bad input was accepted by the role"
    for case, module in cases:
        expected = case.variable + _module_refusal(module, case)[len(case.option):]
        assert expected in refusals[case.id], (case.id, expected, refusals[case.id])


def test_target_account_refuses_what_target_role_refuses(emulator: t.Any, tmp_path: Path) -> None:
    _assert_same(emulator, tmp_path, "target_account", [(case, "target_role") for case in TARGET_ACCOUNT])


def test_source_account_refuses_what_source_policy_refuses(emulator: t.Any, tmp_path: Path) -> None:
    _assert_same(emulator, tmp_path, "source_account", [(case, "source_policy") for case in SOURCE_ACCOUNT])


def test_cross_account_access_refuses_what_its_modules_refuse(emulator: t.Any, tmp_path: Path) -> None:
    _assert_same(emulator, tmp_path, "cross_account_access", CROSS_ACCOUNT_ACCESS)


def test_target_account_leaves_the_trust_requirement_to_target_role(emulator: t.Any) -> None:
    # target_role needs a trust option only to create a role (an existing role keeps its trust policy), which it
    # learns from a read: the role's check before any AWS call does not refuse a role variable set without one.
    result = run_playbook(emulator, """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Check only
      ansible.builtin.include_role:
        name: crossaccount.aws.target_account
        tasks_from: validate
      vars:
        target_account_role_name: r
        target_account_trusted_account_ids: []
""")
    assert result.rc == 0, (result.stdout + result.stderr)[-3000:]
