# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service and resource control policies enforced as AWS does: the level rule, deny wins, the exemptions, condition
keys missing from the request, AWS's wording of the denial and the call log, over real HTTP with boto3."""

from __future__ import annotations

import typing as t

import pytest

from emulator.oidc import ISSUER, mint_token

from .support import (
    FULL_SCP,
    MANAGEMENT,
    ORG_ID,
    PROD,
    RCP,
    ROOT,
    SANDBOX,
    SCP,
    SECURITY,
    SOURCE,
    TARGET,
    TARGET_ADMIN_ROLE,
    THIRD,
    WORKLOADS,
    allow,
    assume,
    deny,
    document,
    error_of,
    in_account,
    member,
    org,
    trust,
)

SOURCE_ADMIN = f"arn:aws:iam::{SOURCE}:user/emulator-admin"
HOST = ISSUER.split("://", 1)[1]
ORG_PERIMETER = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}
STS_ASSUME = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]


def not_authorized(caller: str, action: str, resource: str, reason: str) -> str:
    return f"User: {caller} is not authorized to perform: {action} on resource: {resource} {reason}"


def last_call(emu: t.Any, action: str) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], emu.client.calls(action=action)[-1])


def replace_full_access(emu: t.Any, target_id: str, *statements: dict[str, t.Any]) -> str:
    """An allow-list at one level: attach an SCP allowing only ``statements`` there, then detach FullAWSAccess."""
    policy_id = emu.client.guardrail(document(*statements), target_id)
    emu.client.detach_policy(FULL_SCP, target_id)
    return policy_id


def make_role(emu: t.Any, name: str, principal: t.Any, profile: str = "target-admin",
              action: str = "sts:AssumeRole") -> str:
    iam = emu.aws("iam", profile)
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(principal, action))["Role"]["Arn"])


# ------------------------------------------------------------------------------------------------ SCPs

def test_an_scp_denying_assume_role_on_the_source_ou_names_its_kind(emu: t.Any) -> None:
    policy_id = emu.client.guardrail(document(deny("sts:AssumeRole", sid="NoRoleHopping")), SECURITY)
    code, message = error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="probe")
    assert (code, message) == ("AccessDenied", not_authorized(SOURCE_ADMIN, "sts:AssumeRole", TARGET_ADMIN_ROLE,
                                                              "with an explicit deny in a service control policy"))
    logged = last_call(emu, "AssumeRole")
    assert (logged["error_code"], logged["denied_by"]) == ("AccessDenied", SCP)
    assert logged["guardrail"] == {"explicit": True, "target_id": SECURITY, "policy_id": policy_id, "statement": "NoRoleHopping"}
    emu.client.detach_policy(policy_id, SECURITY)
    assert assume(emu, TARGET_ADMIN_ROLE, profile="source-admin")["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{TARGET}:")
    assert last_call(emu, "AssumeRole")["denied_by"] is None


def test_the_denying_policy_arn_is_in_the_message_when_configured(emu: t.Any) -> None:
    policy_id = emu.client.guardrail(document(deny("sts:AssumeRole")), SECURITY)
    emu.client.configure(policy_arn_in_denials=True)
    _code, message = error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="probe")
    assert message.endswith("with an explicit deny in a service control policy: "
                            f"arn:aws:organizations::{MANAGEMENT}:policy/{ORG_ID}/service_control_policy/{policy_id}")


def test_an_allow_list_without_sts_at_one_level_denies_implicitly(emu: t.Any) -> None:
    replace_full_access(emu, SECURITY, allow("iam:*"))
    code, message = error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="probe")
    assert (code, message) == ("AccessDenied", not_authorized(SOURCE_ADMIN, "sts:AssumeRole", TARGET_ADMIN_ROLE,
                                                              "because no service control policy allows the sts:AssumeRole action"))
    assert last_call(emu, "AssumeRole")["guardrail"] == {"explicit": False, "target_id": SECURITY, "policy_id": None,
                                                         "statement": None}
    # The allow-list lets through what it names, and GetCallerIdentity needs no permission at all.
    assert emu.aws("iam", "source-admin").list_roles()["Roles"] is not None
    assert emu.aws("sts", "source-admin").get_caller_identity()["Account"] == SOURCE


