# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AssumeRole request: option validation, request building, default session names, the chaining cap."""

from __future__ import annotations

import json

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts_request as sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

ROLE = "arn:aws:iam::222222222222:role/Target"
MFA = "arn:aws:iam::111111111111:mfa/alice"


def req(**options):
    options.setdefault("role_arn", ROLE)
    return sts_request.request_from_options(OptionAdapter.from_dict(options))


def bad(option: str, **options) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as info:
        req(**options)
    assert info.value.option == option
    assert str(info.value).startswith(f"{option}: ")
    return info.value


def test_argspec_names_match_contract():
    assert set(sts_request.ASSUME_ROLE_ARGSPEC) == {
        "role_arn", "role_session_name", "external_id", "duration_seconds", "mfa_serial_number", "mfa_token",
        "policy", "policy_arns", "session_tags", "transitive_tag_keys", "source_identity", "wait_timeout",
        "via", "web_identity_token", "web_identity_token_file",
    }
    assert sts_request.ASSUME_ROLE_ARGSPEC["mfa_token"]["no_log"] is True
    assert sts_request.ASSUME_ROLE_ARGSPEC["web_identity_token"]["no_log"] is True
    assert sts_request.ASSUME_ROLE_ARGSPEC["wait_timeout"]["default"] == 60
    # Callers mutate their copy (required=True); the shared spec must stay intact.
    copy = sts_request.assume_role_argspec()
    copy["role_arn"]["required"] = True
    assert "required" not in sts_request.ASSUME_ROLE_ARGSPEC["role_arn"]


def test_minimal_request_and_kwargs():
    request = req(role_session_name="deploy")
    assert request.api_kwargs() == {"RoleArn": ROLE, "RoleSessionName": "deploy"}
    assert request.session_name_generated is False


