# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""verify_access: every option checked before the first AWS call (table-driven), and the request it builds."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _verify_access
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

ROLE = "arn:aws:iam::222222222222:role/Deploy"

REFUSED = [
    pytest.param({"external_id": "ext-1234"}, "external_id: only applies together with role_arn", id="assume-option-without-role"),
    pytest.param({"role_arn": "arn:aws:iam::222222222222:role"}, "role_arn:", id="role-arn-without-name"),
    pytest.param({"role_arn": ROLE, "wait_timeout": 3601}, "wait_timeout:", id="wait-too-long"),
    pytest.param({"role_arn": ROLE, "expected_account_id": "2222"}, "expected_account_id:", id="expected-account"),
    pytest.param({"role_arn": ROLE, "expected_role_name": "bad name"}, "expected_role_name:", id="expected-role-name"),
    pytest.param({"role_arn": ROLE, "s3_buckets": ["no such bucket"]}, "s3_buckets[0]:", id="bucket"),
    pytest.param({"role_arn": ROLE, "mfa_serial_number": "arn:aws:iam::111111111111:mfa/me"}, "mfa_serial_number:", id="mfa-without-token"),
    pytest.param({"role_arn": ROLE, "target_aws": {"endpoint_url": "http://a b"}}, "target_aws.endpoint_url:", id="target-endpoint"),
    pytest.param({"role_arn": ROLE, "target_aws": {"profile": "t", "access_key": "AKIAEXAMPLE000000000", "secret_key": "s" * 40}},
                 "target_aws.profile:", id="target-profile-and-keys"),
    pytest.param({"role_arn": ROLE, "via": [ROLE, {"role_arn": ROLE, "duration_seconds": 7200}]}, "via[1].duration_seconds:", id="hop-duration"),
]


@pytest.mark.parametrize(("args", "prefix"), REFUSED)
def test_bad_input_is_refused_before_any_aws_call(offline: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    message = offline("verify_access", args)
    assert message.startswith(prefix), message
    assert "s" * 40 not in message


def test_the_request_without_a_role_checks_the_given_credentials() -> None:
    options = {"expected_account_id": "222222222222", "s3_buckets": ["s3://bucket-1/", "bucket-1", "*"]}
    request = _verify_access.request_from_options(OptionAdapter.from_dict(options))
    assert request.assume is None and request.s3_buckets == ["bucket-1", "*"] and request.expected_account_id == "222222222222"


def test_the_request_with_a_role_and_a_target_connection() -> None:
    request = _verify_access.request_from_options(OptionAdapter.from_dict({
        "role_arn": ROLE, "external_id": "ext-1234", "wait_timeout": "30", "target_aws": {"aws_profile": "target-admin", "region": "eu-west-1"}}))
    assert request.assume is not None and request.assume.external_id == "ext-1234" and request.wait_timeout == 30
    assert request.target is not None and (request.target.profile, request.target.region) == ("target-admin", "eu-west-1")