def test_every_level_from_the_root_to_the_account_must_allow(emu: t.Any) -> None:
    # The target account sits in Root/Workloads/Prod: allow-lists at Workloads and at the account itself.
    replace_full_access(emu, WORKLOADS, allow(["iam:*", "s3:*"]))
    replace_full_access(emu, TARGET, allow(["iam:*", "ec2:*"]))
    iam, s3 = emu.aws("iam", "target-admin"), emu.aws("s3", "target-admin")
    assert iam.list_roles()["Roles"]  # allowed at every level
    code, message = error_of(s3.list_buckets)  # Workloads allows S3, the account does not
    assert code == "AccessDenied"
    assert message.endswith("because no service control policy allows the s3:ListAllMyBuckets action")
    assert last_call(emu, "ListBuckets")["guardrail"]["target_id"] == TARGET
    code, message = error_of(emu.aws("ec2", "target-admin").describe_vpcs)  # the account allows EC2, Workloads does not
    assert message.endswith("because no service control policy allows the ec2:DescribeVpcs action")
    assert last_call(emu, "DescribeVpcs")["guardrail"]["target_id"] == WORKLOADS


def test_an_explicit_deny_wins_over_allows_at_every_level(emu: t.Any) -> None:
    emu.client.guardrail(document(allow(), deny("iam:CreateRole")), ROOT)
    iam = emu.aws("iam", "source-admin")
    code, message = error_of(iam.create_role, RoleName="Probe", AssumeRolePolicyDocument=trust({"AWS": SOURCE}))
    assert (code, message) == ("AccessDenied", not_authorized(
        SOURCE_ADMIN, "iam:CreateRole", f"arn:aws:iam::{SOURCE}:role/Probe", "with an explicit deny in a service control policy"))
    assert iam.list_roles()["Roles"] is not None
    assert "Probe" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_scps_apply_to_organizations_calls_of_a_delegated_administrator(emu: t.Any) -> None:
    emu.client.configure(delegated_admins=[SOURCE])
    assert org(emu, "source-admin").list_accounts()["Accounts"]
    emu.client.guardrail(document(deny("organizations:List*")), SOURCE)
    code, message = error_of(org(emu, "source-admin").list_accounts)
    assert code == "AccessDeniedException"
    assert message == (f"User: {SOURCE_ADMIN} is not authorized to perform: organizations:ListAccounts with an explicit "
                       "deny in a service control policy")
    assert last_call(emu, "ListAccounts")["denied_by"] == SCP


def test_the_management_account_is_exempt_but_sessions_it_opens_in_members_are_not(emu: t.Any) -> None:
    emu.client.guardrail(document(deny()), ROOT)
    assert emu.aws("iam", "management-admin").list_users()["Users"]
    assert org(emu).list_accounts()["Accounts"]
    session_iam = in_account(emu, member(1), "iam")  # AssumeRole by the management account: exempt
    code, message = error_of(session_iam.list_roles)
    assert code == "AccessDenied"
    assert message.startswith(f"User: arn:aws:sts::{member(1)}:assumed-role/OrganizationAccountAccessRole/org-test is not "
                              "authorized to perform: iam:ListRoles")
    assert message.endswith("with an explicit deny in a service control policy")
    assert error_of(emu.aws("iam", "source-admin").list_users)[0] == "AccessDenied"


