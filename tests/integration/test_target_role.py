# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module target_role against the emulator: real module processes, call log assertions."""

from __future__ import annotations

import json
import threading
import time
import typing as t

import pytest
from ansible_runner import run_module

TARGET = "222222222222"
SOURCE = "111111111111"
THIRD = "333333333333"
ROLE = "xacct-app"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"

READ_LOGS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["logs:GetLogEvents"], "Resource": "*"}],
}

BASE = {
    "name": ROLE,
    "description": "cross-account app role",
    "trusted_account_ids": [SOURCE],
    "external_id": "ext-1234",
    "managed_policies": ["AmazonS3ReadOnlyAccess"],
    "inline_policies": {"read-logs": READ_LOGS},
    "max_session_duration": 3600,
    "tags": {"team": "platform", "env": "test"},
}


def target_role(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    kwargs.setdefault("profile", "target-admin")
    return run_module(emu, "target_role", args, **kwargs)


def write_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.write_calls()]


def applied_writes(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.write_calls() if call["status"] < 300]


def warnings_text(result: t.Mapping[str, t.Any]) -> str:
    # ansible-core 2.19 returns structured warning summaries from a bare module run.
    return json.dumps(result.get("warnings", []))


def create(emu: t.Any, **overrides: t.Any) -> dict[str, t.Any]:
    args = dict(BASE)
    args.update(overrides)
    result = target_role(emu, args)
    assert result["changed"] is True, result
    emu.client.clear_calls()
    return result


def test_create_then_rerun_makes_no_write(emu: t.Any) -> None:
    first = target_role(emu, BASE)
    assert first["failed"] is False, first
    assert first["changed"] is True
    role = first["role"]
    assert role["arn"] == f"arn:aws:iam::{TARGET}:role/{ROLE}"
    assert role["name"] == ROLE and role["path"] == "/"
    assert role["role_id"].startswith("AROA")
    assert role["description"] == "cross-account app role"
    assert role["managed_policies"] == [S3_READ]
    assert set(role["inline_policies"]) == {"read-logs"}
    assert role["max_session_duration"] == 3600
    assert role["permissions_boundary"] is None
    assert role["tags"] == {"team": "platform", "env": "test"}
    statement = role["trust_policy"]["Statement"][0]
    assert statement["Principal"]["AWS"] in ([f"arn:aws:iam::{SOURCE}:root"], f"arn:aws:iam::{SOURCE}:root")
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-1234"}}
    # Trust, description, duration and tags travel in CreateRole itself.
    assert write_actions(emu) == ["CreateRole", "AttachRolePolicy", "PutRolePolicy"]

    emu.client.clear_calls()
    second = target_role(emu, BASE)
    assert second["failed"] is False, second
    assert second["changed"] is False
    assert write_actions(emu) == []
    assert second["role"] == first["role"]
    # Names resolve by computed ARN, never by listing every policy.
    assert emu.client.calls(action="ListPolicies") == []


def test_check_mode_on_empty_account_predicts_arn_without_writes(emu: t.Any) -> None:
    args = dict(BASE, path="/team/")
    result = target_role(emu, args, check=True)
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert result["role"]["arn"] == f"arn:aws:iam::{TARGET}:role/team/{ROLE}"
    assert result["role"]["managed_policies"] == [S3_READ]
    assert result["role"]["tags"] == BASE["tags"]
    assert write_actions(emu) == []
    # Nothing was created: a second check run still predicts a creation.
    assert target_role(emu, args, check=True)["changed"] is True
    assert write_actions(emu) == []


def test_check_mode_update_predicts_without_writes(emu: t.Any) -> None:
    create(emu)
    result = target_role(emu, dict(BASE, max_session_duration=7200), check=True)
    assert result["changed"] is True
    assert result["role"]["max_session_duration"] == 7200
    assert write_actions(emu) == []
    assert target_role(emu, BASE)["changed"] is False


