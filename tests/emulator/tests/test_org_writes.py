# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Organizations writes to the tree and the accounts (OUs, MoveAccount, CloseAccount, RemoveAccountFromOrganization,
tags): AWS's shapes and errors, the changes visible to the read API and the condition keys, undone by a reset."""

from __future__ import annotations

import time
import typing as t

import pytest

from .support import (
    DEV,
    MANAGEMENT,
    ORG_ID,
    PROD,
    ROOT,
    SANDBOX,
    SECURITY,
    SOURCE,
    TARGET,
    THIRD,
    WORKLOADS,
    access_role,
    assume,
    error_of,
    in_account,
    member,
    org,
    reason_of,
    trust,
)


def test_create_update_delete_an_ou(emu: t.Any) -> None:
    client = org(emu)
    created = client.create_organizational_unit(ParentId=WORKLOADS, Name="Staging",
                                                Tags=[{"Key": "env", "Value": "staging"}])["OrganizationalUnit"]
    ou_id = created["Id"]
    assert created == {"Id": ou_id, "Arn": f"arn:aws:organizations::{MANAGEMENT}:ou/{ORG_ID}/{ou_id}", "Name": "Staging",
                       "Path": f"{ORG_ID}/{ROOT}/{WORKLOADS}/{ou_id}/"}
    assert ou_id.startswith("ou-emu1-") and ou_id not in (PROD, DEV)
    assert [ou["Name"] for ou in client.list_organizational_units_for_parent(ParentId=WORKLOADS)["OrganizationalUnits"]] == [
        "Prod", "Dev", "Staging"]
    assert client.list_tags_for_resource(ResourceId=ou_id)["Tags"] == [{"Key": "env", "Value": "staging"}]
    assert client.list_parents(ChildId=ou_id)["Parents"] == [{"Id": WORKLOADS, "Type": "ORGANIZATIONAL_UNIT"}]
    renamed = client.update_organizational_unit(OrganizationalUnitId=ou_id, Name="PreProd")["OrganizationalUnit"]
    assert (renamed["Id"], renamed["Name"]) == (ou_id, "PreProd")
    assert client.describe_organizational_unit(OrganizationalUnitId=ou_id)["OrganizationalUnit"]["Name"] == "PreProd"
    client.delete_organizational_unit(OrganizationalUnitId=ou_id)
    assert error_of(client.describe_organizational_unit, OrganizationalUnitId=ou_id)[0] == "OrganizationalUnitNotFoundException"
    assert emu.client.create_ou(WORKLOADS, "Again") != ou_id  # ids are never reused


def test_ou_errors(emu: t.Any) -> None:
    client = org(emu)
    assert error_of(client.create_organizational_unit, ParentId=WORKLOADS, Name="Prod") == (
        "DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
    assert error_of(client.create_organizational_unit, ParentId="ou-emu1-99999999", Name="X")[0] == "ParentNotFoundException"
    assert reason_of(client.create_organizational_unit, ParentId=ROOT, Name="x" * 129) == (
        "InvalidInputException", "MAX_LENGTH_EXCEEDED")
    assert error_of(client.update_organizational_unit, OrganizationalUnitId=PROD, Name="Dev")[0] == (
        "DuplicateOrganizationalUnitException")
    assert error_of(client.update_organizational_unit, OrganizationalUnitId="ou-emu1-99999999", Name="X")[0] == (
        "OrganizationalUnitNotFoundException")
    assert error_of(client.delete_organizational_unit, OrganizationalUnitId=PROD) == (
        "OrganizationalUnitNotEmptyException", "The specified OU is not empty. Move all accounts to another root or to other "
                                               "OUs, remove all child OUs, and try the operation again.")
    assert error_of(client.delete_organizational_unit, OrganizationalUnitId=WORKLOADS)[0] == "OrganizationalUnitNotEmptyException"
    parent = PROD  # Root/Workloads/Prod is two levels deep: three more fit, the sixth level does not
    for depth in range(3):
        parent = emu.client.create_ou(parent, f"Level{depth + 3}")
    assert reason_of(client.create_organizational_unit, ParentId=parent, Name="TooDeep") == (
        "ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED")


def test_move_account_is_seen_by_reads_and_condition_keys(emu: t.Any) -> None:
    account = member(1)  # Root/Workloads/Prod
    # Only principals of accounts in the Sandbox OU may assume it.
    target_role = in_account(emu, TARGET, "iam").create_role(RoleName="FromSandbox", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{account}:root"},
        condition={"StringLike": {"aws:PrincipalOrgPaths": f"{ORG_ID}/{ROOT}/{SANDBOX}/*"}}))["Role"]["Arn"]
    member_sts = in_account(emu, account, "sts")
    assert error_of(member_sts.assume_role, RoleArn=target_role, RoleSessionName="probe")[0] == "AccessDenied"
    client = org(emu)
    client.move_account(AccountId=account, SourceParentId=PROD, DestinationParentId=SANDBOX)
    described = client.describe_account(AccountId=account)["Account"]
    assert described["Paths"] == [f"{ORG_ID}/{ROOT}/{SANDBOX}/{account}/"]
    assert client.list_parents(ChildId=account)["Parents"] == [{"Id": SANDBOX, "Type": "ORGANIZATIONAL_UNIT"}]
    assert account in [a["Id"] for a in client.list_accounts_for_parent(ParentId=SANDBOX)["Accounts"]]
    assert account not in [a["Id"] for a in client.list_accounts_for_parent(ParentId=PROD)["Accounts"]]
    assert member_sts.assume_role(RoleArn=target_role, RoleSessionName="probe")["Credentials"]
    assert [c["write"] for c in emu.client.calls(action="MoveAccount")] == [True]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"AccountId": THIRD, "SourceParentId": ROOT, "DestinationParentId": PROD}, "AccountNotFoundException"),
    ({"AccountId": TARGET, "SourceParentId": DEV, "DestinationParentId": SANDBOX}, "SourceParentNotFoundException"),
    ({"AccountId": TARGET, "SourceParentId": "ou-emu1-99999999", "DestinationParentId": SANDBOX}, "SourceParentNotFoundException"),
    ({"AccountId": TARGET, "SourceParentId": PROD, "DestinationParentId": "ou-emu1-99999999"}, "DestinationParentNotFoundException"),
    ({"AccountId": TARGET, "SourceParentId": PROD, "DestinationParentId": PROD}, "DuplicateAccountException"),
    ({"AccountId": "1234", "SourceParentId": PROD, "DestinationParentId": DEV}, "InvalidInputException"),
])
def test_move_account_errors(emu: t.Any, kwargs: dict[str, str], code: str) -> None:
    assert error_of(org(emu).move_account, **kwargs)[0] == code
    assert org(emu).list_parents(ChildId=TARGET)["Parents"] == [{"Id": PROD, "Type": "ORGANIZATIONAL_UNIT"}]