def test_service_linked_roles_are_exempt_from_scps_and_rcps(emu: t.Any) -> None:
    account = member(1)
    iam = in_account(emu, account, "iam")
    slr = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]["Arn"]
    plain = iam.create_role(RoleName="BeanstalkPlain", AssumeRolePolicyDocument=trust(
        {"Service": "elasticbeanstalk.amazonaws.com"}))["Role"]["Arn"]
    emu.client.guardrail(document(deny()), account)
    emu.client.guardrail(document(deny(rcp=True)), account, policy_type=RCP)
    answer = emu.client.assume_role_as_service("elasticbeanstalk.amazonaws.com", slr)
    assert "Credentials" in answer, answer
    assert emu.aws("iam", credentials=answer["Credentials"]).list_roles()["Roles"]
    refused = emu.client.assume_role_as_service("elasticbeanstalk.amazonaws.com", plain)
    assert refused["error"]["Code"] == "AccessDenied"
    assert refused["error"]["Message"].endswith("with an explicit deny in a resource control policy")


def test_a_move_changes_which_scps_apply_and_principal_org_paths_follow(emu: t.Any) -> None:
    sandbox_path = f"{ORG_ID}/{ROOT}/{SANDBOX}/*"
    emu.client.guardrail(document(allow(), deny("iam:*", {"StringLike": {"aws:PrincipalOrgPaths": sandbox_path}})), ROOT)
    account = member(1)  # Root/Workloads/Prod
    assert in_account(emu, account, "iam").list_roles()["Roles"]
    emu.client.move_account(account, SANDBOX)
    assert error_of(in_account(emu, account, "iam").list_roles)[0] == "AccessDenied"
    emu.client.move_account(account, PROD)
    assert in_account(emu, account, "iam").list_roles()["Roles"]


def test_disabling_the_policy_type_lifts_every_scp(emu: t.Any) -> None:
    emu.client.guardrail(document(deny("iam:*")), SOURCE)
    assert error_of(emu.aws("iam", "source-admin").list_users)[0] == "AccessDenied"
    roots = emu.client.organizations().disable_policy_type(RootId=ROOT, PolicyType=SCP)["Root"]
    assert roots["PolicyTypes"] == [{"Type": RCP, "Status": "ENABLED"}]
    assert emu.aws("iam", "source-admin").list_users()["Users"]


# ------------------------------------------------------------------------------------------------ RCPs

def test_an_rcp_requiring_the_organization_blocks_outsiders_only_in_its_ou(emu: t.Any) -> None:
    policy_id = emu.client.guardrail(document(deny(STS_ASSUME, ORG_PERIMETER, rcp=True, sid="OrgOnly")), PROD, policy_type=RCP)
    in_prod = make_role(emu, "ThirdParty", {"AWS": [THIRD, SOURCE]})
    code, message = error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=in_prod, RoleSessionName="probe")
    assert (code, message) == ("AccessDenied", not_authorized(f"arn:aws:iam::{THIRD}:user/emulator-admin", "sts:AssumeRole",
                                                              in_prod, "with an explicit deny in a resource control policy"))
    assert last_call(emu, "AssumeRole")["guardrail"] == {"explicit": True, "target_id": PROD, "policy_id": policy_id,
                                                         "statement": "OrgOnly"}
    assert assume(emu, in_prod, profile="source-admin")  # a member of the organization passes
    in_sandbox = in_account(emu, member(3), "iam").create_role(RoleName="ThirdParty", AssumeRolePolicyDocument=trust(
        {"AWS": THIRD}))["Role"]["Arn"]
    assert assume(emu, in_sandbox, profile="third-admin")  # another OU: not covered


def test_resources_of_the_management_account_are_exempt_from_rcps(emu: t.Any) -> None:
    emu.client.guardrail(document(deny(STS_ASSUME, ORG_PERIMETER, rcp=True)), ROOT, policy_type=RCP)
    in_management = make_role(emu, "ThirdParty", {"AWS": THIRD}, profile="management-admin")
    assert assume(emu, in_management, profile="third-admin")
    in_target = make_role(emu, "ThirdParty", {"AWS": THIRD})
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=in_target, RoleSessionName="probe")[0] == "AccessDenied"