def test_diff_shows_documents_before_and_after(emu: t.Any) -> None:
    created = target_role(emu, BASE, diff=True)
    assert created["diff"]["before"] == {}
    after = created["diff"]["after"]
    assert after["inline_policies"]["read-logs"]["Statement"][0]["Action"] == ["logs:GetLogEvents"]
    assert after["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == "ext-1234"

    changed_doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:FilterLogEvents", "Resource": "*"}]}
    updated = target_role(emu, dict(BASE, inline_policies={"read-logs": changed_doc}, external_id="ext-5678"), diff=True)
    assert updated["changed"] is True
    before, after = updated["diff"]["before"], updated["diff"]["after"]
    assert before["inline_policies"]["read-logs"]["Statement"][0]["Action"] == ["logs:GetLogEvents"]
    assert after["inline_policies"]["read-logs"]["Statement"][0]["Action"] == "logs:FilterLogEvents"
    assert before["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == "ext-1234"
    assert after["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == "ext-5678"
    # Attributes that did not change are identical on both sides.
    for key in ("managed_policies", "tags", "max_session_duration", "description", "path"):
        assert before[key] == after[key]

    unchanged = target_role(emu, dict(BASE, inline_policies={"read-logs": changed_doc}, external_id="ext-5678"), diff=True)
    assert unchanged["changed"] is False
    assert unchanged["diff"]["before"] == unchanged["diff"]["after"]


UPDATES = [
    pytest.param({"trusted_account_ids": [SOURCE, THIRD]}, ["UpdateAssumeRolePolicy"], "trust_policy", id="trust"),
    pytest.param({"managed_policies": ["AmazonS3FullAccess"]}, ["AttachRolePolicy", "DetachRolePolicy"], "managed_policies", id="managed"),
    pytest.param(
        {"inline_policies": {"read-logs": dict(READ_LOGS, Statement=[{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}])}},
        ["PutRolePolicy"], "inline_policies", id="inline",
    ),
    pytest.param({"inline_policies": {"other": READ_LOGS}}, ["PutRolePolicy", "DeleteRolePolicy"], "inline_policies", id="inline-replace"),
    pytest.param({"max_session_duration": 43200}, ["UpdateRole"], "max_session_duration", id="duration"),
    pytest.param({"permissions_boundary": "arn:aws:iam::aws:policy/PowerUserAccess"}, ["PutRolePermissionsBoundary"],
                 "permissions_boundary", id="boundary"),
    pytest.param({"tags": {"team": "security", "env": "test"}}, ["TagRole"], "tags", id="tag-value"),
    pytest.param({"tags": {"team": "platform"}}, ["UntagRole"], "tags", id="tag-purge"),
    pytest.param({"description": "a new description"}, ["UpdateRole"], "description", id="description"),
]


@pytest.mark.parametrize("change, expected_writes, attribute", UPDATES)
def test_each_attribute_update_touches_only_that_attribute(
    emu: t.Any, change: dict[str, t.Any], expected_writes: list[str], attribute: str
) -> None:
    before = create(emu)["role"]
    args = dict(BASE)
    args.update(change)
    result = target_role(emu, args)
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert write_actions(emu) == expected_writes
    after = result["role"]
    assert after[attribute] != before[attribute]
    for key in ("arn", "role_id", "path", "description", "trust_policy", "managed_policies", "inline_policies",
                "max_session_duration", "permissions_boundary", "tags"):
        if key != attribute:
            assert after[key] == before[key], key

    emu.client.clear_calls()
    again = target_role(emu, args)
    assert again["changed"] is False
    assert write_actions(emu) == []


def test_unset_attributes_are_left_alone_and_purge_false_keeps_extras(emu: t.Any) -> None:
    before = create(emu)["role"]
    minimal = target_role(emu, {"name": ROLE})
    assert minimal["changed"] is False
    assert write_actions(emu) == []
    assert minimal["role"] == before

    kept = target_role(emu, {"name": ROLE, "managed_policies": ["AmazonS3FullAccess"], "purge_policies": False,
                             "tags": {"owner": "me"}, "purge_tags": False})
    assert kept["changed"] is True
    assert write_actions(emu) == ["AttachRolePolicy", "TagRole"]
    assert kept["role"]["managed_policies"] == sorted([S3_READ, S3_FULL])
    assert kept["role"]["tags"] == {"team": "platform", "env": "test", "owner": "me"}


def test_boundary_removed_with_empty_string(emu: t.Any) -> None:
    create(emu, permissions_boundary="arn:aws:iam::aws:policy/PowerUserAccess")
    result = target_role(emu, dict(BASE, permissions_boundary=""))
    assert result["changed"] is True
    assert write_actions(emu) == ["DeleteRolePermissionsBoundary"]
    assert result["role"]["permissions_boundary"] is None


def test_customer_managed_policy_name_resolves_in_own_account(emu: t.Any) -> None:
    iam = emu.session("target-admin").client("iam")
    iam.create_policy(PolicyName="app-extra", Path="/team/", PolicyDocument=json.dumps(READ_LOGS))
    emu.client.clear_calls()
    result = target_role(emu, dict(BASE, managed_policies=["AmazonS3ReadOnlyAccess", "team/app-extra"]))
    assert result["failed"] is False, result
    assert result["role"]["managed_policies"] == sorted([S3_READ, f"arn:aws:iam::{TARGET}:policy/team/app-extra"])
    assert emu.client.calls(action="ListPolicies") == []


def test_absent_removes_links_policies_and_role_then_is_a_no_op(emu: t.Any) -> None:
    create(emu)
    iam = emu.session("target-admin").client("iam")
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName=ROLE)
    emu.client.clear_calls()

    check = target_role(emu, {"name": ROLE, "state": "absent"}, check=True)
    assert check["changed"] is True
    assert write_actions(emu) == []

    gone = target_role(emu, {"name": ROLE, "state": "absent"}, diff=True)
    assert gone["failed"] is False, gone
    assert gone["changed"] is True
    assert gone["role"] == {}
    assert gone["diff"]["after"] == {} and gone["diff"]["before"]["name"] == ROLE
    assert write_actions(emu) == ["RemoveRoleFromInstanceProfile", "DetachRolePolicy", "DeleteRolePolicy", "DeleteRole"]
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == ROLE] == []

    emu.client.clear_calls()
    again = target_role(emu, {"name": ROLE, "state": "absent"})
    assert again["changed"] is False
    assert write_actions(emu) == []


@pytest.mark.parametrize(
    "stored, rerun",
    [
        pytest.param([SOURCE], [f"arn:aws:iam::{SOURCE}:root"], id="account-id-vs-root-arn"),
        pytest.param([SOURCE, THIRD], [f"arn:aws:iam::{THIRD}:root", SOURCE], id="reordered"),
        pytest.param([SOURCE], SOURCE, id="one-item-list-vs-scalar"),
    ],
)
def test_equivalent_trust_documents_are_unchanged(emu: t.Any, stored: t.Any, rerun: t.Any) -> None:
    def document(principals: t.Any, action: t.Any) -> dict[str, t.Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": principals}, "Action": action,
                           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}}}],
        }

    first = target_role(emu, {"name": ROLE, "trust_policy": document(stored, ["sts:AssumeRole"])})
    assert first["changed"] is True, first
    emu.client.clear_calls()
    second = target_role(emu, {"name": ROLE, "trust_policy": json.dumps(document(rerun, "sts:AssumeRole"))})
    assert second["failed"] is False, second
    assert second["changed"] is False
    assert write_actions(emu) == []


