# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guardrails you can see: service and resource control policies named by verify_access's diagnosis, the
guardrail_check pre-flight, the guardrail_denies lint and trust_report's verdict, against the emulator's
Organizations policy API and its enforcement, with real module processes."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible_runner import run_module, run_playbook

MANAGEMENT, SOURCE, TARGET, THIRD = "100000000000", "111111111111", "222222222222", "333333333333"
ROOT = "r-emu1"
SECURITY, WORKLOADS, PROD, DEV, SANDBOX = (f"ou-emu1-0000000{i}" for i in range(1, 6))
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
FULL_SCP = "p-FullAWSAccess"
ORG_ID = "o-emulator0001"
TARGET_ADMIN_ROLE = f"arn:aws:iam::{TARGET}:role/EmulatorTargetAdmin"
SOURCE_ADMIN = f"arn:aws:iam::{SOURCE}:user/emulator-admin"
THIRD_ADMIN = f"arn:aws:iam::{THIRD}:user/emulator-admin"
ORGANIZATION_AWS = {"profile": "management-admin"}
STS_ASSUME = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
# The data-perimeter RCP of AWS's samples: nobody outside the organization may assume roles of these accounts.
ORG_ONLY = {"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": STS_ASSUME, "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}}


def member(index: int) -> str:
    return f"{200000000000 + index:012d}"


def document(*statements: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def deny_assume(sid: str = "NoRoleHopping") -> dict[str, t.Any]:
    return {"Sid": sid, "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}


def allow(action: t.Any) -> dict[str, t.Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def verify(emu: t.Any, profile: str = "source-admin", **args: t.Any) -> dict[str, t.Any]:
    args.setdefault("role_arn", TARGET_ADMIN_ROLE)
    args.setdefault("wait_timeout", 0)
    return run_module(emu, "verify_access", args, profile=profile)


def preflight(emu: t.Any, principals: list[str], accounts: list[str], **args: t.Any) -> dict[str, t.Any]:
    return run_module(emu, "guardrail_check", {"source_principals": principals, "account_ids": accounts, "role_name": "Deploy", **args},
                      profile="management-admin")


def org_calls(emu: t.Any) -> list[dict[str, t.Any]]:
    return t.cast(list[dict[str, t.Any]], emu.client.calls(service="organizations"))


# ------------------------------------------------------------------------------------ verify_access diagnosis

def test_an_scp_on_the_source_ou_is_named_by_kind_from_the_error_alone(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(deny_assume())), SECURITY)
    emu.client.clear_calls()
    result = verify(emu)
    assert result["failed"] and result["verified"] is False
    assert result["diagnosis"][0].startswith(
        f"a service control policy explicitly denies sts:AssumeRole to {SOURCE_ADMIN} (AWS's error says so); pass organization_aws"), result
    assert [c["ok"] for c in result["checks"] if c["name"] == "guardrail:SERVICE_CONTROL_POLICY"] == [False]
    assert not org_calls(emu)  # without organization_aws nothing of the organization is read


def test_with_organization_aws_the_scp_is_named_with_where_it_is_attached_and_the_statement(emu: t.Any) -> None:
    policy_id = emu.client.guardrail(json.dumps(document(allow("*"), deny_assume())), SECURITY, name="no-role-hopping")
    emu.client.clear_calls()
    result = verify(emu, organization_aws=ORGANIZATION_AWS, wait_timeout=30)
    assert result["failed"]
    assert result["diagnosis"][0] == (
        f'service control policy {policy_id} ("no-role-hopping") attached to OU {SECURITY} denies sts:AssumeRole to {SOURCE_ADMIN} '
        'by statement "NoRoleHopping"; change or detach that policy, or move the caller\'s account out from under it')
    # A guardrail is a definite reason: no wait for propagation, one AssumeRole only.
    assert len(emu.client.calls(action="AssumeRole")) == 1
    emu.client.detach_policy(policy_id, SECURITY)
    assert verify(emu, organization_aws=ORGANIZATION_AWS)["verified"] is True


def test_the_policy_arn_of_a_2026_message_names_the_policy_without_organization_aws(emu: t.Any) -> None:
    policy_id = emu.client.guardrail(json.dumps(document(deny_assume())), SECURITY)
    emu.client.configure(policy_arn_in_denials=True)
    result = verify(emu)
    assert result["diagnosis"][0].startswith(
        f"a service control policy ({policy_id}) explicitly denies sts:AssumeRole to {SOURCE_ADMIN} (AWS's error says so)"), result


def test_an_allow_list_without_sts_at_one_level_is_named_as_that_level(emu: t.Any) -> None:
    allow_list = emu.client.guardrail(json.dumps(document(allow(["iam:*", "s3:*"]))), SECURITY, name="iam-and-s3-only")
    emu.client.detach_policy(FULL_SCP, SECURITY)
    without = verify(emu)
    assert without["diagnosis"][0].startswith(
        f"no service control policy allows sts:AssumeRole to {SOURCE_ADMIN} at some level from the root to the account"), without
    result = verify(emu, organization_aws=ORGANIZATION_AWS)
    assert result["diagnosis"][0] == (
        f"no service control policy attached to OU {SECURITY} allows sts:AssumeRole for {SOURCE_ADMIN}: every level from the "
        "root to the account must allow it, so attach one there that allows sts:AssumeRole")
    # The same allow-list with sts:* added lets the same run through.
    emu.client.organizations().update_policy(PolicyId=allow_list, Content=json.dumps(document(allow(["iam:*", "s3:*", "sts:*"]))))
    assert verify(emu, organization_aws=ORGANIZATION_AWS)["verified"] is True


def test_an_rcp_of_the_role_s_ou_is_named_for_a_caller_outside_the_organization(emu: t.Any) -> None:
    role_arn = emu.aws("iam", "target-admin").create_role(RoleName="Partner", AssumeRolePolicyDocument=json.dumps(document(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{THIRD}:root"}, "Action": "sts:AssumeRole"})))["Role"]["Arn"]
    policy_id = emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP, name="data-perimeter")
    result = verify(emu, profile="third-admin", role_arn=role_arn, organization_aws=ORGANIZATION_AWS)
    assert result["diagnosis"][0] == (
        f'resource control policy {policy_id} ("data-perimeter") attached to OU {PROD} denies sts:AssumeRole to {THIRD_ADMIN} '
        f'by statement "OrgOnly" (its conditions hold: aws:PrincipalOrgID absent or of another organization); change that policy '
        "(for example exempt these callers in its conditions) or detach it"), result


def test_organization_aws_that_cannot_read_the_policies_leaves_a_note_and_the_kind(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(deny_assume())), SECURITY)
    result = verify(emu, organization_aws={"profile": "source-user"})
    assert result["diagnosis"][0].startswith("a service control policy explicitly denies sts:AssumeRole"), result
    note = next(s for s in result["diagnosis"] if s.startswith("the organization's policies could not be read"))
    assert "organization_aws: organizations:DescribeOrganization failed" in note or "organization_aws: organizations:" in note, note


# ------------------------------------------------------------------------------------ the pre-flight module

def test_an_scp_on_the_source_ou_blocks_every_target_and_removing_it_lets_them_all_through(emu: t.Any) -> None:
    accounts = [TARGET, member(1), member(2), member(3)]
    policy_id = emu.client.guardrail(json.dumps(document(deny_assume())), SECURITY, name="no-role-hopping")
    emu.client.clear_calls()
    result = preflight(emu, [SOURCE_ADMIN], accounts)
    assert not result["failed"], result
    assert result["blocked"] == accounts and result["allowed"] == []
    row = result["accounts"][0]
    assert row["blocked_by"] == {"policy_type": SCP, "explicit": True, "policy_id": policy_id, "policy_name": "no-role-hopping",
                                 "policy_arn": f"arn:aws:organizations::{MANAGEMENT}:policy/{ORG_ID}/service_control_policy/{policy_id}",
                                 "target_id": SECURITY, "target_type": "OU", "statement": "NoRoleHopping", "statement_index": 0,
                                 "action": "sts:AssumeRole"}
    assert row["reason"] == (f'service control policy {policy_id} ("no-role-hopping") attached to OU {SECURITY} denies sts:AssumeRole '
                             f'to {SOURCE_ADMIN} by statement "NoRoleHopping"')
    assert row["role_arn"] == f"arn:aws:iam::{TARGET}:role/Deploy"
    assert emu.client.write_calls() == []
    assert result["organization_calls"] == len(org_calls(emu))
    emu.client.detach_policy(policy_id, SECURITY)
    again = preflight(emu, [SOURCE_ADMIN], accounts)
    assert again["blocked"] == [] and again["allowed"] == accounts


def test_an_rcp_on_one_ou_blocks_only_that_ou_s_accounts_for_a_source_outside_the_organization(emu: t.Any) -> None:
    accounts = [TARGET, member(1), member(2), member(3), member(4)]  # Prod, Prod, Dev, Sandbox, Workloads
    policy_id = emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP, name="data-perimeter")
    result = preflight(emu, [THIRD_ADMIN], accounts)
    assert result["blocked"] == [TARGET, member(1)], result
    assert {row["blocked_by"]["policy_id"] for row in result["accounts"] if row["blocked_by"]} == {policy_id}
    assert result["accounts"][0]["reason"].startswith(f'resource control policy {policy_id} ("data-perimeter") attached to OU {PROD} '
                                                      f"denies sts:AssumeRole to {THIRD_ADMIN}")
    # A source inside the organization is not blocked by the same RCP.
    assert preflight(emu, [SOURCE_ADMIN], accounts)["blocked"] == []
    emu.client.detach_policy(policy_id, PROD)
    assert preflight(emu, [THIRD_ADMIN], accounts)["blocked"] == []


def test_the_management_account_is_exempt_on_both_sides(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(allow("*"), deny_assume())), ROOT)
    emu.client.guardrail(json.dumps(document(ORG_ONLY)), ROOT, policy_type=RCP)
    management_admin = f"arn:aws:iam::{MANAGEMENT}:user/emulator-admin"
    result = preflight(emu, [management_admin, THIRD_ADMIN], [MANAGEMENT, member(1)])
    # The management account's principals ignore SCPs; its roles ignore RCPs. The outsider is blocked on the member only.
    assert result["blocked"] == [member(1)], result
    assert result["accounts"][1]["blocked_by"]["policy_type"] == RCP
    # As the emulator enforces it: the management account still reaches a member's access role through the root's deny.
    access = verify(emu, profile="management-admin", role_arn=f"arn:aws:iam::{member(1)}:role/OrganizationAccountAccessRole")
    assert access["verified"] is True, access


def test_preflight_refuses_bad_input_before_any_call_and_fails_in_one_line_for_a_member_connection(emu: t.Any) -> None:
    emu.client.clear_calls()
    bad = preflight(emu, ["arn:aws:iam::111111111111:group/admins"], [TARGET])
    assert bad["failed"] and bad["msg"].startswith("source_principals[0]: "), bad
    bad = preflight(emu, [SOURCE_ADMIN], ["2222"])
    assert bad["failed"] and bad["msg"].startswith("account_ids[0]: "), bad
    assert emu.client.calls() == []
    denied = run_module(emu, "guardrail_check", {"source_principals": [SOURCE], "account_ids": [TARGET], "role_name": "Deploy"},
                        profile="source-admin")
    assert denied["failed"] and "\n" not in denied["msg"]
    assert denied["msg"].startswith("organizations:"), denied
    assert "AccessDeniedException" in denied["msg"] and "management account or of a delegated administrator" in denied["msg"]


def test_fail_on_blocked_fails_naming_the_guardrail_with_the_whole_result(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(deny_assume())), SECURITY)
    result = preflight(emu, [SOURCE], [TARGET, member(2)], fail_on_blocked=True)
    assert result["failed"]
    assert result["msg"].startswith(f"guardrails block 2 of 2 accounts ({TARGET}, {member(2)}): service control policy "), result
    assert result["msg"].endswith(f"to principals of account {SOURCE} by statement \"NoRoleHopping\"")
    assert result["blocked"] == [TARGET, member(2)]


def test_a_playbook_runs_the_preflight_once_through_the_action_group_defaults(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP)
    rc, out, err = run_playbook(emu, f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/crossaccount.aws.aws:
      profile: management-admin
  tasks:
    - name: Pre-flight
      crossaccount.aws.guardrail_check:
        source_principals: ["{THIRD}"]
        account_ids: ["{TARGET}", "{member(2)}"]
        role_name: Deploy
      check_mode: true
      register: guardrails
    - name: Show
      ansible.builtin.debug:
        msg: "blocked={{{{ guardrails.blocked | join(',') }}}} allowed={{{{ guardrails.allowed | join(',') }}}}"
""")
    assert rc == 0, out + err
    assert f"blocked={TARGET} allowed={member(2)}" in out


# ------------------------------------------------------------------------------------ the lint and trust_report

OIDC_HOST = "oidc.emulator.invalid"


def oidc_provider(emu: t.Any) -> str:
    emu.aws("iam", "target-admin").create_open_id_connect_provider(Url=f"https://{OIDC_HOST}", ClientIDList=["sts.amazonaws.com"],
                                                                   ThumbprintList=["0" * 40])
    return f"arn:aws:iam::{TARGET}:oidc-provider/{OIDC_HOST}"


def ci_role_args(provider: str, **extra: t.Any) -> dict[str, t.Any]:
    return {"name": "CiDeploy", "trusted_oidc": {"provider": provider, "audience": "sts.amazonaws.com",
                                                 "subjects": ["repo:example/app:ref:refs/heads/main"]}, **extra}


def test_the_lint_names_an_rcp_requiring_the_organization_against_a_trusted_oidc_statement(emu: t.Any) -> None:
    provider = oidc_provider(emu)
    policy_id = emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP, name="data-perimeter")
    emu.client.clear_calls()
    refused = run_module(emu, "target_role", ci_role_args(provider, lint="error", organization_aws=ORGANIZATION_AWS), profile="target-admin")
    assert refused["failed"], refused
    assert refused["msg"].startswith("lint: the trust policy has 1 error finding(s), nothing was written: guardrail_denies (statement 0): ")
    finding = next(f for f in refused["findings"] if f["code"] == "guardrail_denies")
    assert finding["severity"] == "error" and finding["statement"] == 0
    assert finding["message"] == (
        f'statement "TrustWebIdentity" trusts web identity callers of {provider}, but resource control policy {policy_id} ("data-perimeter") '
        f'attached to OU {PROD} denies sts:AssumeRoleWithWebIdentity to them by statement "OrgOnly" (aws:PrincipalOrgID absent): '
        "the role cannot be assumed that way; exempt these callers in the policy or drop the statement")
    assert emu.client.write_calls() == []
    # Exempting web identities the way the IAM docs say (the key must be present to be compared) clears the finding.
    emu.client.organizations().update_policy(PolicyId=policy_id, Content=json.dumps(document(
        {**ORG_ONLY, "Condition": {**ORG_ONLY["Condition"], "Null": {"aws:PrincipalOrgID": "false"}}})))
    created = run_module(emu, "target_role", ci_role_args(provider, lint="error", organization_aws=ORGANIZATION_AWS), profile="target-admin")
    assert created["changed"] and not [f for f in created["findings"] if f["code"] == "guardrail_denies"], created


def test_the_lint_names_an_rcp_against_a_trusted_account_outside_the_organization(emu: t.Any) -> None:
    emu.aws("iam", "target-admin").create_role(RoleName="Partner", AssumeRolePolicyDocument=json.dumps(document(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"})))
    emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP)
    args = {"role_name": "Partner", "trusted_account_ids": [THIRD], "external_id": "partner-42", "organization_aws": ORGANIZATION_AWS}
    checked = run_module(emu, "trust_policy", args, check=True, profile="target-admin")
    codes = [(f["code"], f["statement"]) for f in checked["findings"]]
    assert ("guardrail_denies", 1) in codes and ("guardrail_denies", 0) not in codes, checked["findings"]
    assert "trusts principals of account 333333333333" in next(f["message"] for f in checked["findings"] if f["code"] == "guardrail_denies")
    # Without organization_aws the lint has nothing to say about guardrails.
    plain = run_module(emu, "trust_policy", {k: v for k, v in args.items() if k != "organization_aws"}, check=True, profile="target-admin")
    assert "guardrail_denies" not in [f["code"] for f in plain["findings"]]


def test_trust_report_gives_each_statement_a_guardrail_verdict(emu: t.Any) -> None:
    provider = oidc_provider(emu)
    created = run_module(emu, "target_role", ci_role_args(provider, trusted_account_ids=[SOURCE], known_account_ids=[SOURCE]),
                         profile="target-admin")
    assert created["changed"], created
    policy_id = emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP, name="data-perimeter")
    report = run_module(emu, "trust_report", {"organization_aws": ORGANIZATION_AWS, "known_account_ids": [SOURCE]}, profile="target-admin")
    role = next(r for r in report["roles"] if r["name"] == "CiDeploy")
    verdicts = {entry["class"]: entry["guardrail"] for entry in role["statements"]}
    assert verdicts["known_account"] == {"status": "allowed", "policy": None}
    assert verdicts["federated"]["status"] == "denied"
    assert verdicts["federated"]["policy"]["policy_id"] == policy_id
    assert verdicts["federated"]["policy"]["action"] == "sts:AssumeRoleWithWebIdentity"
    assert "guardrail_denies" in [f["code"] for f in role["findings"]]
    # Without organization_aws the statements carry no verdict.
    plain = run_module(emu, "trust_report", {}, profile="target-admin")
    assert all("guardrail" not in entry for r in plain["roles"] for entry in r["statements"])


# ------------------------------------------------------------------------------------ what the reads cost

@pytest.fixture(scope="module")
def org200(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[t.Any]:
    from emulator.testing import start_emulator

    with start_emulator(tmp_path_factory.mktemp("emulator-org200"), "--member-accounts", "200") as running:
        yield running


def preflight_cost(emu: t.Any) -> tuple[dict[str, t.Any], list[str]]:
    """The pre-flight over every member (source and target included) with an SCP and an RCP in place."""
    emu.client.guardrail(json.dumps(document(allow("*"), {**deny_assume("NoProdFromSandbox"), "Resource": "arn:aws:iam::*:role/Deploy"})),
                         SANDBOX)
    emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP)
    members = [m["id"] for m in emu.info["organization"]["members"] if m["id"] != MANAGEMENT]
    emu.client.clear_calls()
    result = preflight(emu, [SOURCE_ADMIN, THIRD_ADMIN], members)
    assert not result["failed"], result
    return result, members


def test_the_preflight_reads_grow_with_ous_and_policies_not_with_accounts(org_emu: t.Any, org200: t.Any) -> None:
    org200.reset()
    small, small_members = preflight_cost(org_emu)
    large, large_members = preflight_cost(org200)
    for emu, result in ((org_emu, small), (org200, large)):
        logged = org_calls(emu)
        assert result["organization_calls"] == len(logged)
        # Never a per-account read: no ListParents or ListPoliciesForTarget at all in the top-down read.
        assert not {c["action"] for c in logged} & {"ListParents", "ListPoliciesForTarget"}, {c["action"] for c in logged}
        # The outsider is blocked in Prod (the RCP): the target and every fourth member from the first.
        prod = [m["id"] for m in emu.info["organization"]["members"] if m.get("ou_id") == PROD]
        assert sorted(result["blocked"]) == sorted(prod), result["blocked"]
    # 180 more accounts cost only more pages of 20: the accounts of each OU, and the targets of the two full-access policies.
    extra_pages = 3 * -(-(len(large_members) - len(small_members)) // 20) + 6
    assert large["organization_calls"] <= small["organization_calls"] + extra_pages, (small["organization_calls"], large["organization_calls"])
    assert large["organization_calls"] < len(large_members) // 3
    print(f"\npre-flight Organizations calls: {len(small_members)} accounts -> {small['organization_calls']}, "
          f"{len(large_members)} accounts -> {large['organization_calls']}")


def test_a_single_account_is_read_bottom_up_and_each_read_once(emu: t.Any) -> None:
    emu.client.guardrail(json.dumps(document(ORG_ONLY)), PROD, policy_type=RCP)
    emu.client.clear_calls()
    result = preflight(emu, [SOURCE_ADMIN], [TARGET, member(1)])
    actions = [c["action"] for c in org_calls(emu)]
    assert result["organization_calls"] == len(actions)
    # One ListParents per account and OU on the paths; ListPoliciesForTarget once per level: the SCPs on the source's path,
    # the RCPs on the targets' paths (the root, Workloads and Prod shared); one DescribePolicy per policy.
    assert actions.count("ListParents") == len({SOURCE, TARGET, member(1), SECURITY, PROD, WORKLOADS}), actions
    assert actions.count("ListPoliciesForTarget") == len({ROOT, SECURITY, SOURCE}) + len({ROOT, WORKLOADS, PROD, TARGET, member(1)}), actions
    assert actions.count("DescribePolicy") == 3 and actions.count("DescribeOrganization") == 1 and actions.count("ListRoots") == 1


def test_organization_aws_is_validated_before_any_call_in_every_module_that_takes_it(emu: t.Any) -> None:
    bad = {"profile": "management-admin", "endpoint_url": "http://bad host"}
    emu.client.clear_calls()
    for module, args, profile in (("verify_access", {"role_arn": TARGET_ADMIN_ROLE, "wait_timeout": 0}, "source-admin"),
                                  ("target_role", {"name": "Probe", "trusted_account_ids": [SOURCE]}, "target-admin"),
                                  ("trust_policy", {"role_name": "EmulatorTargetAdmin", "trusted_account_ids": [SOURCE]}, "target-admin"),
                                  ("trust_report", {}, "target-admin")):
        result = run_module(emu, module, {**args, "organization_aws": bad}, profile=profile)
        assert result["failed"] and result["msg"].startswith("organization_aws.endpoint_url: "), (module, result["msg"])
        both = run_module(emu, module, {**args, "organization_aws": {"profile": "management-admin", "access_key": "AKIAEXAMPLEEXAMPLE01"}},
                          profile=profile)
        assert both["failed"] and both["msg"].startswith("organization_aws.profile: cannot be combined"), (module, both["msg"])
    assert emu.client.calls() == []
