# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module source_policy against the two-account emulator: real module processes, call log asserted."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible_runner import run_module
from botocore.exceptions import ClientError

SOURCE = "111111111111"
TARGET = "222222222222"
SOURCE_USER = "emulator-user"  # the bootstrap user behind profile source-user (emulator.json)
POLICY_ARN = f"arn:aws:iam::{SOURCE}:policy/AssumeTargets"
SID = "AllowAssumeCrossAccountRole"
TRUST_SOURCE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"}],
}
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def target(n: int | str) -> str:
    return f"arn:aws:iam::{TARGET}:role/Target{n}"


def expected_document(arns: t.Iterable[str], actions: t.Iterable[str] = ("sts:AssumeRole",)) -> dict[str, t.Any]:
    return {"Version": "2012-10-17", "Statement": [{"Sid": SID, "Effect": "Allow", "Action": sorted(actions), "Resource": sorted(arns)}]}


def source_policy(emu: t.Any, check: bool = False, diff: bool = False, **args: t.Any) -> dict[str, t.Any]:
    args.setdefault("name", "AssumeTargets")
    return run_module(emu, "source_policy", args, check=check, diff=diff, profile="source-admin")


def iam(emu: t.Any, profile: str = "source-admin") -> t.Any:
    return emu.session(profile).client("iam", endpoint_url=emu.endpoint_url, region_name="us-east-1")


def versions(emu: t.Any, arn: str = POLICY_ARN) -> list[dict[str, t.Any]]:
    return iam(emu).list_policy_versions(PolicyArn=arn)["Versions"]


def default_document(emu: t.Any, arn: str = POLICY_ARN) -> dict[str, t.Any]:
    client = iam(emu)
    version_id = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = client.get_policy_version(PolicyArn=arn, VersionId=version_id)["PolicyVersion"]["Document"]
    return json.loads(document) if isinstance(document, str) else document


def entities(emu: t.Any, arn: str = POLICY_ARN) -> dict[str, list[str]]:
    answer = iam(emu).list_entities_for_policy(PolicyArn=arn)
    return {
        "users": sorted(item["UserName"] for item in answer["PolicyUsers"]),
        "groups": sorted(item["GroupName"] for item in answer["PolicyGroups"]),
        "roles": sorted(item["RoleName"] for item in answer["PolicyRoles"]),
    }


def make_principals(emu: t.Any, users: t.Iterable[str] = (), groups: t.Iterable[str] = (), roles: t.Iterable[str] = ()) -> None:
    client = iam(emu)
    for name in users:
        client.create_user(UserName=name)
    for name in groups:
        client.create_group(GroupName=name)
    for name in roles:
        client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))


def actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.calls(service="iam")]


def assert_ok(result: dict[str, t.Any]) -> None:
    assert not result["failed"], (result.get("msg"), result.get("stderr", "")[-2000:])


# ---------------------------------------------------------------- managed: create, idempotence, check, diff


def test_create_managed_then_rerun_makes_no_write(emu: t.Any) -> None:
    make_principals(emu, users=["alice"])
    first = source_policy(emu, target_role_arns=[target(1)], users=["alice"])
    assert_ok(first)
    assert first["changed"] is True
    policy = first["policy"]
    assert policy["arn"] == POLICY_ARN
    assert policy["name"] == "AssumeTargets"
    assert policy["type"] == "managed"
    assert policy["default_version_id"] == "v1"
    assert policy["document"] == expected_document([target(1)])
    assert policy["attached"] == {"users": ["alice"], "groups": [], "roles": []}
    assert default_document(emu) == expected_document([target(1)])
    assert entities(emu)["users"] == ["alice"]

    emu.client.clear_calls()
    second = source_policy(emu, target_role_arns=[target(1)], users=["alice"])
    assert_ok(second)
    assert second["changed"] is False
    assert emu.client.write_calls() == []
    assert second["policy"]["default_version_id"] == "v1"
    assert second["policy"]["attached"] == policy["attached"]
    # Found by its computed ARN, never by listing every policy of the account.
    assert "ListPolicies" not in actions(emu)


