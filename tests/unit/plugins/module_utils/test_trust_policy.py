# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""trust_policy: every option checked before the first AWS call (table-driven), the request, the wanted document."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _trust_policy
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

SOURCE = "111111111111"
ROLE = "bad-input-role"
TRUST_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}]}
ACCOUNT = "222222222222"

REFUSED = [
    pytest.param({"role_name": "bad/name", "trusted_account_ids": [SOURCE]}, "role_name:", id="role-name"),
    pytest.param({"role_name": ROLE, "policy": TRUST_DOC, "state": "absent"}, "policy:", id="policy-absent"),
    pytest.param({"role_name": ROLE, "policy": dict(TRUST_DOC, Statement=[dict(TRUST_DOC["Statement"][0], Resource="*")])},
                 "policy:", id="policy-with-resource"),
    pytest.param({"role_name": ROLE, "policy": "{]"}, "policy:", id="policy-not-json"),
    pytest.param({"role_name": ROLE, "policy": TRUST_DOC, "allow_session_tags": True}, "policy:", id="policy-and-intent"),
    pytest.param({"role_name": ROLE, "require_mfa": True}, "require_mfa:", id="mfa-without-principal"),
    pytest.param({"role_name": ROLE, "trusted_account_ids": ["abc"]}, "trusted_account_ids[0]:", id="bad-account"),
    pytest.param({"role_name": ROLE, "trusted_principal_arns": ["arn:aws:s3:::bucket"]}, "trusted_principal_arns[0]:", id="s3-arn"),
]


@pytest.mark.parametrize(("args", "prefix"), REFUSED)
def test_bad_input_is_refused_before_any_aws_call(offline: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    assert offline("trust_policy", args).startswith(prefix)


def _request(**options: t.Any) -> _trust_policy.TrustPolicyRequest:
    return _trust_policy.request_from_options(OptionAdapter.from_dict(options))


def test_conditions_mean_nothing_when_principals_are_removed() -> None:
    request = _request(role_name=ROLE, trusted_oidc={"provider": "https://token.example.com"}, state="absent", require_mfa=True)
    assert request.intent.oidc_provider == "token.example.com" and request.state == "absent"


def test_the_wanted_document_merges_and_removes() -> None:
    present = _request(role_name=ROLE, trusted_account_ids=[SOURCE], external_id="ext-1234")
    merged = _trust_policy.desired_document(present, {"Version": "2012-10-17", "Statement": []}, [], "aws", ACCOUNT)
    assert merged["Statement"][0]["Principal"] == {"AWS": [f"arn:aws:iam::{SOURCE}:root"]}
    absent = _request(role_name=ROLE, trusted_account_ids=[SOURCE], state="absent")
    with pytest.raises(ValidationFailure, match="empty trust policy"):
        _trust_policy.desired_document(absent, merged, [], "aws", ACCOUNT)
    dangling = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEEXAMPLE1234"}, "Action": "sts:AssumeRole"}]}
    with pytest.raises(ValidationFailure, match=r"^remove_dangling"):
        _trust_policy.desired_document(_request(role_name=ROLE, remove_dangling=True), dangling, ["AROAEXAMPLEEXAMPLE1234"], "aws", ACCOUNT)
