# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The STS layer: option validation, request building, credential formats and the propagation backoff."""

from __future__ import annotations

import datetime
import json

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts as sts
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::222222222222:role/Target"
MFA = "arn:aws:iam::111111111111:mfa/alice"


def req(**options):
    options.setdefault("role_arn", ROLE)
    return sts.request_from_options(OptionAdapter.from_dict(options))


def bad(option: str, **options) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as info:
        req(**options)
    assert info.value.option == option
    assert str(info.value).startswith(f"{option}: ")
    return info.value


def test_argspec_names_match_contract():
    assert set(sts.ASSUME_ROLE_ARGSPEC) == {
        "role_arn", "role_session_name", "external_id", "duration_seconds", "mfa_serial_number", "mfa_token",
        "policy", "policy_arns", "session_tags", "transitive_tag_keys", "source_identity", "wait_timeout",
        "via", "web_identity_token", "web_identity_token_file",
    }
    assert sts.ASSUME_ROLE_ARGSPEC["mfa_token"]["no_log"] is True
    assert sts.ASSUME_ROLE_ARGSPEC["web_identity_token"]["no_log"] is True
    assert sts.ASSUME_ROLE_ARGSPEC["wait_timeout"]["default"] == 60
    # Callers mutate their copy (required=True); the shared spec must stay intact.
    copy = sts.assume_role_argspec()
    copy["role_arn"]["required"] = True
    assert "required" not in sts.ASSUME_ROLE_ARGSPEC["role_arn"]


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
    request = sts.request_from_options(OptionAdapter.from_dict({"role_arn": ROLE}), default_session_name="ansible-x-1")
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
    name = sts.default_session_name(caller, now=1700000000)
    assert name == expected
    assert v_session.session_name(name, "role_session_name") == name


def test_default_session_name_sanitises_local_user(monkeypatch):
    monkeypatch.setattr(sts.getpass, "getuser", lambda: "jane doe/ä")
    name = sts.default_session_name(None, now=1700000000)
    assert v_session.session_name(name, "role_session_name") == name
    assert name.startswith("ansible-jane-doe")


def test_default_session_name_without_user(monkeypatch):
    def boom():
        raise KeyError("no passwd entry")

    monkeypatch.setattr(sts.getpass, "getuser", boom)
    assert sts.default_session_name(None, now=1) == "ansible-session-1"


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
        sts.check_chaining(long, session)
    assert info.value.option == "duration_seconds"
    assert "role chaining is limited to 3600 seconds" in info.value.msg
    # Users may ask for long sessions, and sessions may chain within an hour.
    sts.check_chaining(long, "arn:aws:iam::111111111111:user/alice")
    sts.check_chaining(req(duration_seconds=3600), session)
    sts.check_chaining(req(), session)
    sts.check_chaining(long, None)


EXPIRY = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
RESPONSE = {
    "Credentials": {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "SECRETSECRETSECRET",
        "SessionToken": "TOKENTOKENTOKEN",
        "Expiration": EXPIRY,
    },
    "AssumedRoleUser": {"Arn": "arn:aws:sts::222222222222:assumed-role/Target/deploy", "AssumedRoleId": "AROAEXAMPLE:deploy"},
    "SourceIdentity": "alice",
}


def test_credentials_formats_and_repr():
    creds = sts.AssumedCredentials.from_response(RESPONSE)
    assert creds.account_id == "222222222222"
    assert "SECRET" not in repr(creds) and "TOKEN" not in repr(creds)
    assert creds.module_args("eu-west-1") == {
        "access_key": "ASIAEXAMPLE",
        "secret_key": "SECRETSECRETSECRET",
        "session_token": "TOKENTOKENTOKEN",
        "region": "eu-west-1",
    }
    env = creds.env("eu-west-1")
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAEXAMPLE" and env["AWS_SECRET_ACCESS_KEY"] == "SECRETSECRETSECRET"
    assert env["AWS_SESSION_TOKEN"] == "TOKENTOKENTOKEN" and env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2031-01-02T03:04:05Z"
    assert "AWS_REGION" not in creds.env(None)
    assert creds.credential_process() == {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "SECRETSECRETSECRET",
        "SessionToken": "TOKENTOKENTOKEN",
        "Expiration": "2031-01-02T03:04:05Z",
        "AccountId": "222222222222",
    }
    again = sts.AssumedCredentials.from_cache(json.loads(json.dumps(creds.to_cache())))
    assert again == creds


def test_naive_expiration_is_utc():
    response = json.loads(json.dumps(RESPONSE, default=str))
    response["Credentials"]["Expiration"] = "2031-01-02T03:04:05"
    assert sts.AssumedCredentials.from_response(response).expiration == EXPIRY


@pytest.mark.parametrize("data", [None, [], {}, {"access_key": "A"}, dict(RESPONSE)])
def test_from_cache_rejects_foreign(data):
    with pytest.raises(ValueError):
        sts.AssumedCredentials.from_cache(data)