def test_check_mode_on_empty_account_predicts_and_writes_nothing(emu: t.Any) -> None:
    make_principals(emu, groups=["ops"])
    emu.client.clear_calls()
    result = source_policy(emu, check=True, target_role_arns=[target(1)], groups=["ops"])
    assert_ok(result)
    assert result["changed"] is True
    assert result["policy"]["arn"] == POLICY_ARN
    assert result["policy"]["document"] == expected_document([target(1)])
    assert result["policy"]["default_version_id"] == "v1"
    assert result["policy"]["attached"] == {"users": [], "groups": ["ops"], "roles": []}
    assert emu.client.write_calls() == []
    with pytest.raises(ClientError):
        iam(emu).get_policy(PolicyArn=POLICY_ARN)


def test_check_mode_on_update_predicts_next_version(emu: t.Any) -> None:
    assert_ok(source_policy(emu, target_role_arns=[target(1)]))
    emu.client.clear_calls()
    result = source_policy(emu, check=True, target_role_arns=[target(2)])
    assert_ok(result)
    assert result["changed"] is True
    assert result["policy"]["default_version_id"] == "v2"
    assert result["policy"]["document"] == expected_document([target(2)])
    assert emu.client.write_calls() == []
    assert default_document(emu) == expected_document([target(1)])
    assert len(versions(emu)) == 1


def test_diff_shows_documents_and_attachments(emu: t.Any) -> None:
    make_principals(emu, users=["alice"])
    created = source_policy(emu, diff=True, target_role_arns=[target(1)])
    assert_ok(created)
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["document"]["Statement"][0]["Resource"] == [target(1)]

    updated = source_policy(emu, diff=True, target_role_arns=[target(2)], users=["alice"])
    assert_ok(updated)
    assert updated["changed"] is True
    before, after = updated["diff"]["before"], updated["diff"]["after"]
    assert before["document"]["Statement"][0]["Resource"] == [target(1)]
    assert after["document"]["Statement"][0]["Resource"] == [target(2)]
    assert before["attached"]["users"] == []
    assert after["attached"]["users"] == ["alice"]

    same = source_policy(emu, diff=True, target_role_arns=[target(2)], users=["alice"])
    assert same["changed"] is False
    assert same["diff"]["before"] == same["diff"]["after"]


# ---------------------------------------------------------------- the document


@pytest.mark.parametrize(
    "options, wanted_actions",
    [
        ({}, ["sts:AssumeRole"]),
        ({"allow_session_tags": True}, ["sts:AssumeRole", "sts:TagSession"]),
        ({"allow_source_identity": True}, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
        ({"allow_session_tags": True, "allow_source_identity": True}, ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]),
    ],
)
def test_document_grants_only_assume_role_on_exact_arns(emu: t.Any, options: dict[str, bool], wanted_actions: list[str]) -> None:
    arns = [f"arn:aws:iam::{TARGET}:role/teams/Deploy", target("A"), "arn:aws:iam::333333333333:role/Other"]
    result = source_policy(emu, target_role_arns=arns + [target("A")], **options)
    assert_ok(result)
    stored = default_document(emu)
    # Exactly one Allow statement: the listed actions on exactly the listed roles (duplicates dropped).
    assert stored == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": SID, "Effect": "Allow", "Action": wanted_actions, "Resource": sorted(arns)}],
    }
    assert result["policy"]["document"] == stored


def test_toggling_session_tags_creates_a_new_version(emu: t.Any) -> None:
    assert_ok(source_policy(emu, target_role_arns=[target(1)]))
    result = source_policy(emu, target_role_arns=[target(1)], allow_session_tags=True)
    assert result["changed"] is True
    assert result["policy"]["default_version_id"] == "v2"
    assert default_document(emu) == expected_document([target(1)], ["sts:AssumeRole", "sts:TagSession"])


def test_reordered_targets_are_not_a_change(emu: t.Any) -> None:
    assert_ok(source_policy(emu, target_role_arns=[target(1), target(2)]))
    emu.client.clear_calls()
    result = source_policy(emu, target_role_arns=[target(2), target(1), target(2)])
    assert result["changed"] is False
    assert emu.client.write_calls() == []


# ---------------------------------------------------------------- versions