def test_close_account_goes_pending_then_suspended_and_cannot_be_entered(emu: t.Any) -> None:
    client = org(emu)
    account = member(2)
    assert assume(emu, access_role(account))
    emu.client.configure(account_closure_delay=1.0)
    client.close_account(AccountId=account)
    pending = client.describe_account(AccountId=account)["Account"]
    assert (pending["Status"], pending["State"]) == ("PENDING_CLOSURE", "PENDING_CLOSURE")
    assert error_of(emu.aws("sts", "management-admin").assume_role, RoleArn=access_role(account),
                    RoleSessionName="probe")[0] == "AccessDenied"
    assert error_of(client.close_account, AccountId=account)[0] == "ConflictException"
    deadline = time.monotonic() + 30
    while client.describe_account(AccountId=account)["Account"]["Status"] != "SUSPENDED":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    closed = client.describe_account(AccountId=account)["Account"]
    assert (closed["Status"], closed["State"]) == ("SUSPENDED", "CLOSED")
    assert error_of(client.close_account, AccountId=account) == (
        "AccountAlreadyClosedException", "You attempted to close an account that is already closed.")
    # A closed account stays in the organization (for its 90-day post-closure period).
    assert account in [a["Id"] for a in client.list_accounts()["Accounts"]]


def test_close_account_errors(emu: t.Any) -> None:
    client = org(emu)
    assert reason_of(client.close_account, AccountId=MANAGEMENT) == ("ConstraintViolationException",
                                                                     "CANNOT_CLOSE_MANAGEMENT_ACCOUNT")
    assert error_of(client.close_account, AccountId=THIRD)[0] == "AccountNotFoundException"
    assert error_of(client.close_account, AccountId=member(6))[0] == "AccountAlreadyClosedException"  # suspended at start