def denied(code="AccessDenied"):
    return ClientError({"Error": {"Code": code, "Message": "User: x is not authorized to perform: sts:AssumeRole"}}, "AssumeRole")


class FakeClient:
    def __init__(self, failures, code="AccessDenied"):
        self.failures = failures
        self.code = code
        self.calls = []

    def assume_role(self, **kwargs):
        self.calls.append(kwargs)
        if len(self.calls) <= self.failures:
            raise denied(self.code)
        return RESPONSE


class FakeConn:
    def __init__(self, client):
        self.sts = client


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_assume_role_success_first_try():
    client = FakeClient(0)
    fake = FakeTime()
    creds = sts.assume_role(FakeConn(client), req(role_session_name="deploy"), sleep=fake.sleep, clock=fake.clock)
    assert creds.access_key == "ASIAEXAMPLE"
    assert client.calls == [{"RoleArn": ROLE, "RoleSessionName": "deploy"}]
    assert fake.sleeps == []


def test_access_denied_retried_while_propagating():
    client = FakeClient(4)
    fake = FakeTime()
    creds = sts.assume_role(FakeConn(client), req(), wait_timeout=60, sleep=fake.sleep, clock=fake.clock)
    assert creds.assumed_role_arn.endswith("/deploy")
    assert len(client.calls) == 5
    # Backoff grows from about 0.5 s and is capped at 1 s.
    assert 0.4 <= fake.sleeps[0] <= 0.5
    assert all(a < b for a, b in zip(fake.sleeps, fake.sleeps[1:]))
    assert max(fake.sleeps) <= 1.0


@pytest.mark.parametrize("jitter, most_calls", [("low", 78), ("high", 63)])
def test_backoff_capped_and_bounded_by_wait_timeout(monkeypatch, jitter, most_calls):
    # Pin the jitter at each end of its range: a random draw made this bound flaky in CI.
    monkeypatch.setattr(sts.random, "uniform", (lambda a, b: a) if jitter == "low" else (lambda a, b: b))
    client = FakeClient(10_000)
    fake = FakeTime()
    with pytest.raises(CrossAccountError) as info:
        sts.assume_role(FakeConn(client), req(), wait_timeout=60, sleep=fake.sleep, clock=fake.clock)
    err = info.value
    assert err.code == "AccessDenied" and err.operation == "sts:AssumeRole"
    assert "still denied after waiting 60 s" in err.msg
    assert "may still be propagating" in err.msg and "crossaccount.aws.verify_access" in err.msg
    assert err.msg.startswith("sts:AssumeRole failed: AccessDenied")
    assert err.extra["attempts"] == len(client.calls) and err.extra["waited"] == 60
    assert max(fake.sleeps) <= 1.0 and fake.now == 60
    # Bounded probing: a minute of waiting is at most 78 AssumeRole calls (about one a second) even with the shortest jitter.
    assert len(client.calls) == most_calls
    assert "\n" not in err.msg


@pytest.mark.parametrize("propagation", [2.0, 5.0, 9.0, 15.0])
def test_backoff_finds_the_end_of_propagation_within_one_short_step(propagation):
    fake = FakeTime()

    class PropagatingClient(FakeClient):
        def assume_role(self, **kwargs):
            # Denied until the trust policy has propagated, like STS after a fresh role.
            self.failures = 0 if fake.now >= propagation else 10_000
            return super().assume_role(**kwargs)

    client = PropagatingClient(10_000)
    sts.assume_role(FakeConn(client), req(), wait_timeout=60, sleep=fake.sleep, clock=fake.clock)
    # The wait ends within one step (at most 1 s) of the role becoming usable.
    assert propagation <= fake.now <= propagation + 1.0


def test_no_wait_fails_at_once():
    client = FakeClient(1)
    fake = FakeTime()
    with pytest.raises(CrossAccountError) as info:
        sts.assume_role(FakeConn(client), req(), wait_timeout=0, sleep=fake.sleep, clock=fake.clock)
    assert len(client.calls) == 1 and fake.sleeps == []
    assert "denied at once" in info.value.msg and "still denied after waiting" not in info.value.msg
    assert info.value.extra["attempts"] == 1


@pytest.mark.parametrize("code", ["ValidationError", "ExpiredToken", "RegionDisabledException", "InvalidClientTokenId"])
def test_other_errors_fail_at_once(code):
    client = FakeClient(1, code=code)
    fake = FakeTime()
    with pytest.raises(CrossAccountError) as info:
        sts.assume_role(FakeConn(client), req(), wait_timeout=60, sleep=fake.sleep, clock=fake.clock)
    assert len(client.calls) == 1 and fake.sleeps == []
    assert info.value.code == code
    assert info.value.msg.startswith(f"sts:AssumeRole failed: {code}: ")
