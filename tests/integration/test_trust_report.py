# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module trust_report against the emulator: a fixture account with one role per class, summary, fail_on, no writes."""

from __future__ import annotations

import json
import typing as t

from ansible_runner import run_module

TARGET = "222222222222"
SOURCE = "111111111111"
THIRD = "333333333333"
ORG_ID = "o-emulator0001"
ISSUER_HOST = "oidc.emulator.invalid"
PROVIDER_ARN = f"arn:aws:iam::{TARGET}:oidc-provider/{ISSUER_HOST}"
ALL_CLASSES = {"public", "unknown_account", "dangling", "federated", "organization", "known_account", "service", "same_account"}


def allow(principal: t.Any, condition: dict[str, t.Any] | None = None, action: str = "sts:AssumeRole") -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


# name -> (path, statements, expected class of each statement)
FIXTURE: dict[str, tuple[str, list[dict[str, t.Any]], list[str]]] = {
    "audit-same": ("/audit/ok/", [allow({"AWS": f"arn:aws:iam::{TARGET}:root"})], ["same_account"]),
    "audit-org": ("/audit/ok/", [allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}})], ["organization"]),
    "audit-known": ("/audit/ok/", [allow({"AWS": f"arn:aws:iam::{SOURCE}:root"})], ["known_account"]),
    "audit-service": ("/audit/ok/", [allow({"Service": "ec2.amazonaws.com"})], ["service"]),
    "audit-federated": ("/audit/ok/", [allow({"Federated": PROVIDER_ARN},
                                             {"StringEquals": {f"{ISSUER_HOST}:aud": "sts.amazonaws.com"},
                                              "StringLike": {f"{ISSUER_HOST}:sub": "repo:acme/app:*"}},
                                             "sts:AssumeRoleWithWebIdentity")], ["federated"]),
    "audit-unknown": ("/audit/bad/", [allow({"AWS": f"arn:aws:iam::{THIRD}:root"})], ["unknown_account"]),
    # A condition that narrows nothing: the module options would refuse this document, boto3 does not.
    "audit-public": ("/audit/bad/", [allow("*", {"StringLike": {"aws:PrincipalArn": "*"}}),
                                     allow({"Service": "lambda.amazonaws.com"})], ["public", "service"]),
    # Trusts a user that is deleted afterwards: IAM (and the emulator) show its unique id instead.
    "audit-dangling": ("/audit/bad/", [allow({"AWS": f"arn:aws:iam::{SOURCE}:user/audit-leaver"})], ["dangling"]),
}


