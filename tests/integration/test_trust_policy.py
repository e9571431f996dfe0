# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module trust_policy against the emulator: statement-level edits, dangling principals, call log."""

from __future__ import annotations

import json
import typing as t

from ansible_runner import run_module

TARGET = "222222222222"
SOURCE = "111111111111"
THIRD = "333333333333"
ROLE = "xacct-trust"
SOURCE_ROOT = f"arn:aws:iam::{SOURCE}:root"
THIRD_ROOT = f"arn:aws:iam::{THIRD}:root"

SERVICE_STATEMENT = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
THIRD_STATEMENT = {"Effect": "Allow", "Principal": {"AWS": THIRD}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"sts:ExternalId": "third-ext"}}}


def module(emu: t.Any, name: str, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    kwargs.setdefault("profile", "target-admin")
    return run_module(emu, name, args, **kwargs)


def trust(emu: t.Any, args: t.Mapping[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    return module(emu, "trust_policy", dict(args, role_name=ROLE), **kwargs)


def write_actions(emu: t.Any) -> list[str]:
    return [call["action"] for call in emu.client.write_calls()]


def warnings_text(result: t.Mapping[str, t.Any]) -> str:
    return json.dumps(result.get("warnings", []))


def aws_principals(document: t.Mapping[str, t.Any]) -> set[str]:
    found: set[str] = set()
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for statement in statements:
        principal = statement.get("Principal", {})
        if isinstance(principal, dict) and "AWS" in principal:
            values = principal["AWS"]
            found.update(values if isinstance(values, list) else [values])
    return found


def service_statements(document: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    return [s for s in document["Statement"] if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]]


def make_role(emu: t.Any, statements: list[dict[str, t.Any]]) -> None:
    created = module(emu, "target_role", {"name": ROLE, "trust_policy": {"Version": "2012-10-17", "Statement": statements}})
    assert created["changed"] is True, created
    emu.client.clear_calls()


def test_merge_keeps_service_statement_and_other_accounts(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT, THIRD_STATEMENT])
    result = trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"})
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert write_actions(emu) == ["UpdateAssumeRolePolicy"]
    stored = result["trust_policy"]
    assert service_statements(stored) == [SERVICE_STATEMENT]
    assert aws_principals(stored) == {SOURCE_ROOT, THIRD_ROOT}
    third = next(s for s in stored["Statement"] if THIRD_ROOT in json.dumps(s))
    assert third["Condition"] == {"StringEquals": {"sts:ExternalId": "third-ext"}}
    assert result["role_arn"] == f"arn:aws:iam::{TARGET}:role/{ROLE}"
    assert result["dangling_principals"] == []

    emu.client.clear_calls()
    again = trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"})
    assert again["changed"] is False
    assert write_actions(emu) == []
    assert again["trust_policy"] == stored


def test_changed_condition_moves_principal_and_keeps_the_rest(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT, THIRD_STATEMENT])
    trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"})
    result = trust(emu, {"trusted_account_ids": [SOURCE], "require_mfa": True})
    assert result["changed"] is True
    statements = [s for s in result["trust_policy"]["Statement"] if SOURCE_ROOT in json.dumps(s)]
    assert len(statements) == 1
    assert statements[0]["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert service_statements(result["trust_policy"]) == [SERVICE_STATEMENT]
    assert THIRD_ROOT in aws_principals(result["trust_policy"])


def test_check_mode_predicts_without_writes(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    result = trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"}, check=True)
    assert result["changed"] is True
    assert SOURCE_ROOT in aws_principals(result["trust_policy"])
    assert write_actions(emu) == []
    stored = module(emu, "trust_policy", {"role_name": ROLE})
    assert stored["changed"] is False
    assert aws_principals(stored["trust_policy"]) == set()


def test_diff_shows_the_documents(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    result = trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"}, diff=True)
    assert aws_principals(result["diff"]["before"]) == set()
    assert aws_principals(result["diff"]["after"]) == {SOURCE_ROOT}
    assert service_statements(result["diff"]["before"]) == service_statements(result["diff"]["after"]) == [SERVICE_STATEMENT]


def test_absent_removes_only_the_named_principals(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT, THIRD_STATEMENT])
    trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"})
    emu.client.clear_calls()
    result = trust(emu, {"trusted_account_ids": [THIRD], "state": "absent"})
    assert result["failed"] is False, result
    assert result["changed"] is True
    assert write_actions(emu) == ["UpdateAssumeRolePolicy"]
    assert aws_principals(result["trust_policy"]) == {SOURCE_ROOT}
    assert service_statements(result["trust_policy"]) == [SERVICE_STATEMENT]

    emu.client.clear_calls()
    again = trust(emu, {"trusted_account_ids": [THIRD], "state": "absent"})
    assert again["changed"] is False
    assert write_actions(emu) == []


def test_absent_of_the_last_principal_fails_instead_of_writing_an_empty_policy(emu: t.Any) -> None:
    make_role(emu, [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole",
                     "Condition": {"StringEquals": {"sts:ExternalId": "x-ext"}}}])
    result = trust(emu, {"trusted_account_ids": [SOURCE], "state": "absent"})
    assert result["failed"] is True
    assert result["msg"].startswith("trusted_account_ids:")
    assert "empty trust policy" in result["msg"]
    assert write_actions(emu) == []


def test_whole_policy_replaces_and_equivalent_forms_are_unchanged(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": [SOURCE, THIRD]}, "Action": ["sts:AssumeRole"],
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}}},
    ]}
    result = trust(emu, {"policy": document})
    assert result["changed"] is True
    assert service_statements(result["trust_policy"]) == []
    assert aws_principals(result["trust_policy"]) == {SOURCE_ROOT, THIRD_ROOT}

    emu.client.clear_calls()
    rewritten = {"Statement": {"Action": "sts:AssumeRole", "Effect": "Allow",
                               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                               "Principal": {"AWS": [THIRD_ROOT, SOURCE_ROOT]}}, "Version": "2012-10-17"}
    again = trust(emu, {"policy": json.dumps(rewritten)})
    assert again["failed"] is False, again
    assert again["changed"] is False
    assert write_actions(emu) == []