def test_seven_target_changes_keep_at_most_five_versions(emu: t.Any) -> None:
    for n in range(1, 8):
        result = source_policy(emu, target_role_arns=[target(n)])
        assert_ok(result)
        assert result["changed"] is True
        found = versions(emu)
        assert len(found) <= 5
        assert [v["VersionId"] for v in found if v["IsDefaultVersion"]] == [f"v{n}"]
        assert default_document(emu) == expected_document([target(n)])
    assert sorted(v["VersionId"] for v in versions(emu)) == ["v3", "v4", "v5", "v6", "v7"]
    # Pruned before the limit: IAM never had to refuse a version.
    assert all(call["status"] == 200 for call in emu.client.calls(action="CreatePolicyVersion"))


def test_reverting_to_an_earlier_target_reuses_its_version(emu: t.Any) -> None:
    for n in range(1, 6):
        assert_ok(source_policy(emu, target_role_arns=[target(n)]))
    assert len(versions(emu)) == 5

    emu.client.clear_calls()
    result = source_policy(emu, target_role_arns=[target(2)])
    assert_ok(result)
    assert result["changed"] is True
    assert result["policy"]["default_version_id"] == "v2"
    assert [c["action"] for c in emu.client.write_calls()] == ["SetDefaultPolicyVersion"]
    assert len(versions(emu)) == 5
    assert default_document(emu) == expected_document([target(2)])

    # A brand-new target now prunes the oldest non-default version (v1), never the default (v2).
    result = source_policy(emu, target_role_arns=[target(6)])
    assert_ok(result)
    assert result["policy"]["default_version_id"] == "v6"
    assert sorted(v["VersionId"] for v in versions(emu)) == ["v2", "v3", "v4", "v5", "v6"]

    # And back again: v2 is still there and becomes the default; nothing is created.
    emu.client.clear_calls()
    result = source_policy(emu, target_role_arns=[target(2)])
    assert result["policy"]["default_version_id"] == "v2"
    assert "CreatePolicyVersion" not in actions(emu)
    assert len(versions(emu)) == 5


def test_500_after_create_policy_version_converges(emu: t.Any) -> None:
    assert_ok(source_policy(emu, target_role_arns=[target(1)]))
    # Every write is applied and then answered 500: botocore retries CreatePolicyVersion, each
    # attempt adding a version, until IAM answers LimitExceeded.
    emu.client.configure(fail_after_write_rate=1.0)
    emu.client.clear_calls()
    result = source_policy(emu, target_role_arns=[target(2)])
    emu.client.configure(fail_after_write_rate=0.0)
    assert_ok(result)
    assert result["changed"] is True
    creates = emu.client.calls(action="CreatePolicyVersion")
    assert len(creates) > 1 and creates[0]["injected"] == "500-after-write"
    found = versions(emu)
    assert len(found) <= 5
    # The duplicates the retries left behind are gone: the old version and the new default remain.
    assert len(found) == 2
    default = [v["VersionId"] for v in found if v["IsDefaultVersion"]]
    assert result["policy"]["default_version_id"] == default[0]
    assert default_document(emu) == expected_document([target(2)])

    emu.client.clear_calls()
    again = source_policy(emu, target_role_arns=[target(2)])
    assert again["changed"] is False
    assert emu.client.write_calls() == []


def test_500_after_create_policy_version_with_four_versions(emu: t.Any) -> None:
    for n in range(1, 5):
        assert_ok(source_policy(emu, target_role_arns=[target(n)]))
    emu.client.configure(fail_after_write_rate=1.0)
    result = source_policy(emu, target_role_arns=[target(5)])
    emu.client.configure(fail_after_write_rate=0.0)
    assert_ok(result)
    assert len(versions(emu)) == 5
    assert default_document(emu) == expected_document([target(5)])
    # The next change still fits: the oldest non-default version is pruned first.
    assert_ok(source_policy(emu, target_role_arns=[target(6)]))
    assert len(versions(emu)) == 5
    assert default_document(emu) == expected_document([target(6)])


def test_500_after_create_policy_is_success(emu: t.Any) -> None:
    emu.client.configure(fail_after_write_rate=1.0)
    result = source_policy(emu, target_role_arns=[target(1)])
    emu.client.configure(fail_after_write_rate=0.0)
    assert_ok(result)
    assert result["changed"] is True
    codes = [c["error_code"] for c in emu.client.calls(action="CreatePolicy")]
    assert codes == ["InternalFailure", "EntityAlreadyExists"]
    assert [v["VersionId"] for v in versions(emu)] == ["v1"]
    assert default_document(emu) == expected_document([target(1)])


