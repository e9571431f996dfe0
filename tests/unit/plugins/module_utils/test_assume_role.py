# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""assume_role: the STS request as a module (role_arn required), every option checked before the first AWS call."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _assume_role, _sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_OPTIONS

ROLE = "arn:aws:iam::222222222222:role/Deploy"


def test_the_argument_spec_is_the_sts_one_with_role_arn_required() -> None:
    spec = _assume_role.ARGSPEC.argument_spec
    assert set(spec) == set(_sts_request.ASSUME_ROLE_ARGSPEC) | set(CONNECTION_OPTIONS)
    assert spec["role_arn"]["required"] is True and "required" not in _sts_request.ASSUME_ROLE_ARGSPEC["role_arn"]
    assert _assume_role.request_from_options is _sts_request.request_from_options and _assume_role.AssumeRoleRequest is _sts_request.AssumeRoleRequest


REFUSED = [
    pytest.param({}, "missing required arguments: role_arn", id="role-arn-missing"),
    pytest.param({"role_arn": "arn:aws:iam::222222222222:user/x"}, "role_arn:", id="not-a-role"),
    pytest.param({"role_arn": ROLE, "duration_seconds": 60}, "duration_seconds:", id="duration"),
    pytest.param({"role_arn": ROLE, "mfa_token": "123456"}, "mfa_token: requires mfa_serial_number", id="token-without-serial"),
    pytest.param({"role_arn": ROLE, "session_tags": {"aws:x": "1"}}, "session_tags:", id="reserved-tag"),
    pytest.param({"role_arn": ROLE, "transitive_tag_keys": ["team"]}, "transitive_tag_keys[0]:", id="transitive-without-tag"),
    pytest.param({"role_arn": ROLE, "web_identity_token": "tok3n", "mfa_serial_number": "GAHT12345678", "mfa_token": "123456"},
                 "web_identity_token:", id="token-and-mfa"),
    pytest.param({"role_arn": ROLE, "via": [ROLE], "duration_seconds": 7200}, "duration_seconds:", id="chained-duration"),
    pytest.param({"role_arn": ROLE, "profile": "p", "access_key": "AKIAEXAMPLE000000000", "secret_key": "s" * 40}, "profile:",
                 id="profile-and-keys"),
]


@pytest.mark.parametrize(("args", "prefix"), REFUSED)
def test_bad_input_is_refused_before_any_aws_call(offline: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    message = offline("assume_role", args)
    assert message.startswith(prefix), message
    assert "s" * 40 not in message and "tok3n" not in message


MFA_SERIAL = "arn:aws:iam::111111111111:mfa/admin"


@pytest.mark.parametrize(
    "args, option",
    [
        ({"bogus_option": 1}, "bogus_option"),
        ({"role_arn": "arn:aws:iam::2222:role/X"}, "role_arn"),
        ({"role_arn": "not-an-arn"}, "role_arn"),
        ({"duration_seconds": 600}, "duration_seconds"),
        ({"duration_seconds": 50000}, "duration_seconds"),
        ({"role_session_name": "bad name!"}, "role_session_name"),
        ({"mfa_serial_number": MFA_SERIAL, "mfa_token": "12345"}, "mfa_token"),
        ({"mfa_serial_number": MFA_SERIAL, "mfa_token": "abcdef"}, "mfa_token"),
        ({"session_tags": {"a": "1"}, "transitive_tag_keys": ["b"]}, "transitive_tag_keys"),
        ({"policy": "[1, 2]"}, "policy"),
        ({"source_identity": "x"}, "source_identity"),
        ({"external_id": "a b"}, "external_id"),
        ({"profile": "source-admin", "access_key": "AKIAX", "secret_key": "y"}, "profile"),
    ],
)
def test_each_option_names_itself_when_refused(offline: t.Any, args: dict[str, t.Any], option: str) -> None:
    full = {"role_arn": ROLE, "profile": "source-admin"}
    full.update(args)
    message = offline("assume_role", full)
    assert option in message and "Traceback" not in message