def test_deleted_principals_are_reported_and_removed_with_remove_dangling(emu: t.Any) -> None:
    source_iam = emu.session("source-admin").client("iam")
    source_iam.create_user(UserName="leaver")
    source_iam.create_role(RoleName="retired", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}]}))
    user_arn = f"arn:aws:iam::{SOURCE}:user/leaver"
    role_arn = f"arn:aws:iam::{SOURCE}:role/retired"
    make_role(emu, [SERVICE_STATEMENT])
    added = trust(emu, {"trusted_account_ids": [SOURCE], "trusted_principal_arns": [user_arn, role_arn], "external_id": "src-ext"})
    assert added["changed"] is True, added
    source_iam.delete_user(UserName="leaver")
    source_iam.delete_role(RoleName="retired")
    emu.client.clear_calls()

    report = trust(emu, {})
    assert report["changed"] is False
    dangling = report["dangling_principals"]
    assert len(dangling) == 2
    assert {d[:4] for d in dangling} == {"AIDA", "AROA"}
    assert all(d in warnings_text(report) for d in dangling)
    assert "remove_dangling" in warnings_text(report)
    assert write_actions(emu) == []

    cleaned = trust(emu, {"remove_dangling": True}, diff=True)
    assert cleaned["changed"] is True
    assert cleaned["dangling_principals"] == dangling
    assert aws_principals(cleaned["trust_policy"]) == {SOURCE_ROOT}
    assert service_statements(cleaned["trust_policy"]) == [SERVICE_STATEMENT]
    assert set(dangling) <= aws_principals(cleaned["diff"]["before"])
    assert write_actions(emu) == ["UpdateAssumeRolePolicy"]

    emu.client.clear_calls()
    again = trust(emu, {"remove_dangling": True})
    assert again["changed"] is False
    assert again["dangling_principals"] == []
    assert write_actions(emu) == []


def test_invalid_principal_waits_then_names_it(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    ghost = f"arn:aws:iam::{THIRD}:role/not-there"
    result = trust(emu, {"trusted_principal_arns": [ghost], "external_id": "ghost-ext"}, env={"CROSSACCOUNT_AWS_PRINCIPAL_WAIT": "2"})
    assert result["failed"] is True
    assert result["msg"].startswith("iam:UpdateAssumeRolePolicy failed: MalformedPolicyDocument")
    assert f"IAM does not know {ghost}" in result["msg"]
    attempts = emu.client.calls(action="UpdateAssumeRolePolicy")
    assert len(attempts) >= 2
    assert all(call["status"] >= 400 for call in attempts)


def test_foreign_account_without_external_id_is_allowed_but_warned(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    result = trust(emu, {"trusted_account_ids": [THIRD]})
    assert result["changed"] is True
    assert "external_id_missing" in warnings_text(result) and "account 333333333333" in warnings_text(result)
    assert "external_id_missing" in [finding["code"] for finding in result["findings"]]


def test_wildcard_without_condition_is_refused(emu: t.Any) -> None:
    make_role(emu, [SERVICE_STATEMENT])
    open_doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
    result = trust(emu, {"policy": open_doc})
    assert result["failed"] is True
    assert result["msg"].startswith("policy:")
    assert write_actions(emu) == []
    # With a condition the wildcard is a legitimate pattern (e.g. the whole organization).
    fenced = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-emulator0001"}}}]}
    assert trust(emu, {"policy": fenced})["changed"] is True


def test_missing_role_fails_naming_role_name(emu: t.Any) -> None:
    result = trust(emu, {"trusted_account_ids": [SOURCE], "external_id": "src-ext"})
    assert result["failed"] is True
    assert result["msg"].startswith("role_name:")
    assert write_actions(emu) == []