def test_remove_account_from_organization(emu: t.Any) -> None:
    client = org(emu)
    account = member(3)
    role_arn = access_role(account)
    client.remove_account_from_organization(AccountId=account)
    assert account not in [a["Id"] for a in client.list_accounts()["Accounts"]]
    assert error_of(client.describe_account, AccountId=account)[0] == "AccountNotFoundException"
    assert error_of(client.list_tags_for_resource, ResourceId=account)[0] == "TargetNotFoundException"
    # Still an AWS account: its access role works, but it is outside the organization now.
    member_org = in_account(emu, account, "organizations")
    assert error_of(member_org.describe_organization)[0] == "AWSOrganizationsNotInUseException"
    org_only = in_account(emu, TARGET, "iam").create_role(RoleName="OrgOnly", AssumeRolePolicyDocument=trust(
        {"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}))["Role"]["Arn"]
    assert error_of(in_account(emu, account, "sts").assume_role, RoleArn=org_only, RoleSessionName="probe")[0] == "AccessDenied"
    assert assume(emu, role_arn)


def test_remove_account_errors(emu: t.Any) -> None:
    client = org(emu)
    assert error_of(client.remove_account_from_organization, AccountId=MANAGEMENT)[0] == "MasterCannotLeaveOrganizationException"
    assert error_of(client.remove_account_from_organization, AccountId=THIRD)[0] == "AccountNotFoundException"
    emu.client.configure(delegated_admins=[SOURCE])
    assert reason_of(client.remove_account_from_organization, AccountId=SOURCE) == (
        "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")


def test_tag_and_untag_accounts_ous_and_the_root(emu: t.Any) -> None:
    client = org(emu)
    client.tag_resource(ResourceId=member(1), Tags=[{"Key": "team", "Value": "green"}, {"Key": "cost", "Value": "42"}])
    assert client.list_tags_for_resource(ResourceId=member(1))["Tags"] == [
        {"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "green"}, {"Key": "cost", "Value": "42"}]
    client.untag_resource(ResourceId=member(1), TagKeys=["env", "absent"])
    assert client.list_tags_for_resource(ResourceId=member(1))["Tags"] == [{"Key": "team", "Value": "green"},
                                                                           {"Key": "cost", "Value": "42"}]
    client.tag_resource(ResourceId=SECURITY, Tags=[{"Key": "tier", "Value": "0"}])
    client.tag_resource(ResourceId=ROOT, Tags=[{"Key": "org", "Value": "emu"}])
    assert client.list_tags_for_resource(ResourceId=SECURITY)["Tags"] == [{"Key": "tier", "Value": "0"}]
    assert client.list_tags_for_resource(ResourceId=ROOT)["Tags"] == [{"Key": "org", "Value": "emu"}]
    assert error_of(client.tag_resource, ResourceId=THIRD, Tags=[{"Key": "a", "Value": "b"}])[0] == "TargetNotFoundException"
    assert reason_of(client.tag_resource, ResourceId=SOURCE, Tags=[{"Key": "aws:x", "Value": "b"}]) == (
        "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER")
    assert reason_of(client.tag_resource, ResourceId=SOURCE, Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]) == (
        "InvalidInputException", "DUPLICATE_TAG_KEY")
    assert reason_of(client.tag_resource, ResourceId=SOURCE, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(51)]) == (
        "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED")
    assert client.list_tags_for_resource(ResourceId=SOURCE)["Tags"] == []


def test_tree_and_account_writes_are_for_the_management_account(emu: t.Any) -> None:
    emu.client.configure(delegated_admins=[SOURCE])
    delegated = org(emu, "source-admin")
    for call, kwargs in (("move_account", {"AccountId": TARGET, "SourceParentId": PROD, "DestinationParentId": DEV}),
                         ("close_account", {"AccountId": member(1)}),
                         ("create_organizational_unit", {"ParentId": ROOT, "Name": "X"}),
                         ("remove_account_from_organization", {"AccountId": member(1)})):
        assert error_of(getattr(delegated, call), **kwargs) == ("AccessDeniedException",
                                                                "You don't have permissions to access this resource.")
    delegated.tag_resource(ResourceId=member(1), Tags=[{"Key": "by", "Value": "delegated"}])
    assert error_of(org(emu, "target-admin").tag_resource, ResourceId=member(1), Tags=[{"Key": "a", "Value": "b"}])[0] == (
        "AccessDeniedException")


def test_reset_restores_the_bootstrap_organization(emu: t.Any) -> None:
    client = org(emu)
    client.move_account(AccountId=TARGET, SourceParentId=PROD, DestinationParentId=DEV)
    client.remove_account_from_organization(AccountId=member(1))
    client.close_account(AccountId=member(2))
    emu.client.create_ou(ROOT, "Scratch")
    emu.client.guardrail('{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}', SOURCE)
    emu.reset()
    client = org(emu)
    assert client.list_parents(ChildId=TARGET)["Parents"] == [{"Id": PROD, "Type": "ORGANIZATIONAL_UNIT"}]
    assert client.describe_account(AccountId=member(1))["Account"]["Status"] == "ACTIVE"
    assert client.describe_account(AccountId=member(2))["Account"]["Status"] == "ACTIVE"
    assert [ou["Name"] for ou in client.list_organizational_units_for_parent(ParentId=ROOT)["OrganizationalUnits"]] == [
        "Security", "Workloads", "Sandbox"]
    assert [p["Name"] for p in client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]] == ["FullAWSAccess"]
    assert emu.aws("iam", "source-admin").list_users()["Users"]


def test_accounts_carry_how_and_when_they_joined(emu: t.Any) -> None:
    accounts = {a["Id"]: a for a in org(emu).list_accounts()["Accounts"]}
    assert {accounts[a]["JoinedMethod"] for a in (MANAGEMENT, SOURCE, TARGET)} == {"INVITED"}
    assert {accounts[member(i)]["JoinedMethod"] for i in range(1, 7)} == {"CREATED"}
    assert accounts[member(1)]["JoinedTimestamp"] > accounts[SOURCE]["JoinedTimestamp"]
