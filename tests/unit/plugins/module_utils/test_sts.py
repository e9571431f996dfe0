# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The STS calls: credential formats and the propagation backoff."""

from __future__ import annotations

import datetime
import json

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts as sts
from ansible_collections.crossaccount.aws.plugins.module_utils import _sts_request as sts_request
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::222222222222:role/Target"


def req(**options):
    options.setdefault("role_arn", ROLE)
    return sts_request.request_from_options(OptionAdapter.from_dict(options))


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


def test_the_unsigned_web_identity_client_keeps_the_session_s_retries_and_user_agent():
    from ansible_collections.crossaccount.aws.plugins.module_utils import _connection as c
    from botocore import UNSIGNED

    conn = c.AwsConnection(c.ConnectionSettings(region="eu-west-1", endpoint_url="http://127.0.0.1:9"))
    client = sts._unsigned_sts(conn)  # pylint: disable=protected-access
    assert client.meta.config.signature_version is UNSIGNED
    assert client.meta.config.retries["total_max_attempts"] == c.RETRY_CONFIG["total_max_attempts"]
    assert f"crossaccount.aws/{c.COLLECTION_VERSION}" in client.meta.config.user_agent_extra