# ---------------------------------------------------------------- attachments


def test_attach_to_user_group_role_and_purge(emu: t.Any) -> None:
    make_principals(emu, users=["alice", "bob"], groups=["ops"], roles=["builder"])
    result = source_policy(emu, target_role_arns=[target(1)], users=["alice"], groups=["ops"], roles=["builder"])
    assert_ok(result)
    assert result["policy"]["attached"] == {"users": ["alice"], "groups": ["ops"], "roles": ["builder"]}
    assert entities(emu) == {"users": ["alice"], "groups": ["ops"], "roles": ["builder"]}

    # Attached by hand elsewhere: kept (and reported) without purge_attachments.
    iam(emu).attach_user_policy(UserName="bob", PolicyArn=POLICY_ARN)
    emu.client.clear_calls()
    kept = source_policy(emu, target_role_arns=[target(1)], users=["alice"])
    assert kept["changed"] is False
    assert emu.client.write_calls() == []
    assert kept["policy"]["attached"] == {"users": ["alice", "bob"], "groups": ["ops"], "roles": ["builder"]}

    check = source_policy(emu, check=True, target_role_arns=[target(1)], users=["alice"], purge_attachments=True)
    assert check["changed"] is True
    assert check["policy"]["attached"] == {"users": ["alice"], "groups": [], "roles": []}
    assert entities(emu) == {"users": ["alice", "bob"], "groups": ["ops"], "roles": ["builder"]}

    emu.client.clear_calls()
    purged = source_policy(emu, target_role_arns=[target(1)], users=["alice"], purge_attachments=True)
    assert_ok(purged)
    assert purged["changed"] is True
    assert purged["policy"]["attached"] == {"users": ["alice"], "groups": [], "roles": []}
    assert entities(emu) == {"users": ["alice"], "groups": [], "roles": []}
    assert sorted(c["action"] for c in emu.client.write_calls()) == ["DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy"]

    emu.client.clear_calls()
    again = source_policy(emu, target_role_arns=[target(1)], users=["alice"], purge_attachments=True)
    assert again["changed"] is False
    assert emu.client.write_calls() == []


def test_attach_only_change_does_not_create_a_version(emu: t.Any) -> None:
    make_principals(emu, groups=["ops"])
    assert_ok(source_policy(emu, target_role_arns=[target(1)]))
    emu.client.clear_calls()
    result = source_policy(emu, target_role_arns=[target(1)], groups=["ops"])
    assert result["changed"] is True
    assert [c["action"] for c in emu.client.write_calls()] == ["AttachGroupPolicy"]
    assert result["policy"]["default_version_id"] == "v1"


def test_managed_policy_under_a_path(emu: t.Any) -> None:
    arn = f"arn:aws:iam::{SOURCE}:policy/cross-account/AssumeTargets"
    result = source_policy(emu, path="/cross-account/", target_role_arns=[target(1)])
    assert_ok(result)
    assert result["policy"]["arn"] == arn
    assert default_document(emu, arn) == expected_document([target(1)])
    emu.client.clear_calls()
    assert source_policy(emu, path="/cross-account/", target_role_arns=[target(1)])["changed"] is False
    assert emu.client.write_calls() == []


# ---------------------------------------------------------------- absent


def test_absent_removes_attachments_versions_and_policy(emu: t.Any) -> None:
    make_principals(emu, users=["alice"], groups=["ops"], roles=["builder"])
    assert_ok(source_policy(emu, target_role_arns=[target(1)], users=["alice"], groups=["ops"], roles=["builder"]))
    for n in (2, 3):
        assert_ok(source_policy(emu, target_role_arns=[target(n)]))
    assert len(versions(emu)) == 3

    check = source_policy(emu, check=True, state="absent")
    assert check["changed"] is True
    assert len(versions(emu)) == 3

    emu.client.clear_calls()
    result = source_policy(emu, diff=True, state="absent")
    assert_ok(result)
    assert result["changed"] is True
    assert result["policy"] == {}
    assert result["diff"]["before"]["attached"] == {"users": ["alice"], "groups": ["ops"], "roles": ["builder"]}
    assert result["diff"]["after"] == {}
    writes = [c["action"] for c in emu.client.write_calls()]
    assert writes[-1] == "DeletePolicy"
    assert writes.count("DeletePolicyVersion") == 2
    with pytest.raises(ClientError) as err:
        iam(emu).get_policy(PolicyArn=POLICY_ARN)
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    client = iam(emu)
    assert client.list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []
    assert client.list_attached_group_policies(GroupName="ops")["AttachedPolicies"] == []
    assert client.list_attached_role_policies(RoleName="builder")["AttachedPolicies"] == []

    emu.client.clear_calls()
    again = source_policy(emu, state="absent")
    assert_ok(again)
    assert again["changed"] is False
    assert emu.client.write_calls() == []


