# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's AWS Organization: the tree, the read API, who may read it, the access role and
the organization condition keys, over real HTTP with boto3."""

from __future__ import annotations

import json
import time
import typing as t
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from emulator.testing import RunningEmulator, start_emulator

MANAGEMENT, SOURCE, TARGET, THIRD = "100000000000", "111111111111", "222222222222", "333333333333"
ORG_ID, ROOT = "o-emulator0001", "r-emu1"
SECURITY, WORKLOADS, PROD, DEV, SANDBOX = (f"ou-emu1-0000000{i}" for i in range(1, 6))
ACCESS_ROLE = "OrganizationAccountAccessRole"


def member(index: int) -> str:
    return f"{200000000000 + index:012d}"


def access_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ACCESS_ROLE}"


def error_of(call: t.Callable[..., t.Any], **kwargs: t.Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


def trust(*statements: dict[str, t.Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: t.Any, condition: dict[str, t.Any] | None = None, action: str = "sts:AssumeRole") -> dict[str, t.Any]:
    stmt: dict[str, t.Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        stmt["Condition"] = condition
    return stmt


def org(emu: t.Any, profile: str = "management-admin", **kwargs: t.Any) -> t.Any:
    return emu.aws("organizations", profile, **kwargs)


def assume(emu: t.Any, role_arn: str, profile: str | None = "management-admin",
           credentials: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    sts = emu.aws("sts", profile, credentials=credentials) if credentials else emu.aws("sts", profile)
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="org-test")


def in_member(emu: t.Any, account: str, service: str) -> t.Any:
    """A client of ``service`` in ``account`` through its OrganizationAccountAccessRole (as the management account)."""
    return emu.aws(service, credentials=assume(emu, access_role(account))["Credentials"])


def all_pages(call: t.Callable[..., dict[str, t.Any]], key: str, **kwargs: t.Any) -> tuple[list[t.Any], list[int]]:
    """Every item of a paged Organizations call (by hand, NextToken by NextToken) and the page sizes."""
    items: list[t.Any] = []
    sizes: list[int] = []
    while True:
        answer = call(**kwargs)
        items += answer[key]
        sizes.append(len(answer[key]))
        if "NextToken" not in answer:
            return items, sizes
        kwargs["NextToken"] = answer["NextToken"]


@pytest.fixture(scope="module")
def big_org(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    """A second emulator with 45 generated members (48 accounts: three pages of ListAccounts)."""
    with start_emulator(tmp_path_factory.mktemp("emulator-45"), "--member-accounts", "45") as running:
        yield running


# ---------------------------------------------------------------- the organization itself

def test_emulator_json_describes_the_organization(emu: t.Any) -> None:
    info = json.loads(Path(emu.state_dir, "emulator.json").read_text(encoding="utf-8"))
    organization = info["organization"]
    assert (organization["id"], organization["root_id"], organization["management_account"]) == (ORG_ID, ROOT, MANAGEMENT)
    assert organization["ous"] == {"Root": ROOT, "Root/Security": SECURITY, "Root/Workloads": WORKLOADS,
                                   "Root/Workloads/Prod": PROD, "Root/Workloads/Dev": DEV, "Root/Sandbox": SANDBOX}
    members = {m["id"]: m for m in organization["members"]}
    assert list(members) == [MANAGEMENT, SOURCE, TARGET] + [member(i) for i in range(1, 7)]
    assert THIRD not in members
    assert (members[SOURCE]["ou_path"], members[TARGET]["ou_path"], members[MANAGEMENT]["ou_path"]) == (
        "Root/Security", "Root/Workloads/Prod", "Root")
    generated = [members[member(i)] for i in range(1, 7)]
    assert [m["ou_id"] for m in generated] == [PROD, DEV, SANDBOX, WORKLOADS, PROD, DEV]
    assert [m["tags"] for m in generated] == [
        {"env": "prod", "team": "blue"}, {"env": "dev", "team": "red"}, {"env": "sandbox", "team": "blue"},
        {"env": "workloads", "team": "red"}, {"env": "prod", "team": "blue"}, {"env": "dev", "team": "red"}]
    assert [m["status"] for m in generated] == ["ACTIVE"] * 5 + ["SUSPENDED"]
    assert (generated[0]["name"], generated[0]["email"]) == ("member-001", "member-001@example.invalid")
    assert info["accounts"]["management"] == MANAGEMENT
    assert info["profiles"]["management-admin"]["account"] == MANAGEMENT


def test_management_admin_profile_is_an_administrator_of_the_management_account(emu: t.Any) -> None:
    identity = emu.aws("sts", "management-admin").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{MANAGEMENT}:user/emulator-admin"
    attached = emu.aws("iam", "management-admin").list_attached_user_policies(UserName="emulator-admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]


def test_describe_organization_and_the_tree(emu: t.Any) -> None:
    client = org(emu)
    organization = client.describe_organization()["Organization"]
    assert organization["Id"] == ORG_ID
    assert organization["MasterAccountId"] == MANAGEMENT
    assert organization["Arn"] == f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}"
    assert organization["FeatureSet"] == "ALL"
    roots = client.list_roots()["Roots"]
    assert [(r["Id"], r["Name"], r["Arn"]) for r in roots] == [(ROOT, "Root", f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT}")]
    top = client.list_organizational_units_for_parent(ParentId=ROOT)["OrganizationalUnits"]
    assert [(ou["Id"], ou["Name"]) for ou in top] == [(SECURITY, "Security"), (WORKLOADS, "Workloads"), (SANDBOX, "Sandbox")]
    below = client.list_organizational_units_for_parent(ParentId=WORKLOADS)["OrganizationalUnits"]
    assert [(ou["Id"], ou["Name"], ou["Path"]) for ou in below] == [
        (PROD, "Prod", f"{ORG_ID}/{ROOT}/{WORKLOADS}/{PROD}/"), (DEV, "Dev", f"{ORG_ID}/{ROOT}/{WORKLOADS}/{DEV}/")]
    assert client.list_organizational_units_for_parent(ParentId=PROD)["OrganizationalUnits"] == []
    assert client.describe_organizational_unit(OrganizationalUnitId=DEV)["OrganizationalUnit"]["Name"] == "Dev"
    children = client.list_children(ParentId=ROOT, ChildType="ACCOUNT")["Children"]
    assert children == [{"Id": MANAGEMENT, "Type": "ACCOUNT"}]
    assert client.list_children(ParentId=WORKLOADS, ChildType="ORGANIZATIONAL_UNIT")["Children"] == [
        {"Id": PROD, "Type": "ORGANIZATIONAL_UNIT"}, {"Id": DEV, "Type": "ORGANIZATIONAL_UNIT"}]
    in_prod = client.list_accounts_for_parent(ParentId=PROD)["Accounts"]
    assert [a["Id"] for a in in_prod] == [TARGET, member(1), member(5)]
    assert client.list_parents(ChildId=TARGET)["Parents"] == [{"Id": PROD, "Type": "ORGANIZATIONAL_UNIT"}]
    assert client.list_parents(ChildId=PROD)["Parents"] == [{"Id": WORKLOADS, "Type": "ORGANIZATIONAL_UNIT"}]
    assert client.list_parents(ChildId=SECURITY)["Parents"] == [{"Id": ROOT, "Type": "ROOT"}]


def test_accounts_have_aws_shapes_and_tags(emu: t.Any) -> None:
    client = org(emu)
    account = client.describe_account(AccountId=member(6))["Account"]
    assert account["Arn"] == f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{member(6)}"
    assert (account["Name"], account["Email"], account["Status"], account["State"]) == (
        "member-006", "member-006@example.invalid", "SUSPENDED", "SUSPENDED")
    assert account["JoinedMethod"] == "CREATED"
    assert account["JoinedTimestamp"].year == 2024
    assert account["Paths"] == [f"{ORG_ID}/{ROOT}/{WORKLOADS}/{DEV}/{member(6)}/"]
    assert client.list_tags_for_resource(ResourceId=member(3))["Tags"] == [{"Key": "env", "Value": "sandbox"},
                                                                           {"Key": "team", "Value": "blue"}]
    assert client.list_tags_for_resource(ResourceId=SOURCE)["Tags"] == []
    assert client.list_tags_for_resource(ResourceId=PROD)["Tags"] == []


@pytest.mark.parametrize(("call", "kwargs", "code"), [
    ("describe_account", {"AccountId": THIRD}, "AccountNotFoundException"),
    ("describe_account", {"AccountId": "12345"}, "InvalidInputException"),
    ("describe_organizational_unit", {"OrganizationalUnitId": "ou-emu1-00000009"}, "OrganizationalUnitNotFoundException"),
    ("list_accounts_for_parent", {"ParentId": "ou-emu1-00000009"}, "ParentNotFoundException"),
    ("list_organizational_units_for_parent", {"ParentId": "r-nope"}, "ParentNotFoundException"),
    ("list_children", {"ParentId": ROOT, "ChildType": "POLICY"}, "InvalidInputException"),
    ("list_parents", {"ChildId": THIRD}, "ChildNotFoundException"),
    ("list_tags_for_resource", {"ResourceId": THIRD}, "TargetNotFoundException"),
    ("list_accounts", {"MaxResults": 21}, "InvalidInputException"),
    ("list_accounts", {"NextToken": "not-a-token"}, "InvalidInputException"),
])
def test_read_api_errors_have_aws_codes(emu: t.Any, call: str, kwargs: dict[str, t.Any], code: str) -> None:
    assert error_of(getattr(org(emu), call), **kwargs)[0] == code


def test_list_accounts_pages_like_aws(big_org: RunningEmulator) -> None:
    client = org(big_org)
    accounts, sizes = all_pages(client.list_accounts, "Accounts")
    assert sizes == [20, 20, 8]
    assert [a["Id"] for a in accounts] == [MANAGEMENT, SOURCE, TARGET] + [member(i) for i in range(1, 46)]
    small, small_sizes = all_pages(client.list_accounts, "Accounts", MaxResults=7)
    assert small_sizes == [7] * 6 + [6] and small == accounts
    # boto3's paginator sees the same thing.
    assert [a["Id"] for page in client.get_paginator("list_accounts").paginate() for a in page["Accounts"]] == [
        a["Id"] for a in accounts]
    # Prod holds 222222222222 and every fourth member from the first: 1 + 12 accounts.
    prod, prod_sizes = all_pages(client.list_accounts_for_parent, "Accounts", ParentId=PROD, MaxResults=5)
    assert prod_sizes == [5, 5, 3]
    assert [a["Id"] for a in prod] == [TARGET] + [member(i) for i in range(1, 46, 4)]
    # A token belongs to its operation and parent.
    token = client.list_accounts_for_parent(ParentId=PROD, MaxResults=5)["NextToken"]
    assert error_of(client.list_accounts_for_parent, ParentId=DEV, NextToken=token)[0] == "InvalidInputException"
    assert error_of(client.list_accounts, NextToken=token)[0] == "InvalidInputException"
    assert client.describe_account(AccountId=member(45))["Account"]["Status"] == "SUSPENDED"


def test_member_accounts_option_sizes_the_organization(big_org: RunningEmulator) -> None:
    organization = big_org.info["organization"]
    assert organization["member_accounts"] == 45
    assert len(organization["members"]) == 48
    assert [m["id"] for m in organization["members"] if m["status"] == "SUSPENDED"] == [member(45)]
    assert big_org.client.health()["organization"]["member_accounts"] == 45


# ---------------------------------------------------------------- who may read the organization

def test_only_the_management_account_may_list(emu: t.Any) -> None:
    assert error_of(org(emu, "source-admin").list_accounts) == (
        "AccessDeniedException", "You don't have permissions to access this resource.")
    assert error_of(org(emu, "target-admin").describe_account, AccountId=SOURCE)[0] == "AccessDeniedException"
    assert error_of(org(emu, "target-admin").list_roots)[0] == "AccessDeniedException"
    # Every member may describe its organization.
    assert org(emu, "source-admin").describe_organization()["Organization"]["Id"] == ORG_ID
    for call in ("list_accounts", "describe_organization", "list_roots"):
        assert error_of(getattr(org(emu, "third-admin"), call)) == (
            "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")


def test_a_delegated_administrator_may_list(emu: t.Any) -> None:
    assert org(emu).list_delegated_administrators()["DelegatedAdministrators"] == []
    emu.client.configure(delegated_admins=[SOURCE])
    assert len(all_pages(org(emu, "source-admin").list_accounts, "Accounts")[0]) == 9
    admins = org(emu, "source-admin").list_delegated_administrators()["DelegatedAdministrators"]
    assert [(a["Id"], a["Name"]) for a in admins] == [(SOURCE, "source")]
    assert "DelegationEnabledDate" in admins[0]
    assert error_of(org(emu, "target-admin").list_accounts)[0] == "AccessDeniedException"
    from emulator.client import EmulatorError

    with pytest.raises(EmulatorError, match="not a member account"):
        emu.client.configure(delegated_admins=[THIRD])
    with pytest.raises(EmulatorError, match="not a member account"):
        emu.client.configure(delegated_admins=[MANAGEMENT])
    emu.reset()
    assert error_of(org(emu, "source-admin").list_accounts)[0] == "AccessDeniedException"


def test_identity_policies_of_the_management_caller_apply(emu: t.Any) -> None:
    iam = emu.aws("iam", "management-admin")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["organizations:List*", "organizations:Describe*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "organizations:DescribeAccount",
             "Resource": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{SOURCE}"},
        ]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    iam.create_user(UserName="nobody")
    nobody_key = iam.create_access_key(UserName="nobody")["AccessKey"]
    reader = org(emu, None, credentials=key)
    assert reader.describe_account(AccountId=TARGET)["Account"]["Name"] == "target"
    assert error_of(reader.describe_account, AccountId=SOURCE)[0] == "AccessDeniedException"
    assert error_of(org(emu, None, credentials=nobody_key).list_accounts)[0] == "AccessDeniedException"


def test_json_protocol_errors_for_bad_credentials(emu: t.Any) -> None:
    bad = {"access_key": "AKIAEMUNOSUCHKEY0001", "secret_key": "x" * 40}
    assert error_of(org(emu, None, credentials=bad).list_accounts)[0] == "UnrecognizedClientException"


def test_throttled_reads_converge_with_botocore_retries(emu: t.Any) -> None:
    emu.client.configure(throttle_rate=0.4, seed=3)
    client = org(emu, max_attempts=20)
    accounts = [a["Id"] for page in client.get_paginator("list_accounts").paginate(MaxResults=2) for a in page["Accounts"]]
    assert len(accounts) == 9
    calls = emu.client.calls(service="organizations", action="ListAccounts")
    throttled = [c for c in calls if c["injected"] == "throttle"]
    assert throttled and {c["error_code"] for c in throttled} == {"TooManyRequestsException"}
    assert len(calls) - len(throttled) == 5


# ---------------------------------------------------------------- OrganizationAccountAccessRole

def test_management_may_assume_the_access_role_in_every_member(emu: t.Any) -> None:
    for account in (SOURCE, TARGET, member(1), member(4)):
        answer = assume(emu, access_role(account))
        assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/{ACCESS_ROLE}/org-test"
    role = in_member(emu, member(2), "iam").get_role(RoleName=ACCESS_ROLE)["Role"]
    document = role["AssumeRolePolicyDocument"]
    assert document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}
    # Generated members hold nothing else.
    iam = in_member(emu, member(2), "iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [ACCESS_ROLE]
    assert iam.list_users()["Users"] == []
    assert [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=ACCESS_ROLE)["AttachedPolicies"]] == [
        "AdministratorAccess"]


@pytest.mark.parametrize("profile", ["third-admin", "source-admin", "target-admin"])
def test_others_may_not_assume_the_access_role(emu: t.Any, profile: str) -> None:
    code, message = error_of(emu.aws("sts", profile).assume_role, RoleArn=access_role(member(1)), RoleSessionName="probe")
    assert code == "AccessDenied"
    assert f"sts:AssumeRole on resource: {access_role(member(1))}" in message


def test_a_suspended_member_cannot_be_entered(emu: t.Any) -> None:
    code, _message = error_of(emu.aws("sts", "management-admin").assume_role, RoleArn=access_role(member(6)),
                              RoleSessionName="probe")
    assert code == "AccessDenied"


def test_the_access_role_trust_is_enforced_like_any_other(emu: t.Any) -> None:
    iam = in_member(emu, member(3), "iam")
    iam.update_assume_role_policy(RoleName=ACCESS_ROLE, PolicyDocument=trust(allow({"AWS": SOURCE})))
    assert error_of(emu.aws("sts", "management-admin").assume_role, RoleArn=access_role(member(3)),
                    RoleSessionName="probe")[0] == "AccessDenied"
    assert assume(emu, access_role(member(3)), profile="source-admin")["AssumedRoleUser"]["Arn"].startswith(
        f"arn:aws:sts::{member(3)}:")


def test_members_are_materialised_lazily(emu: t.Any) -> None:
    assert emu.client.health()["organization"]["materialised_accounts"] == 0
    org(emu).list_accounts()
    assert emu.client.health()["organization"]["materialised_accounts"] == 0
    assume(emu, access_role(member(2)))
    assert emu.client.health()["organization"]["materialised_accounts"] == 1


def test_every_account_gets_the_0_1_behaviour(emu: t.Any) -> None:
    """Propagation delay, principal normalisation, call log and expiry in a generated member."""
    iam = in_member(emu, member(1), "iam")
    emu.client.configure(propagation_delay=30)
    created = iam.create_role(RoleName="Fresh", AssumeRolePolicyDocument=trust(allow({"AWS": MANAGEMENT})))["Role"]
    assert created["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}
    assert error_of(emu.aws("sts", "management-admin").assume_role, RoleArn=created["Arn"], RoleSessionName="probe")[0] == (
        "AccessDenied")
    code, _message = error_of(iam.create_role, RoleName="Bad", AssumeRolePolicyDocument=trust(
        allow({"AWS": f"arn:aws:iam::{member(2)}:user/nobody"})))
    assert code == "MalformedPolicyDocument"
    assert {c["account"] for c in emu.client.calls(service="iam", action="CreateRole")} == {member(1)}
    emu.client.configure(propagation_delay=0, time_scale=900)  # one AWS hour lasts 4 real seconds
    session = emu.aws("sts", credentials=assume(emu, access_role(member(1)))["Credentials"])
    assert session.get_caller_identity()["Account"] == member(1)
    time.sleep(4.5)
    assert error_of(session.get_caller_identity)[0] == "ExpiredToken"


# ---------------------------------------------------------------- condition keys

def test_principal_org_id_admits_members_and_not_outsiders(emu: t.Any) -> None:
    role = emu.aws("iam", "target-admin").create_role(RoleName="OrgWide", AssumeRolePolicyDocument=trust(
        allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}})))["Role"]["Arn"]
    assert assume(emu, role, profile="source-admin")
    assert assume(emu, role, profile="management-admin")
    # A session in a generated member (its role has AdministratorAccess).
    member_session = assume(emu, access_role(member(4)))["Credentials"]
    assert assume(emu, role, profile=None, credentials=member_session)
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"


def test_principal_org_paths_select_an_ou_subtree(emu: t.Any) -> None:
    role = emu.aws("iam", "target-admin").create_role(RoleName="WorkloadsOnly", AssumeRolePolicyDocument=trust(
        allow({"AWS": "*"}, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG_ID}/{ROOT}/{WORKLOADS}/*"}})))["Role"]["Arn"]
    in_dev = assume(emu, access_role(member(2)))["Credentials"]  # Root/Workloads/Dev
    in_workloads = assume(emu, access_role(member(4)))["Credentials"]  # Root/Workloads
    in_sandbox = assume(emu, access_role(member(3)))["Credentials"]  # Root/Sandbox
    assert assume(emu, role, profile=None, credentials=in_dev)
    assert assume(emu, role, profile=None, credentials=in_workloads)
    assert error_of(emu.aws("sts", credentials=in_sandbox).assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    assert error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    exact = emu.aws("iam", "target-admin").create_role(RoleName="SecurityOnly", AssumeRolePolicyDocument=trust(
        allow({"AWS": "*"}, {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": f"{ORG_ID}/{ROOT}/{SECURITY}/"}})))["Role"]["Arn"]
    assert assume(emu, exact, profile="source-admin")
    assert error_of(emu.aws("sts", credentials=in_dev).assume_role, RoleArn=exact, RoleSessionName="probe")[0] == "AccessDenied"


def test_resource_org_id_in_an_identity_policy(emu: t.Any) -> None:
    """One source policy for every role of that name in the organization (SPEC: target_organization_id)."""
    for profile in ("target-admin", "third-admin"):
        emu.aws("iam", profile).create_role(RoleName="Hub", AssumeRolePolicyDocument=trust(allow({"AWS": SOURCE})))
    iam = emu.aws("iam", "source-admin")
    iam.create_user(UserName="hopper")
    iam.put_user_policy(UserName="hopper", PolicyName="org", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Hub",
                       "Condition": {"StringEquals": {"aws:ResourceOrgID": ORG_ID}}}]}))
    key = iam.create_access_key(UserName="hopper")["AccessKey"]
    sts = emu.aws("sts", credentials=key)
    assert sts.assume_role(RoleArn=f"arn:aws:iam::{TARGET}:role/Hub", RoleSessionName="hop")
    assert error_of(sts.assume_role, RoleArn=f"arn:aws:iam::{THIRD}:role/Hub", RoleSessionName="hop")[0] == "AccessDenied"


def test_principal_org_id_in_an_identity_policy(emu: t.Any) -> None:
    target_role = emu.aws("iam", "target-admin").create_role(RoleName="Open", AssumeRolePolicyDocument=trust(
        allow({"AWS": [SOURCE, THIRD]})))["Role"]["Arn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target_role,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}}]})
    keys = {}
    for profile in ("source-admin", "third-admin"):
        iam = emu.aws("iam", profile)
        iam.create_user(UserName="orgbound")
        iam.put_user_policy(UserName="orgbound", PolicyName="p", PolicyDocument=policy)
        keys[profile] = iam.create_access_key(UserName="orgbound")["AccessKey"]
    assert emu.aws("sts", credentials=keys["source-admin"]).assume_role(RoleArn=target_role, RoleSessionName="in")
    assert error_of(emu.aws("sts", credentials=keys["third-admin"]).assume_role, RoleArn=target_role,
                    RoleSessionName="out")[0] == "AccessDenied"


def test_principal_account_condition(emu: t.Any) -> None:
    role = emu.aws("iam", "target-admin").create_role(RoleName="ByAccountKey", AssumeRolePolicyDocument=trust(
        allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": member(1)}})))["Role"]["Arn"]
    assert assume(emu, role, profile=None, credentials=assume(emu, access_role(member(1)))["Credentials"])
    assert error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"


def test_service_principal_with_source_account_and_source_arn(emu: t.Any) -> None:
    function_arn = f"arn:aws:lambda:us-east-1:{SOURCE}:function:worker"
    role = emu.aws("iam", "source-admin").create_role(RoleName="LambdaExec", AssumeRolePolicyDocument=trust(
        allow({"Service": "lambda.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": SOURCE},
                                                    "ArnLike": {"aws:SourceArn": f"arn:aws:lambda:*:{SOURCE}:function:*"}})))["Role"]["Arn"]
    answer = emu.client.assume_role_as_service("lambda.amazonaws.com", role, source_account=SOURCE, source_arn=function_arn)
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{SOURCE}:assumed-role/LambdaExec/service-session"
    assert emu.aws("sts", credentials=answer["Credentials"]).get_caller_identity()["Account"] == SOURCE
    denied = [
        emu.client.assume_role_as_service("lambda.amazonaws.com", role, source_account=THIRD,
                                          source_arn=f"arn:aws:lambda:us-east-1:{THIRD}:function:worker"),
        emu.client.assume_role_as_service("lambda.amazonaws.com", role, source_account=SOURCE,
                                          source_arn=f"arn:aws:s3:::{SOURCE}-bucket"),
        emu.client.assume_role_as_service("lambda.amazonaws.com", role),
        emu.client.assume_role_as_service("ec2.amazonaws.com", role, source_account=SOURCE, source_arn=function_arn),
    ]
    assert [d.get("error", {}).get("Code") for d in denied] == ["AccessDenied"] * 4
    # An IAM principal never matches a Service principal.
    assert error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"


def test_org_fixture_has_twenty_members(org_emu: t.Any) -> None:
    accounts, sizes = all_pages(org(org_emu).list_accounts, "Accounts")
    assert sizes == [20, 3]
    assert accounts[-1]["Id"] == member(20) and accounts[-1]["Status"] == "SUSPENDED"