def test_path_of_existing_role_cannot_change(emu: t.Any) -> None:
    create(emu)
    result = target_role(emu, dict(BASE, path="/moved/"))
    assert result["failed"] is True
    assert result["msg"].startswith("path:")
    assert "cannot move" in result["msg"]
    assert write_actions(emu) == []


def test_foreign_account_without_external_id_or_mfa_is_warned(emu: t.Any) -> None:
    result = target_role(emu, {"name": ROLE, "trusted_account_ids": [THIRD]})
    assert result["changed"] is True
    assert THIRD in warnings_text(result) and "sts:ExternalId" in warnings_text(result)
    assert [finding["code"] for finding in result["findings"]] == ["external_id_missing", "root_trust_without_mfa"]
    with_external_id = target_role(emu, {"name": ROLE, "trusted_account_ids": [THIRD], "external_id": "ext-9999"})
    assert with_external_id["changed"] is True
    assert "confused deputy" not in warnings_text(with_external_id)
    assert [finding["code"] for finding in with_external_id["findings"]] == ["root_trust_without_mfa"]


def test_session_tags_and_source_identity_add_actions(emu: t.Any) -> None:
    result = target_role(emu, {"name": ROLE, "trusted_account_ids": [SOURCE], "require_mfa": True,
                               "allow_session_tags": True, "allow_source_identity": True})
    statement = result["role"]["trust_policy"]["Statement"][0]
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert statement["Condition"]["Bool"]["aws:MultiFactorAuthPresent"] == "true"