# ---------------------------------------------------------------- inline


INLINE_GETTERS = {
    "users": ("get_user_policy", "UserName", "alice"),
    "groups": ("get_group_policy", "GroupName", "ops"),
    "roles": ("get_role_policy", "RoleName", "builder"),
}


def inline_document(emu: t.Any, kind: str, name: str = "assume-targets") -> dict[str, t.Any] | None:
    method, key, principal = INLINE_GETTERS[kind]
    try:
        document = getattr(iam(emu), method)(**{key: principal, "PolicyName": name})["PolicyDocument"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchEntity"
        return None
    return json.loads(document) if isinstance(document, str) else document


def test_inline_on_user_group_and_role(emu: t.Any) -> None:
    make_principals(emu, users=["alice"], groups=["ops"], roles=["builder"])
    args = {"name": "assume-targets", "type": "inline", "target_role_arns": [target(1)], "users": ["alice"], "groups": ["ops"], "roles": ["builder"]}

    emu.client.clear_calls()
    check = source_policy(emu, check=True, **args)
    assert check["changed"] is True
    assert emu.client.write_calls() == []

    result = source_policy(emu, diff=True, **args)
    assert_ok(result)
    assert result["changed"] is True
    assert result["policy"]["type"] == "inline"
    assert "arn" not in result["policy"]
    assert result["policy"]["attached"] == {"users": ["alice"], "groups": ["ops"], "roles": ["builder"]}
    assert result["diff"]["before"] == {"users": {}, "groups": {}, "roles": {}}
    for kind in INLINE_GETTERS:
        assert inline_document(emu, kind) == expected_document([target(1)])
    # No managed policy is involved.
    assert "CreatePolicy" not in actions(emu)

    emu.client.clear_calls()
    again = source_policy(emu, **args)
    assert again["changed"] is False
    assert emu.client.write_calls() == []

    emu.client.clear_calls()
    updated_args = {**args, "target_role_arns": [target(2)], "allow_source_identity": True}
    updated = source_policy(emu, **updated_args)
    assert updated["changed"] is True
    assert sorted(c["action"] for c in emu.client.write_calls()) == ["PutGroupPolicy", "PutRolePolicy", "PutUserPolicy"]
    for kind in INLINE_GETTERS:
        assert inline_document(emu, kind) == expected_document([target(2)], ["sts:AssumeRole", "sts:SetSourceIdentity"])

    absent_args = {"name": "assume-targets", "type": "inline", "users": ["alice"], "groups": ["ops"], "roles": ["builder"], "state": "absent"}
    removed = source_policy(emu, **absent_args)
    assert_ok(removed)
    assert removed["changed"] is True
    for kind in INLINE_GETTERS:
        assert inline_document(emu, kind) is None

    emu.client.clear_calls()
    again = source_policy(emu, **absent_args)
    assert again["changed"] is False
    assert emu.client.write_calls() == []


def test_inline_only_touches_listed_principals(emu: t.Any) -> None:
    make_principals(emu, users=["alice"], groups=["ops"])
    args = {"name": "assume-targets", "type": "inline", "target_role_arns": [target(1)]}
    assert_ok(source_policy(emu, users=["alice"], groups=["ops"], **args))
    emu.client.clear_calls()
    result = source_policy(emu, users=["alice"], state="absent", name="assume-targets", type="inline")
    assert result["changed"] is True
    assert [c["action"] for c in emu.client.write_calls()] == ["DeleteUserPolicy"]
    assert inline_document(emu, "users") is None
    assert inline_document(emu, "groups") == expected_document([target(1)])


# ---------------------------------------------------------------- end to end


def _assume(emu: t.Any, role_arn: str) -> str:
    sts = emu.session("source-user").client("sts", endpoint_url=emu.endpoint_url, region_name="us-east-1")
    try:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="source-policy-test")
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return "ok"


