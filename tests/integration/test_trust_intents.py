# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trust beyond account ids against the emulator: organization, patterns, services, OIDC, lint."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible_runner import run_module
from botocore.exceptions import ClientError

TARGET = "222222222222"
SOURCE = "111111111111"
THIRD = "333333333333"
ORG = "o-emulator0001"
PROD_PATH = f"{ORG}/r-emu1/ou-emu1-00000002/ou-emu1-00000003/"
SECURITY_PATH = f"{ORG}/r-emu1/ou-emu1-00000001/"
ROLE = "xacct-intents"
ROLE_ARN = f"arn:aws:iam::{TARGET}:role/{ROLE}"


def module(emu: t.Any, name: str, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    kwargs.setdefault("profile", "target-admin")
    return run_module(emu, name, args, **kwargs)


def target_role(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    return module(emu, "target_role", dict({"name": ROLE}, **args), **kwargs)


def trust(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    return module(emu, "trust_policy", dict({"role_name": ROLE}, **args), **kwargs)


def iam_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.calls(service="iam")]


def write_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.write_calls()]


def assume(emu: t.Any, profile: str | None = None, credentials: t.Mapping[str, str] | None = None) -> str:
    """AssumeRole on the test role: "ok" or the error code."""
    sts = emu.aws("sts", profile=profile, credentials=credentials)
    try:
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="intent-test")
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def codes(result: t.Mapping[str, t.Any]) -> list[str]:
    return [finding["code"] for finding in result.get("findings", [])]


# ---------------------------------------------------------------- organization

def test_org_member_is_allowed_and_outsider_denied(emu: t.Any) -> None:
    created = target_role(emu, {"trusted_org_id": ORG})
    assert created["changed"] is True, created
    statement = created["role"]["trust_policy"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    assert codes(created) == ["org_trust_without_path"]
    assert assume(emu, "source-admin") == "ok"          # 111111111111 is a member (Root/Security)
    assert assume(emu, "third-admin") == "AccessDenied"  # 333333333333 is outside the organization

    emu.client.clear_calls()
    again = target_role(emu, {"trusted_org_id": ORG})
    assert again["changed"] is False
    assert iam_actions(emu) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"]


def test_org_paths_admit_only_principals_of_those_ous(emu: t.Any) -> None:
    created = target_role(emu, {"trusted_org_id": ORG, "trusted_org_paths": [PROD_PATH]})
    assert created["changed"] is True, created
    assert codes(created) == []
    assert assume(emu, "source-admin") == "AccessDenied"  # the source account sits in Root/Security, not Prod
    changed = trust(emu, {"trusted_org_id": ORG, "trusted_org_paths": [SECURITY_PATH]})
    assert changed["changed"] is True
    assert [st.get("Sid") for st in changed["trust_policy"]["Statement"]] == ["TrustOrganization"]
    assert assume(emu, "source-admin") == "ok"
    assert assume(emu, "third-admin") == "AccessDenied"


def test_trust_policy_adds_and_removes_the_org_statement_keeping_others(emu: t.Any) -> None:
    assert target_role(emu, {"trusted_account_ids": [SOURCE], "external_id": "ext-1"})["changed"] is True
    added = trust(emu, {"trusted_org_id": ORG, "trusted_org_paths": [SECURITY_PATH]})
    assert added["changed"] is True
    assert len(added["trust_policy"]["Statement"]) == 2
    emu.client.clear_calls()
    assert trust(emu, {"trusted_org_id": ORG, "trusted_org_paths": [SECURITY_PATH]})["changed"] is False
    assert iam_actions(emu) == ["GetRole"]
    removed = trust(emu, {"trusted_org_id": ORG, "state": "absent"})
    assert removed["changed"] is True
    assert [st["Sid"] for st in removed["trust_policy"]["Statement"]] == ["CrossAccountAssumeRole"]


# ---------------------------------------------------------------- principal patterns

def _make_ci_user(emu: t.Any, name: str) -> dict[str, str]:
    iam = emu.aws("iam", profile="source-admin", max_attempts=5)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}


def _delete_user(emu: t.Any, name: str) -> None:
    iam = emu.aws("iam", profile="source-admin", max_attempts=5)
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="assume")
    iam.delete_user(UserName=name)


