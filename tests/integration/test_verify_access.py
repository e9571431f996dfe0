# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module verify_access: the success path, and one test per diagnosis with the exact reason."""

from __future__ import annotations

import configparser
import json
import typing as t

import pytest
from ansible_runner import run_module

SOURCE = "111111111111"
TARGET = "222222222222"
THIRD = "333333333333"
SOURCE_ADMIN = f"arn:aws:iam::{SOURCE}:user/emulator-admin"
TARGET_AWS = {"profile": "target-admin"}


def trust(principal: str = SOURCE, condition: dict | None = None) -> dict:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def make_role(emu: t.Any, name: str, document: dict | None = None, max_session_duration: int = 3600) -> str:
    iam = emu.aws("iam", "target-admin")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document or trust()), MaxSessionDuration=max_session_duration)
    return role["Role"]["Arn"]


def verify(emu: t.Any, args: dict, profile: str = "source-admin", **kwargs: t.Any) -> dict:
    return run_module(emu, "verify_access", args, profile=profile, **kwargs)


def assert_denied(result: dict, reason: str) -> None:
    assert result["failed"], result
    assert result["verified"] is False
    assert reason in result["diagnosis"][0], result["diagnosis"]
    assert result["msg"].startswith(result["diagnosis"][0]), result["msg"]
    assert any(check["name"] == "assume_role" and not check["ok"] for check in result["checks"])


def secrets_of(emu: t.Any) -> list[str]:
    parser = configparser.RawConfigParser()
    parser.read(emu.credentials_file)
    return [parser.get(section, "aws_secret_access_key") for section in parser.sections()]


def test_success_assumes_checks_identity_and_lists_bucket(emu: t.Any) -> None:
    role_arn = make_role(emu, "reader")
    iam = emu.aws("iam", "target-admin")
    iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    emu.aws("s3", "target-admin").create_bucket(Bucket="target-data-bucket")
    args = {
        "role_arn": role_arn,
        "role_session_name": "verify-run",
        "expected_account_id": TARGET,
        "expected_role_name": "reader",
        "s3_buckets": ["target-data-bucket", "s3://target-data-bucket/"],
        "target_aws": TARGET_AWS,
    }
    for check in (False, True):  # read-only: check mode runs it for real
        result = verify(emu, args, check=check)
        assert not result["failed"], result
        assert result["verified"] is True and result["changed"] is False
        assert result["identity"]["account"] == TARGET
        assert result["identity"]["arn"] == f"arn:aws:sts::{TARGET}:assumed-role/reader/verify-run"
        assert set(result["identity"]) == {"account", "arn", "user_id"}
        checks = {c["name"]: c for c in result["checks"]}
        assert all(c["ok"] for c in result["checks"])
        assert {"source_identity", "assume_role", "caller_identity", "expected_account_id", "expected_role_name",
                "s3:target-data-bucket"} <= set(checks)
        assert result["diagnosis"] == []
        dumped = json.dumps(result)
        assert not any(secret in dumped for secret in secrets_of(emu))
    assert len(emu.client.calls(action="ListObjectsV2")) == 2  # the two spellings are one bucket


def test_given_credentials_are_checked_without_role_arn(emu: t.Any) -> None:
    result = verify(emu, {"expected_account_id": TARGET, "expected_role_name": "EmulatorTargetAdmin", "s3_buckets": ["*"]},
                    profile="target-admin")
    assert not result["failed"], result
    assert result["identity"]["account"] == TARGET
    assert [c["name"] for c in result["checks"]] == ["source_identity", "expected_account_id", "expected_role_name", "s3:ListBuckets"]
    assert len(emu.client.calls(action="AssumeRole")) == 1  # only the profile's own AssumeRole


def test_expected_account_mismatch_fails(emu: t.Any) -> None:
    role_arn = make_role(emu, "reader")
    result = verify(emu, {"role_arn": role_arn, "expected_account_id": THIRD})
    assert result["failed"] and result["verified"] is False
    assert result["msg"].startswith(f"the credentials belong to account {TARGET}, not to expected_account_id {THIRD}")
    assert {"name": "expected_account_id", "ok": False, "detail": f"account {TARGET}, expected {THIRD}"} in result["checks"]
    assert result["identity"]["account"] == TARGET


def test_expected_role_name_mismatch_fails(emu: t.Any) -> None:
    role_arn = make_role(emu, "reader")
    result = verify(emu, {"role_arn": role_arn, "expected_role_name": "writer"})
    assert result["failed"]
    assert result["msg"].startswith("the credentials are a session of role reader, not of expected_role_name writer")


def test_diagnosis_role_missing(emu: t.Any) -> None:
    result = verify(emu, {"role_arn": f"arn:aws:iam::{TARGET}:role/nope", "target_aws": TARGET_AWS, "wait_timeout": 30})
    assert_denied(result, f"role nope does not exist in account {TARGET}")
    # a definite reason: no waiting for propagation (one probe, plus target_aws's profile assuming EmulatorTargetAdmin)
    assert len(emu.client.calls(action="AssumeRole")) == 2