def build_fixture(emu: t.Any) -> None:
    source = emu.aws("iam", "source-admin")
    target = emu.aws("iam", "target-admin")
    source.create_user(UserName="audit-leaver")
    target.create_open_id_connect_provider(Url=f"https://{ISSUER_HOST}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    for name, (path, statements, _classes) in FIXTURE.items():
        target.create_role(RoleName=name, Path=path,
                           AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    source.delete_user(UserName="audit-leaver")
    emu.client.clear_calls()


def report(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    kwargs.setdefault("profile", "target-admin")
    return run_module(emu, "trust_report", dict(args), **kwargs)


def by_name(result: t.Mapping[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {role["name"]: role for role in result["roles"]}


def codes(role: t.Mapping[str, t.Any]) -> set[str]:
    return {finding["code"] for finding in role["findings"]}


def test_every_class_of_the_fixture_account(emu: t.Any) -> None:
    build_fixture(emu)
    result = report(emu, {"known_account_ids": [SOURCE], "path_prefix": "/audit/"})
    assert result["failed"] is False, result
    assert result["changed"] is False
    roles = by_name(result)
    assert set(roles) == set(FIXTURE)
    for name, (path, _statements, classes) in FIXTURE.items():
        role = roles[name]
        assert role["arn"] == f"arn:aws:iam::{TARGET}:role{path}{name}"
        assert role["path"] == path
        assert [statement["class"] for statement in role["statements"]] == classes, name
        assert [statement["index"] for statement in role["statements"]] == list(range(len(classes)))
    assert {cls for role in result["roles"] for cls in role["classes"]} == ALL_CLASSES
    assert result["summary"] == {"public": 1, "unknown_account": 1, "dangling": 1, "federated": 1, "organization": 1,
                                 "known_account": 1, "service": 2, "same_account": 1}
    assert roles["audit-public"]["classes"] == ["public", "service"]

    # What each statement says, as the document says it.
    dangling = roles["audit-dangling"]["statements"][0]["principals"]["AWS"][0]
    assert dangling.startswith("AIDA"), dangling
    assert roles["audit-federated"]["statements"][0]["principals"] == {"Federated": [PROVIDER_ARN]}
    assert roles["audit-org"]["statements"][0]["conditions"] == {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}
    assert roles["audit-same"]["statements"][0]["conditions"] == {}

    # Lint findings from the policy engine, with known_account_ids passed through.
    assert "wildcard_principal" in codes(roles["audit-public"])
    assert "external_id_missing" in codes(roles["audit-unknown"])
    assert "external_id_missing" not in codes(roles["audit-known"])
    finding = next(f for f in roles["audit-public"]["findings"] if f["code"] == "wildcard_principal")
    assert finding["severity"] == "error"
    assert finding["statement"] == 0

    # Read-only: one ListRoles page, no write, no per-role GetRole.
    assert emu.client.write_calls() == []
    assert [call["action"] for call in emu.client.calls(service="iam")] == ["ListRoles"]


def test_without_known_accounts_the_known_account_is_unknown(emu: t.Any) -> None:
    build_fixture(emu)
    result = report(emu, {"path_prefix": "/audit/ok/"})
    assert by_name(result)["audit-known"]["classes"] == ["unknown_account"]
    assert "external_id_missing" in codes(by_name(result)["audit-known"])
    assert result["summary"]["known_account"] == 0
    assert result["summary"]["unknown_account"] == 1


def test_fail_on_fails_naming_the_roles_and_still_reports(emu: t.Any) -> None:
    build_fixture(emu)
    result = report(emu, {"known_account_ids": [SOURCE], "path_prefix": "/audit/", "fail_on": ["public", "unknown_account", "dangling"]})
    assert result["failed"] is True
    assert result["msg"] == ("fail_on: found public trust in role audit-public; unknown_account trust in role audit-unknown; "
                             "dangling trust in role audit-dangling")
    assert result["summary"]["public"] == 1
    assert len(result["roles"]) == len(FIXTURE)
    assert emu.client.write_calls() == []


def test_fail_on_passes_when_no_such_class_is_found(emu: t.Any) -> None:
    build_fixture(emu)
    gate = {"known_account_ids": [SOURCE], "fail_on": ["public", "unknown_account", "dangling"]}
    passed = report(emu, dict(gate, path_prefix="/audit/ok/"))
    assert passed["failed"] is False, passed
    assert passed["summary"]["public"] == passed["summary"]["unknown_account"] == passed["summary"]["dangling"] == 0
    # The same gate without the known account fails on it: known_account_ids is what lets it pass.
    failed = report(emu, {"fail_on": ["unknown_account"], "path_prefix": "/audit/ok/"})
    assert failed["failed"] is True
    assert failed["msg"] == "fail_on: found unknown_account trust in role audit-known"


def test_check_mode_reports_the_same(emu: t.Any) -> None:
    build_fixture(emu)
    normal = report(emu, {"known_account_ids": [SOURCE], "path_prefix": "/audit/"})
    checked = report(emu, {"known_account_ids": [SOURCE], "path_prefix": "/audit/"}, check=True)
    assert checked["failed"] is False, checked
    assert checked["roles"] == normal["roles"]
    assert checked["summary"] == normal["summary"]
    assert emu.client.write_calls() == []


def test_whole_account_includes_the_bootstrap_roles(emu: t.Any) -> None:
    result = report(emu, {"known_account_ids": [SOURCE]})
    assert result["failed"] is False, result
    admin = by_name(result)["EmulatorTargetAdmin"]
    assert admin["classes"] == ["known_account"]
    assert admin["statements"][0]["principals"] == {"AWS": [f"arn:aws:iam::{SOURCE}:root"]}


def test_roles_are_listed_page_by_page(emu: t.Any) -> None:
    target = emu.aws("iam", "target-admin")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [allow({"Service": "ec2.amazonaws.com"})]})
    for index in range(105):
        target.create_role(RoleName=f"bulk-{index:03d}", Path="/bulk/", AssumeRolePolicyDocument=trust)
    emu.client.clear_calls()
    result = report(emu, {"path_prefix": "/bulk/"})
    assert result["failed"] is False, result
    assert sorted(role["name"] for role in result["roles"]) == [f"bulk-{index:03d}" for index in range(105)]
    assert result["summary"]["service"] == 105
    assert [call["action"] for call in emu.client.calls(service="iam")] == ["ListRoles", "ListRoles"]


def test_bad_input_fails_before_any_call(emu: t.Any) -> None:
    for args, message in (
        ({"known_account_ids": ["1234"]}, "known_account_ids[0]: must be a 12-digit AWS account id"),
        ({"path_prefix": "audit"}, "path_prefix: must be an IAM path prefix beginning with '/'"),
        ({"fail_on": ["everything"]}, "fail_on"),
    ):
        result = report(emu, args)
        assert result["failed"] is True
        assert message in result["msg"], result["msg"]
    assert emu.client.calls() == []