def test_pattern_trusted_user_deleted_and_recreated_still_assumes(emu: t.Any) -> None:
    first = _make_ci_user(emu, "ci-runner")
    created = target_role(emu, {"trusted_principal_patterns": [f"arn:aws:iam::{SOURCE}:user/ci-*"], "known_account_ids": [SOURCE]})
    assert created["changed"] is True, created
    assert created["findings"] == []
    statement = created["role"]["trust_policy"]["Statement"][0]
    assert statement["Condition"] == {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{SOURCE}:user/ci-*"}}
    assert assume(emu, credentials=first) == "ok"
    other = _make_ci_user(emu, "not-ci")
    assert assume(emu, credentials=other) == "AccessDenied"

    _delete_user(emu, "ci-runner")
    second = _make_ci_user(emu, "ci-runner")
    assert assume(emu, credentials=second) == "ok"
    stored = emu.aws("iam", profile="target-admin").get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert "AIDA" not in json.dumps(stored)  # nothing dangling: the pattern names no unique id
    emu.client.clear_calls()
    again = target_role(emu, {"trusted_principal_patterns": [f"arn:aws:iam::{SOURCE}:user/ci-*"], "known_account_ids": [SOURCE]})
    assert again["changed"] is False
    assert write_actions(emu) == []


# ---------------------------------------------------------------- services and OIDC

def test_service_with_source_account_guard(emu: t.Any) -> None:
    created = target_role(emu, {"trusted_services": ["lambda.amazonaws.com"], "source_account": TARGET})
    assert created["changed"] is True, created
    ok = emu.client.assume_role_as_service("lambda.amazonaws.com", ROLE_ARN, source_account=TARGET)
    assert "Credentials" in ok, ok
    denied = emu.client.assume_role_as_service("lambda.amazonaws.com", ROLE_ARN, source_account=THIRD)
    assert denied["error"]["Code"] == "AccessDenied"


def test_oidc_happy_path_and_wrong_subject(emu: t.Any) -> None:
    from emulator.oidc import ISSUER, mint_token

    emu.aws("iam", profile="target-admin", max_attempts=5).create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["0" * 40])
    created = target_role(emu, {"trusted_oidc": {"provider": ISSUER, "audience": "sts.amazonaws.com",
                                                 "subjects": ["repo:org/app:ref:refs/heads/main"]}, "lint": "error"})
    assert created["changed"] is True, created
    host = ISSUER.split("://", 1)[1]
    assert created["role"]["trust_policy"]["Statement"][0]["Principal"] == {"Federated": f"arn:aws:iam::{TARGET}:oidc-provider/{host}"}

    sts = emu.aws("sts", credentials={"access_key": "unused", "secret_key": "unused"})

    def web(subject: str) -> str:
        token = mint_token(ISSUER, "sts.amazonaws.com", subject)
        try:
            sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="ci", WebIdentityToken=token)
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        return "ok"

    assert web("repo:org/app:ref:refs/heads/main") == "ok"
    assert web("repo:org/other:ref:refs/heads/main") == "AccessDenied"


# ---------------------------------------------------------------- lint

def test_lint_error_makes_zero_write_calls(emu: t.Any) -> None:
    refused = target_role(emu, {"trusted_account_ids": [THIRD], "lint": "error"})
    assert refused["failed"] is True
    assert refused["msg"].startswith("lint: the trust policy has 1 error finding(s), nothing was written: external_id_missing (statement 0)")
    assert [f["code"] for f in refused["findings"]] == ["external_id_missing", "root_trust_without_mfa"]
    assert write_actions(emu) == []

    assert target_role(emu, {"trusted_account_ids": [SOURCE], "external_id": "ext-1"})["changed"] is True
    emu.client.clear_calls()
    refused = trust(emu, {"trusted_account_ids": [THIRD], "lint": "error"})
    assert refused["failed"] is True and "external_id_missing" in refused["msg"]
    assert write_actions(emu) == []
    # The same change with lint=warn goes through, the finding a warning.
    warned = trust(emu, {"trusted_account_ids": [THIRD]})
    assert warned["changed"] is True
    assert "external_id_missing" in json.dumps(warned["warnings"])
    assert "external_id_missing" in codes(warned)
    off = trust(emu, {"trusted_account_ids": [THIRD], "lint": "off"})
    assert off["findings"] == [] and "warnings" not in off