def test_diagnosis_account_not_trusted(emu: t.Any) -> None:
    role_arn = make_role(emu, "third-only", trust(THIRD))
    result = verify(emu, {"role_arn": role_arn, "target_aws": TARGET_AWS, "wait_timeout": 0})
    assert_denied(result, f"the trust policy of role third-only does not name account {SOURCE} or principal {SOURCE_ADMIN}")


def test_diagnosis_external_id_missing(emu: t.Any) -> None:
    role_arn = make_role(emu, "partner", trust(condition={"StringEquals": {"sts:ExternalId": "ext-secret-1"}}))
    result = verify(emu, {"role_arn": role_arn, "target_aws": TARGET_AWS, "wait_timeout": 0})
    assert_denied(result, "the trust policy of role partner requires an external id (sts:ExternalId) and none was given")


def test_diagnosis_external_id_wrong(emu: t.Any) -> None:
    role_arn = make_role(emu, "partner", trust(condition={"StringEquals": {"sts:ExternalId": "ext-secret-1"}}))
    result = verify(emu, {"role_arn": role_arn, "external_id": "ext-other-2", "target_aws": TARGET_AWS, "wait_timeout": 0})
    assert_denied(result, "the external id given does not match the sts:ExternalId that the trust policy of role partner requires")
    # and with the right one it works
    ok = verify(emu, {"role_arn": role_arn, "external_id": "ext-secret-1", "target_aws": TARGET_AWS})
    assert ok["verified"] is True, ok


def test_diagnosis_mfa_required(emu: t.Any) -> None:
    role_arn = make_role(emu, "mfa-only", trust(condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    result = verify(emu, {"role_arn": role_arn, "target_aws": TARGET_AWS, "wait_timeout": 0})
    assert_denied(result, "the trust policy of role mfa-only requires MFA (aws:MultiFactorAuthPresent)")
    ok = verify(emu, {"role_arn": role_arn, "mfa_serial_number": f"arn:aws:iam::{SOURCE}:mfa/emulator-admin", "mfa_token": "123456"})
    assert ok["verified"] is True, ok
    assert "123456" not in json.dumps(ok)


def test_diagnosis_caller_lacks_identity_policy(emu: t.Any) -> None:
    role_arn = make_role(emu, "reader")
    # no target_aws: the caller's side alone explains it
    result = verify(emu, {"role_arn": role_arn, "wait_timeout": 0}, profile="source-user")
    assert_denied(result, f"the caller's identity policies do not allow sts:AssumeRole on {role_arn}")
    assert any("pass target_aws" in sentence for sentence in result["diagnosis"])
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["identity_policy:sts:AssumeRole"]["ok"] is False


def test_diagnosis_duration_above_max_session_duration(emu: t.Any) -> None:
    role_arn = make_role(emu, "short", max_session_duration=3600)
    result = verify(emu, {"role_arn": role_arn, "duration_seconds": 7200, "target_aws": TARGET_AWS})
    assert_denied(result, "duration_seconds 7200 is above the MaxSessionDuration of role short (3600 s)")


def test_diagnosis_duration_above_chaining_cap(emu: t.Any) -> None:
    role_arn = make_role(emu, "chained", trust(TARGET), max_session_duration=43200)
    emu.client.clear_calls()
    result = verify(emu, {"role_arn": role_arn, "duration_seconds": 7200}, profile="target-admin")
    assert result["failed"] and result["verified"] is False
    assert "duration_seconds 7200 is above the 1-hour cap for role chaining" in result["diagnosis"][0]
    assert result["msg"].startswith(result["diagnosis"][0])
    # refused before the call: only the profile's own AssumeRole (source -> EmulatorTargetAdmin) was made
    assert len(emu.client.calls(action="AssumeRole")) == 1


def test_diagnosis_still_propagating(emu: t.Any) -> None:
    emu.client.configure(propagation_delay=30)
    role_arn = make_role(emu, "fresh")
    result = verify(emu, {"role_arn": role_arn, "target_aws": TARGET_AWS, "wait_timeout": 1})
    assert_denied(result, "role fresh was created")
    assert "it is most likely still propagating through IAM" in result["diagnosis"][0]
    assert len(emu.client.calls(action="AssumeRole")) >= 2  # it did wait and retry


@pytest.mark.parametrize(
    "args, option",
    [
        ({"role_arn": "arn:aws:iam::2222:role/x"}, "role_arn"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "duration_seconds": 100}, "duration_seconds"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "role_session_name": "bad name"}, "role_session_name"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "mfa_serial_number": f"arn:aws:iam::{SOURCE}:mfa/a", "mfa_token": "12345"}, "mfa_token"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "target_aws": {"bogus": 1}}, "target_aws"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "target_aws": {"profile": "a", "access_key": "AKIAEXAMPLEEXAMPLE"}}, "target_aws.profile"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "expected_account_id": "1234"}, "expected_account_id"),
        ({"role_arn": f"arn:aws:iam::{TARGET}:role/x", "s3_buckets": ["a/b"]}, "s3_buckets[0]"),
        ({"external_id": "ext-123"}, "external_id"),
    ],
)
def test_bad_input_names_the_option_without_aws_calls(emu: t.Any, args: dict, option: str) -> None:
    result = verify(emu, args)
    assert result["failed"], result
    assert option in result["msg"], result["msg"]
    if option != "target_aws":  # Ansible's own sub-option check words it "Unsupported parameters ... target_aws"
        assert result["msg"].startswith(f"{option}: "), result["msg"]
    assert "12345" not in json.dumps(result) or option != "mfa_token"
    assert emu.client.calls() == []