def test_full_request_kwargs():
    request = req(
        role_session_name="deploy",
        external_id="ext-123",
        duration_seconds="1800",
        mfa_serial_number=MFA,
        mfa_token="012345",
        policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        session_tags={"Project": "x", "Cost": 42},
        transitive_tag_keys=["project"],
        source_identity="alice",
    )
    kwargs = request.api_kwargs()
    assert kwargs["DurationSeconds"] == 1800
    assert kwargs["ExternalId"] == "ext-123"
    assert kwargs["SerialNumber"] == MFA and kwargs["TokenCode"] == "012345"
    assert json.loads(kwargs["Policy"])["Statement"][0]["Action"] == "s3:*"
    assert kwargs["PolicyArns"] == [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    assert kwargs["Tags"] == [{"Key": "Project", "Value": "x"}, {"Key": "Cost", "Value": "42"}]
    assert kwargs["TransitiveTagKeys"] == ["project"]
    assert kwargs["SourceIdentity"] == "alice"
    # The MFA token is a secret: it is neither in repr nor in the cache key fields.
    assert "012345" not in repr(request)
    assert "012345" not in json.dumps(request.cache_fields())


def test_policy_dict_accepted():
    request = req(policy={"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    assert request.policy["Statement"][0]["Effect"] == "Deny"


def test_generated_session_name_is_valid_and_not_in_cache_key():
    request = req()
    assert request.session_name_generated
    assert request.session_name.startswith("ansible-")
    assert 2 <= len(request.session_name) <= 64
    assert request.cache_fields()["session_name"] is None
    assert req(role_session_name="fixed").cache_fields()["session_name"] == "fixed"


def test_request_uses_given_default_session_name():
    request = sts_request.request_from_options(OptionAdapter.from_dict({"role_arn": ROLE}), default_session_name="ansible-x-1")
    assert request.session_name == "ansible-x-1"


@pytest.mark.parametrize(
    "caller, expected",
    [
        ("arn:aws:iam::111111111111:user/ops/alice", "ansible-alice-1700000000"),
        ("arn:aws:sts::111111111111:assumed-role/Admin/botocore-session-1", "ansible-Admin-1700000000"),
        ("arn:aws:iam::111111111111:root", "ansible-root-1700000000"),
        ("arn:aws:iam::111111111111:user/" + "x" * 64, "ansible-" + "x" * 45 + "-1700000000"),
    ],
)
def test_default_session_name_from_caller(caller, expected):
    name = sts_request.default_session_name(caller, now=1700000000)
    assert name == expected
    assert v_session.session_name(name, "role_session_name") == name


def test_default_session_name_sanitises_local_user(monkeypatch):
    monkeypatch.setattr(sts_request.getpass, "getuser", lambda: "jane doe/ä")
    name = sts_request.default_session_name(None, now=1700000000)
    assert v_session.session_name(name, "role_session_name") == name
    assert name.startswith("ansible-jane-doe")


def test_default_session_name_without_user(monkeypatch):
    def boom():
        raise KeyError("no passwd entry")

    monkeypatch.setattr(sts_request.getpass, "getuser", boom)
    assert sts_request.default_session_name(None, now=1) == "ansible-session-1"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "arn:aws:iam::222222222222:user/Target",
        "arn:aws:iam::22222222222:role/Target",
        "arn:aws:s3:::bucket",
        "Target",
        "arn:aws:iam::222222222222:role/",
        "arn:aws:iam::222222222222:role/bad name",
        "arn:aws:iam::222222222222:role/Target\nsecond",
    ],
)
def test_bad_role_arn(value):
    bad("role_arn", role_arn=value)


def test_partition_role_arns_accepted():
    assert req(role_arn="arn:aws-us-gov:iam::222222222222:role/path/Target").role_arn.startswith("arn:aws-us-gov:")
    assert req(role_arn="arn:aws-cn:iam::222222222222:role/Target")


@pytest.mark.parametrize("value", ["a", "x" * 65, "has space", "semi;colon", "slash/no", "ü-umlaut"])
def test_bad_session_name(value):
    bad("role_session_name", role_session_name=value)


@pytest.mark.parametrize("value", ["ab", "x" * 64, "a+=,.@_-b"])
def test_good_session_name(value):
    assert req(role_session_name=value).session_name == value


@pytest.mark.parametrize("value", [899, 43201, 0, -1, "abc", "12.5", True])
def test_bad_duration(value):
    bad("duration_seconds", duration_seconds=value)


@pytest.mark.parametrize("value", [900, 43200, "3600"])
def test_good_duration(value):
    assert req(duration_seconds=value).duration_seconds == int(value)


@pytest.mark.parametrize("value", ["x", "has space", "y" * 1225])
def test_bad_external_id(value):
    bad("external_id", external_id=value)


@pytest.mark.parametrize("token", ["12345", "1234567", "abcdef", "12 456", "１２３４５６"])
def test_mfa_token_must_be_six_digits(token):
    err = bad("mfa_token", mfa_serial_number=MFA, mfa_token=token)
    # The rejected value is never echoed: it is a secret.
    assert token not in err.msg


def test_mfa_token_requires_serial():
    bad("mfa_token", mfa_token="123456")


def test_mfa_serial_requires_token():
    bad("mfa_serial_number", mfa_serial_number=MFA)


def test_mfa_serial_must_be_device():
    bad("mfa_serial_number", mfa_serial_number="arn:aws:iam::111111111111:user/alice", mfa_token="123456")
    bad("mfa_serial_number", mfa_serial_number="short", mfa_token="123456")
    assert req(mfa_serial_number="GAHT12345678", mfa_token="123456").mfa_serial == "GAHT12345678"


@pytest.mark.parametrize(
    "policy",
    ["{not json", "[]", '"text"', '{"Version": "2012-10-17"}', {"Statement": [{"Sid": "x" * 2100}]}],
)
def test_bad_policy(policy):
    bad("policy", policy=policy)


def test_bad_policy_arns():
    bad("policy_arns", policy_arns=[f"arn:aws:iam::aws:policy/P{i}" for i in range(11)])
    bad("policy_arns[0]", policy_arns=["ReadOnlyAccess"])
    bad("policy_arns", policy_arns="arn:aws:iam::aws:policy/ReadOnlyAccess")


def test_bad_session_tags():
    bad("session_tags[0]", session_tags=["a"])
    bad("session_tags", session_tags={"": "v"})
    bad("session_tags", session_tags={"k" * 129: "v"})
    bad("session_tags", session_tags={"Team": "a", "team": "b"})
    bad("session_tags", session_tags={f"k{i}": "v" for i in range(51)})
    bad("session_tags.k", session_tags={"k": "v" * 257})
    bad("session_tags.k", session_tags={"k": ["list"]})
    bad("session_tags.k", session_tags={"k": True})
    bad("session_tags.k", session_tags={"k": "semi;colon"})


def test_transitive_keys_must_be_tag_keys():
    bad("transitive_tag_keys[0]", session_tags={"a": "1"}, transitive_tag_keys=["b"])
    bad("transitive_tag_keys[0]", transitive_tag_keys=["a"])
    bad("transitive_tag_keys", session_tags={"a": "1"}, transitive_tag_keys="a")


@pytest.mark.parametrize("value", ["a", "has space", "aws:thing", "x" * 65])
def test_bad_source_identity(value):
    bad("source_identity", source_identity=value)


@pytest.mark.parametrize("value", [-1, "soon", True])
def test_bad_wait_timeout(value):
    bad("wait_timeout", wait_timeout=value)


def test_chaining_cap():
    long = req(duration_seconds=7200)
    session = "arn:aws:sts::111111111111:assumed-role/Admin/s"
    with pytest.raises(ValidationFailure) as info:
        sts_request.check_chaining(long, session)
    assert info.value.option == "duration_seconds"
    assert "role chaining is limited to 3600 seconds" in info.value.msg
    # Users may ask for long sessions, and sessions may chain within an hour.
    sts_request.check_chaining(long, "arn:aws:iam::111111111111:user/alice")
    sts_request.check_chaining(req(duration_seconds=3600), session)
    sts_request.check_chaining(req(), session)
    sts_request.check_chaining(long, None)