def test_known_source_account_lints_clean(emu: t.Any) -> None:
    result = target_role(emu, {"trusted_account_ids": [SOURCE], "known_account_ids": [SOURCE], "lint": "error"})
    assert result["changed"] is True, result
    assert result["findings"] == []
    assert "warnings" not in result


def test_size_quota_is_read_only_when_a_write_is_due(emu: t.Any) -> None:
    created = target_role(emu, {"trusted_account_ids": [SOURCE], "external_id": "ext-1"})
    assert created["changed"] is True
    assert "GetAccountSummary" in [c["action"] for c in emu.client.calls(service="iam")]
    emu.client.clear_calls()
    assert target_role(emu, {"trusted_account_ids": [SOURCE], "external_id": "ext-1"})["changed"] is False
    assert "GetAccountSummary" not in iam_actions(emu)

    emu.client.configure(trust_policy_size_quota=200)
    emu.client.clear_calls()
    patterns = [f"arn:aws:iam::{SOURCE}:role/team-{n}-*" for n in range(8)]
    refused = trust(emu, {"trusted_principal_patterns": patterns, "external_id": "ext-1", "lint": "error"})
    assert refused["failed"] is True
    assert "size_quota" in refused["msg"] and "AssumeRolePolicySizeQuota is 200" in refused["msg"]
    assert write_actions(emu) == []


# The other refusals of bad trust options are a table in tests/unit/plugins/module_utils/test_target_role.py.
@pytest.mark.parametrize(("args", "option"), [
    ({"trusted_oidc": {"provider": "https://oidc.example.com", "audience": "a", "subjects": ["*"]}}, "trusted_oidc.subjects[0]"),
    # A subject without a concrete owner trusts repositories of every account on GitHub.
    ({"trusted_oidc": {"provider": "https://token.actions.githubusercontent.com", "audience": "sts.amazonaws.com",
                       "subjects": ["repo:my-org/app:*", "repo:*"]}}, "trusted_oidc.subjects[1]"),
    ({"trusted_oidc": {"provider": "https://token.actions.githubusercontent.com", "audience": "sts.amazonaws.com",
                       "subjects": ["*:ref:refs/heads/main"]}}, "trusted_oidc.subjects[0]"),
    ({"trusted_oidc": {"provider": "https://token.actions.githubusercontent.com", "audience": "sts.amazonaws.com",
                       "subjects": ["repo:*:*"]}}, "trusted_oidc.subjects[0]"),
    ({"trusted_account_ids": [SOURCE], "lint": "loud"}, "lint"),
])
def test_bad_intent_fails_before_any_call_naming_the_option(emu: t.Any, args: dict[str, t.Any], option: str) -> None:
    result = target_role(emu, args)
    assert result["failed"] is True
    # lint's choices are checked by ansible-core's argument spec ("value of lint must be one of ...").
    assert result["msg"].startswith(option) or f"value of {option} must be one of" in result["msg"], result["msg"]
    assert iam_actions(emu) == []


def _wildcard_document(condition: dict[str, t.Any]) -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize("condition", [{"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}}])
def test_a_wildcard_that_nothing_narrows_is_refused_before_any_call(emu: t.Any, condition: dict[str, t.Any]) -> None:
    result = target_role(emu, {"trust_policy": _wildcard_document(condition)})
    assert result["failed"] is True
    assert result["msg"].startswith('trust_policy: trusts Principal "*" without a condition that narrows it'), result["msg"]
    assert iam_actions(emu) == []


def test_a_wildcard_narrowed_by_the_organization_is_accepted(emu: t.Any) -> None:
    result = target_role(emu, {"trust_policy": _wildcard_document({"StringEquals": {"aws:PrincipalOrgID": ORG}})})
    assert result["changed"] is True, result
    assert "wildcard_principal" not in codes(result)
    assert assume(emu, "source-admin") == "ok"
    assert assume(emu, "third-admin") == "AccessDenied"