def test_an_rcp_on_tag_session_names_that_action(emu: t.Any) -> None:
    emu.client.guardrail(document(deny("sts:TagSession", rcp=True)), PROD, policy_type=RCP)
    sts = emu.aws("sts", "source-admin")
    assert sts.assume_role(RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="plain")
    code, message = error_of(sts.assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="tagged",
                             Tags=[{"Key": "team", "Value": "blue"}])
    assert (code, message) == ("AccessDenied", not_authorized(SOURCE_ADMIN, "sts:TagSession", TARGET_ADMIN_ROLE,
                                                              "with an explicit deny in a resource control policy"))


def oidc_role(emu: t.Any) -> str:
    emu.aws("iam", "target-admin").create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                                                   ThumbprintList=["0" * 40])
    provider = f"arn:aws:iam::{TARGET}:oidc-provider/{HOST}"
    return make_role(emu, "CiDeploy", {"Federated": provider}, action="sts:AssumeRoleWithWebIdentity")


def web_assume(emu: t.Any, role_arn: str) -> t.Any:
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = emu.session(None).client("sts", endpoint_url=emu.endpoint_url,
                                   config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    token = mint_token(ISSUER, "sts.amazonaws.com", "repo:example/app:ref:refs/heads/main")
    return lambda: sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="ci", WebIdentityToken=token)


# IAM: a key missing from the request makes a positive operator false and a negated one true; ...IfExists is true.
# A web identity caller has no aws:PrincipalOrgID (nor aws:PrincipalIsAWSService), so both negated forms deny it.
@pytest.mark.parametrize(("condition", "denied"), [
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}, True),
    ({"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}}, True),
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}, True),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-someoneelse"}}, False),
    ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-someoneelse"}}, True),
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}, "Null": {"aws:PrincipalOrgID": "false"}}, False),
])
def test_rcp_conditions_on_keys_a_web_identity_caller_lacks(emu: t.Any, condition: dict[str, t.Any], denied: bool) -> None:
    role = oidc_role(emu)
    call = web_assume(emu, role)
    assert call()["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/CiDeploy/")
    emu.client.guardrail(document(deny(STS_ASSUME, condition, rcp=True)), PROD, policy_type=RCP)
    if denied:
        assert error_of(call) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        assert last_call(emu, "AssumeRoleWithWebIdentity")["denied_by"] == RCP
    else:
        assert call()["Credentials"]
        assert last_call(emu, "AssumeRoleWithWebIdentity")["denied_by"] is None


def test_rcps_apply_to_aws_service_principals(emu: t.Any) -> None:
    role = make_role(emu, "LambdaRole", {"Service": "lambda.amazonaws.com"})
    policy_id = emu.client.guardrail(document(deny(STS_ASSUME, ORG_PERIMETER, rcp=True)), PROD, policy_type=RCP)
    refused = emu.client.assume_role_as_service("lambda.amazonaws.com", role, source_account=TARGET)
    assert refused["error"] == {"Code": "AccessDenied", "Message": "lambda.amazonaws.com is not authorized to perform: "
                                f"sts:AssumeRole on resource: {role} with an explicit deny in a resource control policy"}
    # The data-perimeter samples exempt services by aws:PrincipalIsAWSService, which IAM principals carry as false.
    emu.client.organizations().update_policy(PolicyId=policy_id, Content=document(deny(
        STS_ASSUME, {**ORG_PERIMETER, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}, rcp=True)))
    assert "Credentials" in emu.client.assume_role_as_service("lambda.amazonaws.com", role, source_account=TARGET)
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=make_role(emu, "Third", {"AWS": THIRD}),
                    RoleSessionName="probe")[0] == "AccessDenied"


def test_rcp_full_access_alone_lets_everything_through(emu: t.Any) -> None:
    """The default RCPFullAWSAccess grants nothing: the trust policy still decides."""
    role = make_role(emu, "SourceOnly", {"AWS": SOURCE})
    assert assume(emu, role, profile="source-admin")
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=role, RoleSessionName="probe") == (
        "AccessDenied", f"User: arn:aws:iam::{THIRD}:user/emulator-admin is not authorized to perform: sts:AssumeRole on "
                        f"resource: {role}")
    assert last_call(emu, "AssumeRole")["denied_by"] is None
