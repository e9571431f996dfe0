# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""source_policy's organization form against the emulator's organization (aws:ResourceOrgID)."""

from __future__ import annotations

import json
import typing as t

from ansible_runner import run_module
from botocore.exceptions import ClientError

from integration.credentials_support import trust

ORG = "o-emulator0001"
ROLE = "OrgDeploy"
SOURCE_USER = "emulator-user"  # the bootstrap user behind profile source-user
MEMBER_ROLE = f"arn:aws:iam::222222222222:role/{ROLE}"
OUTSIDER_ROLE = f"arn:aws:iam::333333333333:role/{ROLE}"


def source_policy(emu: t.Any, **args: t.Any) -> dict[str, t.Any]:
    return run_module(emu, "source_policy", dict({"name": "AssumeOrgDeploy"}, **args), profile="source-admin")


def make_target_roles(emu: t.Any) -> None:
    for profile in ("target-admin", "third-admin"):
        emu.aws("iam", profile=profile, max_attempts=5).create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust()))
    emu.client.clear_calls()


def assume_as_source_user(emu: t.Any, role_arn: str) -> str:
    sts = emu.session("source-user").client("sts", endpoint_url=emu.endpoint_url, region_name="us-east-1")
    try:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="org-form")
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def iam_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.calls(service="iam")]


def test_organization_form_reaches_members_only_and_reruns_without_writes(emu: t.Any) -> None:
    make_target_roles(emu)
    assert assume_as_source_user(emu, MEMBER_ROLE) == "AccessDenied"  # no identity policy yet
    created = source_policy(emu, target_organization_id=ORG, target_role_name=ROLE, users=[SOURCE_USER])
    assert created["changed"] is True, created
    assert created["policy"]["document"]["Statement"] == [{
        "Sid": "AllowAssumeRoleInOrganization", "Effect": "Allow", "Action": ["sts:AssumeRole"],
        "Resource": f"arn:aws:iam::*:role/{ROLE}", "Condition": {"StringEquals": {"aws:ResourceOrgID": ORG}},
    }]
    assert assume_as_source_user(emu, MEMBER_ROLE) == "ok"
    assert assume_as_source_user(emu, OUTSIDER_ROLE) == "AccessDenied"  # same name, account outside the organization

    emu.client.clear_calls()
    again = source_policy(emu, target_organization_id=ORG, target_role_name=ROLE, users=[SOURCE_USER])
    assert again["changed"] is False
    assert emu.client.write_calls() == []
    assert iam_actions(emu) == ["GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy"]


def test_per_arn_form_says_how_many_arns_fit_before_any_call(emu: t.Any) -> None:
    arns = [f"arn:aws:iam::{200000000000 + n:012d}:role/cross-account/OrganizationDeployRole" for n in range(1, 151)]
    result = source_policy(emu, target_role_arns=arns, users=[SOURCE_USER])
    assert result["failed"] is True
    message = result["msg"]
    assert message.startswith("target_role_arns: 150 role ARNs make a policy of ")
    assert "a managed policy version holds at most 6144, which fits the first " in message
    fitting = int(message.split("which fits the first ")[1].split()[0])
    assert 50 < fitting < 150
    assert "target_organization_id" in message
    assert iam_actions(emu) == []


def test_organization_form_bad_input(emu: t.Any) -> None:
    both = source_policy(emu, target_organization_id=ORG, target_role_name=ROLE, target_role_arns=[MEMBER_ROLE], users=[SOURCE_USER])
    assert both["failed"] is True and both["msg"].startswith("target_organization_id: is mutually exclusive with target_role_arns")
    no_name = source_policy(emu, target_organization_id=ORG, users=[SOURCE_USER])
    assert no_name["failed"] is True and no_name["msg"].startswith("target_role_name: is required")
    bad_org = source_policy(emu, target_organization_id="o-x", target_role_name=ROLE, users=[SOURCE_USER])
    assert bad_org["failed"] is True and bad_org["msg"].startswith("target_organization_id:")
    stray = source_policy(emu, target_role_arns=[MEMBER_ROLE], target_role_name=ROLE, users=[SOURCE_USER])
    assert stray["failed"] is True and stray["msg"].startswith("target_role_name: applies to target_organization_id")
    assert iam_actions(emu) == []