def test_end_to_end_assume_role_needs_the_source_policy(emu: t.Any) -> None:
    target_iam = iam(emu, "target-admin")
    role_arn = target_iam.create_role(RoleName="CrossAccountTarget", AssumeRolePolicyDocument=json.dumps(TRUST_SOURCE))["Role"]["Arn"]
    other_arn = target_iam.create_role(RoleName="OtherTarget", AssumeRolePolicyDocument=json.dumps(TRUST_SOURCE))["Role"]["Arn"]

    assert _assume(emu, role_arn) == "AccessDenied"

    result = source_policy(emu, target_role_arns=[role_arn], users=[SOURCE_USER])
    assert_ok(result)
    assert _assume(emu, role_arn) == "ok"
    # Least privilege: a role the policy does not name stays out of reach.
    assert _assume(emu, other_arn) == "AccessDenied"

    assert_ok(source_policy(emu, state="absent"))
    assert _assume(emu, role_arn) == "AccessDenied"


def test_end_to_end_inline_on_the_users_group(emu: t.Any) -> None:
    target_iam = iam(emu, "target-admin")
    role_arn = target_iam.create_role(RoleName="CrossAccountTarget", AssumeRolePolicyDocument=json.dumps(TRUST_SOURCE))["Role"]["Arn"]
    make_principals(emu, groups=["assumers"])
    iam(emu).add_user_to_group(GroupName="assumers", UserName=SOURCE_USER)
    assert _assume(emu, role_arn) == "AccessDenied"
    assert_ok(source_policy(emu, name="assume-cross", type="inline", target_role_arns=[role_arn], groups=["assumers"]))
    assert _assume(emu, role_arn) == "ok"


# ---------------------------------------------------------------- reads of a run with nothing to do (a call budget)


def test_no_op_reads_no_principal_that_is_attached(emu: t.Any) -> None:
    make_principals(emu, users=["alice"], groups=["ops"], roles=["builder"])
    args = {"target_role_arns": [target(1)], "users": ["alice"], "groups": ["ops"], "roles": ["builder"]}
    assert_ok(source_policy(emu, **args))
    emu.client.clear_calls()
    again = source_policy(emu, **args)
    assert_ok(again)
    assert again["changed"] is False
    # ListEntitiesForPolicy shows the three attached, so they exist: no GetUser, GetGroup or GetRole.
    assert actions(emu) == ["GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy"]
    # The policy ARN needs the account id, which only GetCallerIdentity gives.
    assert [call["action"] for call in emu.client.calls(service="sts")] == ["GetCallerIdentity"]


def test_only_principals_not_attached_are_looked_up_before_writing(emu: t.Any) -> None:
    make_principals(emu, users=["alice", "bob"])
    assert_ok(source_policy(emu, target_role_arns=[target(1)], users=["alice"]))
    emu.client.clear_calls()
    missing = source_policy(emu, target_role_arns=[target(1)], users=["alice", "bob", "carol"])
    assert missing["failed"]
    assert missing["msg"].startswith(f"users: IAM user 'carol' does not exist in account {SOURCE}"), missing["msg"]
    assert emu.client.write_calls() == []
    assert actions(emu) == ["GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy", "GetUser", "GetUser"]

    emu.client.clear_calls()
    added = source_policy(emu, target_role_arns=[target(1)], users=["alice", "bob"])
    assert_ok(added)
    assert added["policy"]["attached"]["users"] == ["alice", "bob"]
    assert actions(emu) == ["GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy", "GetUser", "AttachUserPolicy"]


def test_attached_principal_is_reported_in_iams_spelling_without_a_read(emu: t.Any) -> None:
    make_principals(emu, users=["Alice"])
    assert_ok(source_policy(emu, target_role_arns=[target(1)], users=["Alice"]))
    emu.client.clear_calls()
    again = source_policy(emu, target_role_arns=[target(1)], users=["alice"])  # IAM names ignore case
    assert_ok(again)
    assert again["changed"] is False
    assert again["policy"]["attached"]["users"] == ["Alice"]
    assert "GetUser" not in actions(emu)
    assert emu.client.write_calls() == []
