# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""target_role: every option checked before the first AWS call (table-driven), and the request it builds."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _target_role
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

SOURCE = "111111111111"
ROLE = "bad-input-role"
OK_TRUST = {"name": ROLE, "trusted_account_ids": [SOURCE], "external_id": "ext-1234"}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}]}
ORG = "o-emulator0001"


def _with(**overrides: t.Any) -> dict[str, t.Any]:
    args = dict(OK_TRUST)
    args.update(overrides)
    return {k: v for k, v in args.items() if v is not None}


def _wildcard_document(condition: dict[str, t.Any]) -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


# (args, what the message starts with): every one refused before the first AWS call.
REFUSED = [
    pytest.param(_with(name="bad name!"), "name:", id="role-name-chars"),
    pytest.param(_with(name="r" * 65), "name:", id="role-name-too-long"),
    pytest.param(_with(path="team"), "path:", id="path-without-slashes"),
    pytest.param(_with(path="/a//b/"), "path:", id="path-empty-segment"),
    pytest.param(_with(trusted_account_ids=["12345"]), "trusted_account_ids[0]:", id="short-account-id"),
    pytest.param(_with(trusted_account_ids=[SOURCE, "1111111111112"]), "trusted_account_ids[1]:", id="long-account-id"),
    pytest.param(_with(trusted_principal_arns=["arn:aws:iam::111111111111:group/devs"]), "trusted_principal_arns[0]:", id="group-principal"),
    pytest.param(_with(trusted_principal_arns=["arn:aws-xx:iam::111111111111:role/x"]), "trusted_principal_arns[0]:", id="bad-partition"),
    pytest.param(_with(trusted_principal_arns=["not-an-arn"]), "trusted_principal_arns[0]:", id="principal-not-arn"),
    pytest.param(_with(external_id="x"), "external_id:", id="external-id-too-short"),
    pytest.param(_with(external_id="has space"), "external_id:", id="external-id-chars"),
    pytest.param(_with(max_session_duration=1800), "max_session_duration:", id="duration-too-short"),
    pytest.param(_with(max_session_duration=43201), "max_session_duration:", id="duration-too-long"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, trust_policy="{not json"), "trust_policy:", id="trust-not-json"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, trust_policy="[1, 2]"), "trust_policy:", id="trust-not-object"),
    pytest.param(_with(trusted_account_ids=None, external_id=None,
                       trust_policy={"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
                 "trust_policy:", id="trust-without-principal"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, require_mfa=True, trust_policy=TRUST_DOC),
                 "trust_policy:", id="trust-and-intent"),
    pytest.param(_with(trusted_account_ids=None, external_id=None,
                       trust_policy={"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}),
                 "trust_policy:", id="trust-wildcard-without-condition"),
    pytest.param(_with(trusted_account_ids=None), "external_id:", id="external-id-without-principal"),
    pytest.param(_with(inline_policies={"read": "[1, 2]"}), "inline_policies.read:", id="inline-not-object"),
    pytest.param(_with(inline_policies={"read": {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}}),
                 "inline_policies.read:", id="inline-bad-effect"),
    pytest.param(_with(inline_policies={"bad name": DOC}), "inline_policies:", id="inline-bad-name"),
    pytest.param(_with(managed_policies=["arn:aws:iam::aws:policy/"]), "managed_policies[0]:", id="managed-bad-arn"),
    pytest.param(_with(managed_policies=["Amazon S3"]), "managed_policies[0]:", id="managed-bad-name"),
    pytest.param(_with(permissions_boundary="PowerUserAccess"), "permissions_boundary:", id="boundary-not-arn"),
    pytest.param(_with(tags={"aws:owner": "me"}), "tags:", id="reserved-tag-prefix"),
    pytest.param(_with(tags={"k": "v" * 257}), "tags.k:", id="tag-value-too-long"),
    pytest.param(_with(description="d" * 1001), "description:", id="description-too-long"),
    # Trust beyond account ids.
    pytest.param({"name": ROLE, "trusted_org_id": "o-BAD"}, "trusted_org_id", id="org-id"),
    pytest.param({"name": ROLE, "trusted_org_paths": ["o-emulator0001/ou-emu1-00000003/"]}, "trusted_org_paths[0]", id="org-path-without-root"),
    pytest.param({"name": ROLE, "trusted_org_id": ORG, "trusted_org_paths": ["o-otherorg0001/r-emu1/"]}, "trusted_org_paths[0]",
                 id="org-path-of-another-org"),
    pytest.param({"name": ROLE, "trusted_principal_patterns": ["arn:aws:iam::*:role/ci-*"]}, "trusted_principal_patterns[0]",
                 id="pattern-without-account"),
    pytest.param({"name": ROLE, "trusted_services": ["ec2"]}, "trusted_services[0]", id="service"),
    pytest.param({"name": ROLE, "trusted_services": ["ec2.amazonaws.com"], "source_account": "12"}, "source_account", id="source-account"),
    pytest.param({"name": ROLE, "source_arn": "arn:aws:s3:::bucket"}, "source_arn", id="source-arn-without-services"),
    pytest.param({"name": ROLE, "trusted_oidc": {"provider": "http://oidc.example.com", "audience": "a", "subjects": ["x"]}},
                 "trusted_oidc.provider", id="oidc-http"),
    pytest.param({"name": ROLE, "trusted_oidc": {"provider": "https://oidc.example.com", "audience": "a", "subjects": ["*"]}},
                 "trusted_oidc.subjects[0]", id="oidc-subject-wildcard"),
    pytest.param({"name": ROLE, "trusted_oidc": {"provider": "https://oidc.example.com", "subjects": ["x"]}}, "trusted_oidc.audience",
                 id="oidc-without-audience"),
    pytest.param({"name": ROLE, "trusted_services": ["ec2.amazonaws.com"], "external_id": "ext-1"}, "external_id", id="external-id-for-a-service"),
    pytest.param({"name": ROLE, "trusted_account_ids": [SOURCE], "known_account_ids": ["x"]}, "known_account_ids[0]", id="known-account"),
] + [
    pytest.param({"name": ROLE, "trust_policy": _wildcard_document(condition)}, 'trust_policy: trusts Principal "*" without a condition that narrows it',
                 id=f"wildcard-{name}")
    for name, condition in (("arn-star", {"StringLike": {"aws:PrincipalArn": "*"}}), ("empty-block", {"StringLike": {}}),
                            ("external-id-only", {"StringEquals": {"sts:ExternalId": "only-an-external-id"}}),
                            ("if-exists", {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}}))
]


@pytest.mark.parametrize(("args", "prefix"), REFUSED)
def test_bad_input_is_refused_before_any_aws_call(offline: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    assert offline("target_role", args).startswith(prefix)


def test_lint_choices_are_the_argument_spec_s(offline: t.Any) -> None:
    assert "lint" in offline("target_role", {"name": ROLE, "trusted_account_ids": [SOURCE], "lint": "loud"})


def test_whole_document_and_trust_options_are_exclusive(offline: t.Any) -> None:
    message = offline("target_role", {"name": ROLE, "trust_policy": TRUST_DOC, "trusted_account_ids": [SOURCE]})
    assert "trust_policy" in message and "trusted_account_ids" in message


def _request(**options: t.Any) -> _target_role.TargetRoleRequest:
    return _target_role.request_from_options(OptionAdapter.from_dict(options))


def test_the_request_holds_the_cleaned_options() -> None:
    request = _request(name=ROLE, path="/team/", trusted_account_ids=[SOURCE, SOURCE], external_id="ext-1234",
                       managed_policies=["AmazonS3ReadOnlyAccess", "AmazonS3ReadOnlyAccess"], max_session_duration="7200",
                       tags={"team": "blue"}, description="d")
    assert (request.name, request.path, request.state) == (ROLE, "/team/", "present")
    assert request.intent.account_ids == (SOURCE,) and request.intent.external_id == "ext-1234"
    assert request.managed == ["AmazonS3ReadOnlyAccess"] and request.max_session_duration == 7200
    assert request.tags == {"team": "blue"} and request.description == "d"
    assert request.has_trust and request.trust_option == "trusted_account_ids"


def test_unset_options_leave_the_role_as_it_is() -> None:
    request = _request(name=ROLE)
    assert (request.description, request.managed, request.inline, request.max_session_duration, request.boundary, request.tags) == (
        None, None, None, None, None, None)
    assert not request.has_trust
    # An explicit false next to a whole document is harmless; only a true boolean conflicts with it.
    assert _request(name=ROLE, trust_policy=TRUST_DOC, require_mfa=False).trust_option == "trust_policy"
