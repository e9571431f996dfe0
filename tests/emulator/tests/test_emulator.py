# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator enforces what IAM/STS enforce, over real HTTP with boto3."""

from __future__ import annotations

import datetime
import json
import time
import typing as t
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

SOURCE, TARGET, THIRD = "111111111111", "222222222222", "333333333333"
TARGET_ADMIN_ROLE = f"arn:aws:iam::{TARGET}:role/EmulatorTargetAdmin"


def trust(*statements: dict[str, t.Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: t.Any, actions: t.Any = "sts:AssumeRole", condition: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    stmt: dict[str, t.Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions}
    if condition:
        stmt["Condition"] = condition
    return stmt


def make_role(emu: t.Any, name: str, document: str, profile: str = "target-admin", **kwargs: t.Any) -> str:
    return emu.aws("iam", profile).create_role(RoleName=name, AssumeRolePolicyDocument=document, **kwargs)["Role"]["Arn"]


def make_user(emu: t.Any, name: str, profile: str = "source-admin", policy: dict[str, t.Any] | None = None) -> dict[str, str]:
    """A user with an access key (and an optional inline policy); returns its credentials."""
    iam = emu.aws("iam", profile)
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}


def assume_policy(*role_arns: str, actions: t.Any = "sts:AssumeRole", effect: str = "Allow") -> dict[str, t.Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": actions, "Resource": list(role_arns)}]}


def error_of(call: t.Callable[..., t.Any], **kwargs: t.Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


def assume(sts: t.Any, role_arn: str, **kwargs: t.Any) -> dict[str, t.Any]:
    return sts.assume_role(RoleArn=role_arn, RoleSessionName=kwargs.pop("RoleSessionName", "test"), **kwargs)


# ---------------------------------------------------------------- trust evaluation

@pytest.mark.smoke
def test_untrusted_account_is_denied(emu: t.Any) -> None:
    code, message = error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="probe")
    assert code == "AccessDenied"
    assert message == (f"User: arn:aws:iam::{THIRD}:user/emulator-admin is not authorized to perform: "
                       f"sts:AssumeRole on resource: {TARGET_ADMIN_ROLE}")


def test_trusted_account_user_without_identity_policy_is_denied(emu: t.Any) -> None:
    code, message = error_of(emu.aws("sts", "source-user").assume_role, RoleArn=TARGET_ADMIN_ROLE, RoleSessionName="probe")
    assert code == "AccessDenied"
    assert "user/emulator-user is not authorized to perform: sts:AssumeRole" in message


@pytest.mark.smoke
def test_trusted_account_user_with_identity_policy_succeeds(emu: t.Any) -> None:
    other_role = make_role(emu, "Other", trust(allow(SOURCE)))
    creds = make_user(emu, "alice", policy=assume_policy(TARGET_ADMIN_ROLE))
    sts = emu.aws("sts", credentials=creds)
    answer = assume(sts, TARGET_ADMIN_ROLE, RoleSessionName="alice-session")
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/EmulatorTargetAdmin/alice-session"
    identity = emu.aws("sts", credentials=answer["Credentials"]).get_caller_identity()
    assert identity["Account"] == TARGET
    assert identity["Arn"] == answer["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == answer["AssumedRoleUser"]["AssumedRoleId"]
    # The policy names one role: another role trusting the same account stays closed.
    assert error_of(sts.assume_role, RoleArn=other_role, RoleSessionName="probe")[0] == "AccessDenied"


def test_same_account_principal_named_by_arn_needs_no_identity_policy(emu: t.Any) -> None:
    creds = make_user(emu, "local", profile="target-admin")
    by_arn = make_role(emu, "ByArn", trust(allow(f"arn:aws:iam::{TARGET}:user/local")))
    by_root = make_role(emu, "ByRoot", trust(allow(TARGET)))
    sts = emu.aws("sts", credentials=creds)
    assert assume(sts, by_arn)["AssumedRoleUser"]["Arn"].endswith(":assumed-role/ByArn/test")
    assert error_of(sts.assume_role, RoleArn=by_root, RoleSessionName="probe")[0] == "AccessDenied"


@pytest.mark.parametrize("external_id", [None, "wrong-id"])
def test_missing_or_wrong_external_id_is_denied(emu: t.Any, external_id: str | None) -> None:
    role = make_role(emu, "WithExternalId", trust(allow(SOURCE, condition={"StringEquals": {"sts:ExternalId": "ext-12345"}})))
    sts = emu.aws("sts", "source-admin")
    kwargs = {"ExternalId": external_id} if external_id else {}
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe", **kwargs)[0] == "AccessDenied"
    assert assume(sts, role, ExternalId="ext-12345")["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_mfa_required_trust_denies_without_mfa_and_allows_with_it(emu: t.Any) -> None:
    role = make_role(emu, "WithMfa", trust(allow(SOURCE, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    sts = emu.aws("sts", "source-admin")
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    serial = f"arn:aws:iam::{SOURCE}:mfa/emulator-admin"
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe", SerialNumber=serial, TokenCode="12ab56")[0] == "AccessDenied"
    assert assume(sts, role, SerialNumber=serial, TokenCode="123456")["AssumedRoleUser"]["Arn"].endswith("/WithMfa/test")


def test_mfa_age_condition(emu: t.Any) -> None:
    role = make_role(emu, "FreshMfa", trust(allow(SOURCE, condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})))
    sts = emu.aws("sts", "source-admin")
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    assert assume(sts, role, SerialNumber="arn:aws:iam::111111111111:mfa/a", TokenCode="654321")


def test_non_existent_role_is_denied(emu: t.Any) -> None:
    missing = f"arn:aws:iam::{TARGET}:role/DoesNotExist"
    code, message = error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=missing, RoleSessionName="probe")
    assert code == "AccessDenied"
    assert message.endswith(f"sts:AssumeRole on resource: {missing}")


def test_explicit_deny_wins_in_trust_and_identity_policies(emu: t.Any) -> None:
    admin_arn = f"arn:aws:iam::{SOURCE}:user/emulator-admin"
    denied = make_role(emu, "DenyAdmin", trust(allow(SOURCE), {"Effect": "Deny", "Principal": {"AWS": admin_arn}, "Action": "sts:*"}))
    assert error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=denied, RoleSessionName="probe")[0] == "AccessDenied"

    open_role = make_role(emu, "Open", trust(allow(SOURCE)))
    policy = assume_policy(open_role)
    policy["Statement"].append({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    creds = make_user(emu, "denied-user", policy=policy)
    assert error_of(emu.aws("sts", credentials=creds).assume_role, RoleArn=open_role, RoleSessionName="probe")[0] == "AccessDenied"
    # Without the Deny the same user gets in.
    emu.aws("iam", "source-admin").put_user_policy(UserName="denied-user", PolicyName="p", PolicyDocument=json.dumps(assume_policy(open_role)))
    assert assume(emu.aws("sts", credentials=creds), open_role)


def test_identity_policy_through_group_and_managed_policy(emu: t.Any) -> None:
    role = make_role(emu, "ViaGroup", trust(allow(SOURCE)))
    iam = emu.aws("iam", "source-admin")
    creds = make_user(emu, "grouped")
    arn = iam.create_policy(PolicyName="assume-via-group", PolicyDocument=json.dumps(assume_policy(role)))["Policy"]["Arn"]
    iam.create_group(GroupName="assumers")
    iam.attach_group_policy(GroupName="assumers", PolicyArn=arn)
    sts = emu.aws("sts", credentials=creds)
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    iam.add_user_to_group(GroupName="assumers", UserName="grouped")
    assert assume(sts, role)


def test_condition_keys_principal_org_arn_and_session_name(emu: t.Any) -> None:
    org = make_role(emu, "OrgOnly", trust(allow("*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-emulator0001"}})))
    assert assume(emu.aws("sts", "source-admin"), org)
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=org, RoleSessionName="probe")[0] == "AccessDenied"

    named = make_role(emu, "Named", trust(allow(SOURCE, condition={
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{SOURCE}:user/emulator-*"},
        "StringLike": {"sts:RoleSessionName": "deploy-*"},
    })))
    sts = emu.aws("sts", "source-admin")
    assert error_of(sts.assume_role, RoleArn=named, RoleSessionName="other")[0] == "AccessDenied"
    assert assume(sts, named, RoleSessionName="deploy-42")

    not_third = make_role(emu, "NotThird", trust(allow("*", condition={"StringNotEquals": {"aws:PrincipalAccount": THIRD}})))
    assert assume(emu.aws("sts", "source-admin"), not_third)
    assert error_of(emu.aws("sts", "third-admin").assume_role, RoleArn=not_third, RoleSessionName="probe")[0] == "AccessDenied"


# ---------------------------------------------------------------- durations and time

def test_duration_above_max_session_duration_is_a_validation_error(emu: t.Any) -> None:
    role = make_role(emu, "Short", trust(allow(SOURCE)))
    code, message = error_of(emu.aws("sts", "source-admin").assume_role, RoleArn=role, RoleSessionName="probe", DurationSeconds=7200)
    assert code == "ValidationError"
    assert message == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    assert assume(emu.aws("sts", "source-admin"), role, DurationSeconds=3600)


def test_role_chaining_above_one_hour_is_a_validation_error(emu: t.Any) -> None:
    role = make_role(emu, "Chained", trust(allow([TARGET, SOURCE])), MaxSessionDuration=43200)
    sts = emu.aws("sts", "target-admin")  # itself an assumed-role session
    code, message = error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe", DurationSeconds=7200)
    assert code == "ValidationError"
    assert "1 hour session limit for roles assumed by role chaining" in message
    assert assume(sts, role, DurationSeconds=3600)["AssumedRoleUser"]["Arn"].endswith("/Chained/test")
    # A user (not a session) may ask for the full 12 hours on the same role.
    assert assume(emu.aws("sts", "source-admin"), role, DurationSeconds=43200)


def test_propagation_window_denies_then_allows(emu: t.Any) -> None:
    emu.client.configure(propagation_delay=1.5)
    role = make_role(emu, "Fresh", trust(allow(SOURCE)))
    sts = emu.aws("sts", "source-admin")
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"
    time.sleep(1.6)
    assert assume(sts, role)
    # Changing the trust policy opens the window again.
    emu.aws("iam", "target-admin").update_assume_role_policy(RoleName="Fresh", PolicyDocument=trust(allow(SOURCE)))
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe")[0] == "AccessDenied"


def test_expired_credentials_are_refused(emu: t.Any) -> None:
    emu.client.configure(time_scale=300)  # 900 s of AWS time last 3 real seconds
    before = datetime.datetime.now(datetime.UTC)
    answer = assume(emu.aws("sts", "source-admin"), TARGET_ADMIN_ROLE, DurationSeconds=900)
    expiration = answer["Credentials"]["Expiration"]
    assert expiration <= before + datetime.timedelta(seconds=60)
    sts = emu.aws("sts", credentials=answer["Credentials"])
    assert sts.get_caller_identity()["Account"] == TARGET
    while datetime.datetime.now(datetime.UTC) <= expiration + datetime.timedelta(seconds=0.2):
        time.sleep(0.2)
    code, message = error_of(sts.get_caller_identity)
    assert code == "ExpiredToken"
    assert "expired" in message
    assert error_of(emu.aws("s3", credentials=answer["Credentials"]).list_buckets)[0] == "ExpiredToken"


# ---------------------------------------------------------------- principal normalisation

def test_account_id_principal_reads_back_as_root_arn(emu: t.Any) -> None:
    make_role(emu, "ByAccount", trust(allow(SOURCE)))
    iam = emu.aws("iam", "target-admin")
    stored = iam.get_role(RoleName="ByAccount")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{SOURCE}:root"
    iam.update_assume_role_policy(RoleName="ByAccount", PolicyDocument=trust(allow([SOURCE, THIRD])))
    stored = iam.get_role(RoleName="ByAccount")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["AWS"] == [f"arn:aws:iam::{SOURCE}:root", f"arn:aws:iam::{THIRD}:root"]


def test_unknown_principal_arn_is_refused_and_nothing_is_stored(emu: t.Any) -> None:
    iam = emu.aws("iam", "target-admin")
    nobody = f"arn:aws:iam::{SOURCE}:user/nobody"
    code, message = error_of(iam.create_role, RoleName="Bad", AssumeRolePolicyDocument=trust(allow(nobody)))
    assert code == "MalformedPolicyDocument"
    assert message == f'Invalid principal in policy: "AWS":"{nobody}"'
    assert error_of(iam.get_role, RoleName="Bad")[0] == "NoSuchEntity"

    make_role(emu, "Good", trust(allow(SOURCE)))
    code = error_of(iam.update_assume_role_policy, RoleName="Good", PolicyDocument=trust(allow(f"arn:aws:iam::{SOURCE}:role/Ghost")))[0]
    assert code == "MalformedPolicyDocument"
    assert iam.get_role(RoleName="Good")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{SOURCE}:root"
    # An existing user is accepted as it is.
    make_user(emu, "real")
    iam.update_assume_role_policy(RoleName="Good", PolicyDocument=trust(allow(f"arn:aws:iam::{SOURCE}:user/real")))


def test_deleted_principal_becomes_its_unique_id(emu: t.Any) -> None:
    source_iam = emu.aws("iam", "source-admin")
    user_id = source_iam.create_user(UserName="leaver")["User"]["UserId"]
    leaver = f"arn:aws:iam::{SOURCE}:user/leaver"
    make_role(emu, "TrustsLeaver", trust(allow([leaver, f"arn:aws:iam::{THIRD}:root"])))
    source_iam.delete_user(UserName="leaver")
    stored = emu.aws("iam", "target-admin").get_role(RoleName="TrustsLeaver")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["AWS"] == [user_id, f"arn:aws:iam::{THIRD}:root"]
    assert user_id.startswith("AIDA")


# ---------------------------------------------------------------- session tags, source identity

def test_session_tags_need_sts_tag_session(emu: t.Any) -> None:
    plain = make_role(emu, "NoTags", trust(allow(SOURCE)))
    sts = emu.aws("sts", "source-admin")
    code, message = error_of(sts.assume_role, RoleArn=plain, RoleSessionName="probe", Tags=[{"Key": "team", "Value": "a"}])
    assert code == "AccessDenied"
    assert "sts:TagSession" in message
    tagged = make_role(emu, "Tags", trust(allow(SOURCE, ["sts:AssumeRole", "sts:TagSession"],
                                                condition={"StringEquals": {"aws:RequestTag/team": "a"}})))
    assert assume(sts, tagged, Tags=[{"Key": "team", "Value": "a"}])
    assert error_of(sts.assume_role, RoleArn=tagged, RoleSessionName="probe", Tags=[{"Key": "team", "Value": "b"}])[0] == "AccessDenied"
    # The identity side needs it too for a cross-account caller.
    creds = make_user(emu, "tagger", policy=assume_policy(tagged))
    assert error_of(emu.aws("sts", credentials=creds).assume_role, RoleArn=tagged, RoleSessionName="probe",
                    Tags=[{"Key": "team", "Value": "a"}])[0] == "AccessDenied"


def test_source_identity_needs_sts_set_source_identity(emu: t.Any) -> None:
    plain = make_role(emu, "NoSourceIdentity", trust(allow(SOURCE)))
    sts = emu.aws("sts", "source-admin")
    code, message = error_of(sts.assume_role, RoleArn=plain, RoleSessionName="probe", SourceIdentity="alice")
    assert code == "AccessDenied"
    assert "sts:SetSourceIdentity" in message
    role = make_role(emu, "SourceIdentity", trust(allow(SOURCE, ["sts:AssumeRole", "sts:SetSourceIdentity"],
                                                        condition={"StringLike": {"sts:SourceIdentity": "ali*"}})))
    assert assume(sts, role, SourceIdentity="alice")["SourceIdentity"] == "alice"
    assert error_of(sts.assume_role, RoleArn=role, RoleSessionName="probe", SourceIdentity="bob")[0] == "AccessDenied"


# ---------------------------------------------------------------- authentication, faults, log, reset

def test_unknown_access_key_is_refused(emu: t.Any) -> None:
    stranger = {"access_key": "AKIAUNKNOWNKEY000001", "secret_key": "x" * 40}
    assert error_of(emu.aws("sts", credentials=stranger).get_caller_identity)[0] == "InvalidClientTokenId"
    assert error_of(emu.aws("iam", credentials=stranger).list_users)[0] == "InvalidClientTokenId"
    assert error_of(emu.aws("s3", credentials=stranger).list_buckets)[0] == "InvalidAccessKeyId"
    # An issued session key needs its own session token.
    creds = dict(assume(emu.aws("sts", "source-admin"), TARGET_ADMIN_ROLE)["Credentials"])
    creds["SessionToken"] = "not-the-token"
    assert error_of(emu.aws("sts", credentials=creds).get_caller_identity)[0] == "InvalidClientTokenId"
    refused = emu.client.calls(action="GetCallerIdentity")
    assert [c["error_code"] for c in refused] == ["InvalidClientTokenId", "InvalidClientTokenId"]
    assert refused[0]["account"] is None


def test_wrong_secret_key_is_refused(emu: t.Any) -> None:
    wrong = {"access_key": "AKIAEMUSOURCEADMIN01", "secret_key": "0" * 40}
    assert error_of(emu.aws("sts", credentials=wrong).get_caller_identity)[0] == "SignatureDoesNotMatch"
    assert error_of(emu.aws("iam", credentials=wrong).list_users)[0] == "SignatureDoesNotMatch"
    assert error_of(emu.aws("s3", credentials=wrong).list_buckets)[0] == "SignatureDoesNotMatch"
    creds = dict(assume(emu.aws("sts", "source-admin"), TARGET_ADMIN_ROLE)["Credentials"])
    assert emu.aws("sts", credentials=creds).get_caller_identity()["Account"] == TARGET
    creds["SecretAccessKey"] = "1" * 40
    assert error_of(emu.aws("sts", credentials=creds).get_caller_identity)[0] == "SignatureDoesNotMatch"
    emu.client.configure(verify_signatures=False)
    assert emu.aws("sts", credentials=wrong).get_caller_identity()["Account"] == SOURCE


def test_s3_objects_with_odd_keys_pass_signature_checks(emu: t.Any) -> None:
    s3 = emu.aws("s3", "target-admin")
    s3.create_bucket(Bucket="emulator-objects")
    for key in ("plain.txt", "dir/with space+plus&amp=.txt", "ünïcode/ key~"):
        s3.put_object(Bucket="emulator-objects", Key=key, Body=b"x" * 2048)
        assert s3.get_object(Bucket="emulator-objects", Key=key)["Body"].read() == b"x" * 2048
    listed = s3.list_objects_v2(Bucket="emulator-objects", Prefix="dir/")["Contents"]
    assert [o["Key"] for o in listed] == ["dir/with space+plus&amp=.txt"]
    s3.put_bucket_tagging(Bucket="emulator-objects", Tagging={"TagSet": [{"Key": "a", "Value": "b c"}]})
    s3.delete_objects(Bucket="emulator-objects", Delete={"Objects": [{"Key": "plain.txt"}]})
    actions = [c["action"] for c in emu.client.calls(service="s3")]
    assert actions[:3] == ["CreateBucket", "PutObject", "GetObject"]
    assert "PutBucketTagging" in actions and "DeleteObjects" in actions
    assert all(c["status"] < 300 for c in emu.client.calls(service="s3"))


def test_injected_faults_appear_in_the_call_log_and_the_write_was_applied(emu: t.Any) -> None:
    iam = emu.aws("iam", "source-admin")
    emu.client.configure(throttle_rate=1.0)
    assert error_of(iam.create_user, UserName="throttled")[0] == "Throttling"
    emu.client.configure(throttle_rate=0.0, fail_after_write_rate=1.0)
    code = error_of(iam.create_user, UserName="half-failed")[0]
    assert code == "InternalFailure"
    emu.client.configure(fail_after_write_rate=0.0)
    assert iam.get_user(UserName="half-failed")["User"]["UserName"] == "half-failed"
    assert error_of(iam.get_user, UserName="throttled")[0] == "NoSuchEntity"

    calls = emu.client.calls(service="iam", action="CreateUser")
    assert [(c["injected"], c["status"], c["error_code"], c["write"]) for c in calls] == [
        ("throttle", 400, "Throttling", True),
        ("500-after-write", 500, "InternalFailure", True),
    ]
    assert {c["account"] for c in calls} == {SOURCE}
    assert all(set(c) == {"seq", "time", "service", "action", "account", "access_key", "status", "error_code", "injected", "write",
                          "denied_by", "guardrail"}
               for c in emu.client.calls())
    assert [c["action"] for c in emu.client.write_calls()] == ["CreateUser", "CreateUser"]


def test_faults_are_seeded(emu: t.Any) -> None:
    iam = emu.aws("iam", "source-admin")

    def pattern() -> list[bool]:
        outcome = []
        for _attempt in range(8):
            try:
                iam.list_users()
                outcome.append(False)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "Throttling"
                outcome.append(True)
        return outcome

    emu.client.configure(throttle_rate=0.5, seed=7)
    first = pattern()
    assert True in first and False in first
    emu.client.configure(seed=7)
    assert pattern() == first
    assert [c["injected"] for c in emu.client.calls()] == [("throttle" if x else None) for x in first + first]


def test_call_log_never_holds_secrets(emu: t.Any) -> None:
    answer = assume(emu.aws("sts", "source-admin"), TARGET_ADMIN_ROLE)
    emu.aws("sts", credentials=answer["Credentials"]).get_caller_identity()
    log = json.dumps(emu.client.calls())
    assert answer["Credentials"]["SecretAccessKey"] not in log
    assert answer["Credentials"]["SessionToken"] not in log
    with open(emu.credentials_file, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("aws_secret_access_key"):
                assert line.split("=", 1)[1].strip() not in log
    assert answer["Credentials"]["AccessKeyId"] in log


@pytest.mark.smoke
def test_reset_keeps_keys_and_wipes_state(emu: t.Any) -> None:
    with open(emu.credentials_file, encoding="utf-8") as handle:
        before = handle.read()
    emu.aws("iam", "source-admin").create_user(UserName="temporary")
    emu.client.configure(propagation_delay=99)
    emu.reset()
    with open(emu.credentials_file, encoding="utf-8") as handle:
        assert handle.read() == before
    assert emu.client.calls() == []
    assert emu.client.config()["propagation_delay"] == 0
    assert error_of(emu.aws("iam", "source-admin").get_user, UserName="temporary")[0] == "NoSuchEntity"
    for profile, arn in (("source-admin", f"arn:aws:iam::{SOURCE}:user/emulator-admin"),
                         ("source-user", f"arn:aws:iam::{SOURCE}:user/emulator-user"),
                         ("third-admin", f"arn:aws:iam::{THIRD}:user/emulator-admin"),
                         ("target-admin", f"arn:aws:sts::{TARGET}:assumed-role/EmulatorTargetAdmin/emulator-target-admin")):
        assert emu.aws("sts", profile).get_caller_identity()["Arn"] == arn


def test_reset_restores_the_shared_config_and_credentials_files(emu: t.Any) -> None:
    # A profile one test writes (aws_profile, the playbooks) must not be seen by the next one.
    files = {path: Path(path).read_text(encoding="utf-8") for path in (emu.config_file, emu.credentials_file)}
    with open(emu.config_file, "a", encoding="utf-8") as handle:
        handle.write("\n[profile left-behind]\nrole_arn = arn:aws:iam::222222222222:role/x\nsource_profile = source-admin\n")
    with open(emu.credentials_file, "w", encoding="utf-8") as handle:
        handle.write("[left-behind]\naws_access_key_id = AKIAEXAMPLE\n")
    emu.reset()
    for path, text in files.items():
        assert Path(path).read_text(encoding="utf-8") == text
    assert emu.aws("sts", "source-user").get_caller_identity()["Account"] == SOURCE


def test_s3_works_across_accounts(emu: t.Any) -> None:
    emu.aws("s3", "target-admin").create_bucket(Bucket="emulator-target-bucket")
    assert [b["Name"] for b in emu.aws("s3", "target-admin").list_buckets()["Buckets"]] == ["emulator-target-bucket"]
    assert emu.aws("s3", "source-admin").list_buckets()["Buckets"] == []


def test_admin_api_rejects_bad_config(emu: t.Any) -> None:
    from emulator.client import EmulatorError

    with pytest.raises(EmulatorError, match="throttle_rate"):
        emu.client.configure(throttle_rate=2)
    with pytest.raises(EmulatorError, match="unknown option"):
        emu.client.configure(colour="blue")
    assert emu.client.health()["accounts"] == {"management": "100000000000", "source": SOURCE, "target": TARGET, "third": THIRD}


# ---------------------------------------------------------------- helpers for the other suites

@pytest.mark.smoke
def test_run_playbook_sees_only_the_emulator_profiles(emu: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_runner import run_playbook

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOUTERKEY00000001")

    script = "import boto3; print(boto3.Session(profile_name='target-admin').client('sts').get_caller_identity()['Arn'])"
    playbook = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.command:
        argv: ["{{{{ ansible_playbook_python }}}}", "-c", "{script}"]
      register: who
    - ansible.builtin.debug:
        msg: "ARN={{{{ who.stdout }}}} OUTER={{{{ lookup('env', 'AWS_ACCESS_KEY_ID') }}}}"
"""
    rc, stdout, stderr = run_playbook(emu, playbook, env=None)
    assert rc == 0, stdout + stderr
    assert f"ARN=arn:aws:sts::{TARGET}:assumed-role/EmulatorTargetAdmin/emulator-target-admin OUTER=\"" in stdout


def test_run_module_reports_a_missing_module(emu: t.Any) -> None:
    from ansible_runner import run_module

    result = run_module(emu, "no_such_module", {"name": "x"}, profile="target-admin")
    assert result["failed"] is True
    assert "no_such_module" in result["msg"]


def test_attaching_a_policy_twice_counts_once(emu: t.Any) -> None:
    # A retried AttachUserPolicy (500 after apply) must not inflate AttachmentCount, as in IAM.
    iam = emu.aws("iam", profile="source-admin")
    arn = iam.create_policy(PolicyName="twice", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
    for _attempt in range(2):
        iam.attach_user_policy(UserName="emulator-user", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