def test_invalid_principal_is_retried_for_a_bounded_time_then_named(emu: t.Any) -> None:
    ghost = f"arn:aws:iam::{SOURCE}:user/not-created-yet"
    result = target_role(emu, {"name": ROLE, "trusted_principal_arns": [ghost]}, env={"CROSSACCOUNT_AWS_PRINCIPAL_WAIT": "2"})
    assert result["failed"] is True
    assert result["msg"].startswith("iam:CreateRole failed: MalformedPolicyDocument")
    assert f"IAM does not know {ghost}" in result["msg"]
    assert "waited 2 s" in result["msg"]
    attempts = emu.client.calls(action="CreateRole")
    # Retried (first attempt + backoff retries), every attempt refused, nothing applied.
    assert len(attempts) >= 2
    assert all(call["error_code"] == "MalformedPolicyDocument" for call in attempts)
    assert applied_writes(emu) == []


def test_principal_created_during_the_wait_is_accepted(emu: t.Any) -> None:
    # The user is created only once IAM has refused the first CreateRole, so the retry must pick it up.
    outcome: dict[str, t.Any] = {}
    args = {"name": ROLE, "trusted_principal_arns": [f"arn:aws:iam::{SOURCE}:user/late-user"], "external_id": "ext-late"}
    worker = threading.Thread(target=lambda: outcome.update(target_role(emu, args, env={"CROSSACCOUNT_AWS_PRINCIPAL_WAIT": "120"})))
    worker.start()
    try:
        while not any(c["error_code"] == "MalformedPolicyDocument" for c in emu.client.calls(action="CreateRole")):
            assert worker.is_alive(), outcome
            time.sleep(0.1)
        emu.session("source-admin").client("iam").create_user(UserName="late-user")
    finally:
        worker.join()
    assert outcome["failed"] is False, outcome
    assert outcome["changed"] is True
    assert [c["status"] for c in emu.client.calls(action="CreateRole")][-1] == 200


def test_create_answered_with_500_after_it_was_applied_converges(emu: t.Any) -> None:
    emu.client.configure(fail_after_write_rate=1.0)
    args = {"name": ROLE, "trusted_account_ids": [SOURCE], "require_mfa": True, "tags": {"team": "platform"}}
    result = target_role(emu, args)
    emu.client.configure(fail_after_write_rate=0.0)
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert result["role"]["arn"] == f"arn:aws:iam::{TARGET}:role/{ROLE}"
    creates = emu.client.calls(action="CreateRole")
    assert creates[0]["injected"] == "500-after-write"
    assert creates[1]["error_code"] == "EntityAlreadyExists"

    emu.client.clear_calls()
    again = target_role(emu, args)
    assert again["changed"] is False
    assert write_actions(emu) == []


def test_delete_answered_with_500_after_it_was_applied_converges(emu: t.Any) -> None:
    target_role(emu, {"name": ROLE, "trusted_account_ids": [SOURCE], "require_mfa": True})
    emu.client.configure(fail_after_write_rate=1.0)
    emu.client.clear_calls()
    result = target_role(emu, {"name": ROLE, "state": "absent"})
    emu.client.configure(fail_after_write_rate=0.0)
    assert result["failed"] is False, result
    assert result["changed"] is True
    deletes = emu.client.calls(action="DeleteRole")
    assert deletes[0]["injected"] == "500-after-write"
    assert deletes[1]["error_code"] == "NoSuchEntity"
    assert target_role(emu, {"name": ROLE, "state": "absent"})["changed"] is False


# --- reads of a run with nothing to do (the no-op playbook run has a call budget) ---


def read_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.calls(service="iam")]


@pytest.mark.parametrize("managed", [["AmazonS3ReadOnlyAccess"], [S3_READ]], ids=["name", "arn"])
def test_no_op_reads_only_the_role_and_its_policy_lists(emu: t.Any, managed: list[str]) -> None:
    overrides = {"managed_policies": managed, "inline_policies": {}}
    args = {**BASE, **overrides}
    create(emu, **overrides)
    result = target_role(emu, args)
    assert result["changed"] is False, result
    # The account and partition come from GetRole's ARN, the tags from GetRole itself, and an attached
    # policy needs no GetPolicy: three reads and nothing else.
    assert read_actions(emu) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"]
    assert emu.client.calls(action="GetCallerIdentity") == []
    assert result["role"]["tags"] == BASE["tags"]
    assert result["role"]["managed_policies"] == [S3_READ]


def test_no_op_with_an_inline_policy_reads_it_once(emu: t.Any) -> None:
    create(emu)
    assert target_role(emu, BASE)["changed"] is False
    assert read_actions(emu) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy"]
    assert emu.client.calls(service="sts", action="GetCallerIdentity") == []