def test_unusable_target_aws_is_reported_and_its_secret_never_shown(emu: t.Any) -> None:
    secret = "tOpSeCrEt-target-value-0123456789abcdefghij"
    target = {"aws_access_key_id": "AKIAEXAMPLEEXAMPLE01", "aws_secret_access_key": secret, "endpoint_url": emu.endpoint_url}
    result = verify(emu, {"role_arn": f"arn:aws:iam::{TARGET}:role/nope", "target_aws": target, "wait_timeout": 0})
    assert result["failed"] and result["verified"] is False
    assert secret not in json.dumps(result)
    assert result["diagnosis"][0].startswith(f"sts:AssumeRole on arn:aws:iam::{TARGET}:role/nope was denied and the caller's side does not explain it")
    assert any(sentence.startswith("target_aws does not work, so the role was not read: sts:GetCallerIdentity failed: InvalidClientTokenId")
               for sentence in result["diagnosis"])
    assert {c["name"]: c["ok"] for c in result["checks"]}["target_identity"] is False


# --- reads of a passing run (the no-op playbook run has a call budget) ---


def calls_made(emu: t.Any) -> list[tuple[str, str, str]]:
    return [(call["service"], call["action"], call["account"]) for call in emu.client.calls()]


def test_passing_run_reads_the_source_identity_only_when_needed(emu: t.Any) -> None:
    role_arn = make_role(emu, "reader")
    emu.aws("iam", "target-admin").attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    emu.aws("s3", "target-admin").create_bucket(Bucket="target-lazy-bucket")
    emu.client.clear_calls()
    result = verify(emu, {"role_arn": role_arn, "expected_account_id": TARGET, "expected_role_name": "reader",
                          "s3_buckets": ["target-lazy-bucket"], "target_aws": TARGET_AWS})
    assert result["verified"] is True, result
    # A successful AssumeRole needs no caller ARN, and target_aws is only for a diagnosis: three calls.
    assert calls_made(emu) == [("sts", "AssumeRole", SOURCE), ("sts", "GetCallerIdentity", TARGET), ("s3", "ListObjectsV2", TARGET)]
    assert result["checks"][0] == {"name": "source_identity", "ok": True, "detail": "the source credentials were accepted by sts:AssumeRole"}
    names = ["source_identity", "assume_role", "caller_identity", "expected_account_id", "expected_role_name", "s3:target-lazy-bucket"]
    assert [c["name"] for c in result["checks"]] == names


def test_duration_above_one_hour_reads_the_source_identity_for_the_chaining_check(emu: t.Any) -> None:
    role_arn = make_role(emu, "long", max_session_duration=43200)
    emu.client.clear_calls()
    result = verify(emu, {"role_arn": role_arn, "duration_seconds": 7200})
    assert result["verified"] is True, result
    assert calls_made(emu) == [("sts", "GetCallerIdentity", SOURCE), ("sts", "AssumeRole", SOURCE), ("sts", "GetCallerIdentity", TARGET)]
    assert result["checks"][0] == {"name": "source_identity", "ok": True, "detail": f"caller {SOURCE_ADMIN}"}


def test_denial_reads_the_source_identity_once_for_the_diagnosis(emu: t.Any) -> None:
    role_arn = make_role(emu, "third-only", trust(THIRD))
    emu.client.clear_calls()
    result = verify(emu, {"role_arn": role_arn, "target_aws": TARGET_AWS, "wait_timeout": 0})
    assert_denied(result, f"the trust policy of role third-only does not name account {SOURCE}")
    assert result["checks"][0] == {"name": "source_identity", "ok": True, "detail": f"caller {SOURCE_ADMIN}"}
    assert len(emu.client.calls(action="GetCallerIdentity", account=SOURCE)) == 1


def test_source_credentials_that_do_not_work_fail_the_source_identity_check(emu: t.Any) -> None:
    secret = "sEcReT-source-value-0123456789abcdefghijk"
    args = {"role_arn": f"arn:aws:iam::{TARGET}:role/reader", "wait_timeout": 0, "access_key": "AKIAEXAMPLEEXAMPLE02",
            "secret_key": secret, "endpoint_url": emu.endpoint_url, "region": "us-east-1"}
    result = verify(emu, args, profile=None)
    assert result["failed"] and result["verified"] is False
    assert result["msg"].startswith("the given credentials do not work: sts:GetCallerIdentity failed: InvalidClientTokenId"), result["msg"]
    assert result["checks"] == [{"name": "source_identity", "ok": False, "detail": result["checks"][0]["detail"]}]
    assert secret not in json.dumps(result)