def test_create_still_reads_the_caller_identity(emu: t.Any) -> None:
    result = target_role(emu, BASE)
    assert result["changed"] is True
    # No role yet, so no ARN to take the account from: GetRole answers NoSuchEntity, then the identity is read.
    assert len(emu.client.calls(action="GetCallerIdentity")) == 1
    assert emu.client.calls(action="GetRole")[0]["error_code"] == "NoSuchEntity"


def test_tags_are_read_from_get_role_and_external_changes_are_seen(emu: t.Any) -> None:
    create(emu, tags={})
    iam = emu.session("target-admin").client("iam")
    iam.tag_role(RoleName=ROLE, Tags=[{"Key": "stray", "Value": "x"}])
    emu.client.clear_calls()
    result = target_role(emu, dict(BASE, tags={"team": "platform"}))
    assert result["changed"] is True
    assert write_actions(emu) == ["UntagRole", "TagRole"]
    assert result["role"]["tags"] == {"team": "platform"}
    emu.client.clear_calls()
    assert target_role(emu, dict(BASE, tags={}))["role"]["tags"] == {}
    assert write_actions(emu) == ["UntagRole"]
    assert emu.client.calls(action="ListRoleTags") == []


def test_attached_own_policy_by_name_skips_only_its_own_get_policy(emu: t.Any) -> None:
    iam = emu.session("target-admin").client("iam")
    own = iam.create_policy(PolicyName="app-extra", Path="/team/", PolicyDocument=json.dumps(READ_LOGS))["Policy"]["Arn"]
    overrides = {"managed_policies": ["team/app-extra"], "inline_policies": {}}
    args = {**BASE, **overrides}
    create(emu, **overrides)
    result = target_role(emu, args)
    assert result["changed"] is False and result["role"]["managed_policies"] == [own]
    # An AWS managed policy of the same name would win, so its ARN is still tried (and is not there);
    # the attached policy of the account is known to exist and is not read.
    assert [c["error_code"] for c in emu.client.calls(action="GetPolicy")] == ["NoSuchEntity"]


def test_aws_managed_policy_keeps_precedence_over_an_attached_own_policy_of_that_name(emu: t.Any) -> None:
    iam = emu.session("target-admin").client("iam")
    own = iam.create_policy(PolicyName="AmazonS3ReadOnlyAccess", PolicyDocument=json.dumps(READ_LOGS))["Policy"]["Arn"]
    create(emu, managed_policies=[own])
    result = target_role(emu, BASE)
    # The name means the AWS managed policy, exactly as for a role that had neither attached.
    assert result["changed"] is True
    assert result["role"]["managed_policies"] == [S3_READ]
    assert write_actions(emu) == ["AttachRolePolicy", "DetachRolePolicy"]
    assert [c["error_code"] for c in emu.client.calls(action="GetPolicy")] == [None]


def test_trust_policy_no_op_reads_only_the_role(emu: t.Any) -> None:
    # Module trust_policy shares the reading order: the role's ARN gives the account, so no GetCallerIdentity.
    create(emu)
    result = run_module(emu, "trust_policy", {"role_name": ROLE, "trusted_account_ids": [SOURCE], "external_id": "ext-1234"},
                        profile="target-admin")
    assert result["failed"] is False and result["changed"] is False, result
    assert result["role_arn"] == f"arn:aws:iam::{TARGET}:role/{ROLE}"
    assert read_actions(emu) == ["GetRole"]
    assert emu.client.calls(action="GetCallerIdentity") == []


def test_trust_policy_missing_role_names_the_account(emu: t.Any) -> None:
    result = run_module(emu, "trust_policy", {"role_name": "nope", "trusted_account_ids": [SOURCE], "external_id": "ext-1234"},
                        profile="target-admin")
    assert result["failed"] is True
    assert result["msg"].startswith(f"role_name: role nope does not exist in account {TARGET}")


def test_tag_key_differing_only_in_case_replaces_the_old_key(emu: t.Any) -> None:
    # IAM role tag keys are case-insensitive: "Team" and "team" cannot coexist, so a kept (purge_tags: false)
    # "Team" must give way to a wanted "team", and the old key is untagged before the new one is tagged.
    create(emu, tags={"Team": "platform", "env": "test"})
    result = target_role(emu, dict(BASE, tags={"team": "security"}, purge_tags=False))
    assert result["changed"] is True
    assert result["role"]["tags"] == {"team": "security", "env": "test"}
    assert write_actions(emu) == ["UntagRole", "TagRole"]
    tags = emu.session("target-admin").client("iam").get_role(RoleName=ROLE)["Role"]["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == {"team": "security", "env": "test"}
