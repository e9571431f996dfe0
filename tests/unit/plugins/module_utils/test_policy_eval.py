# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluation of identity and trust policies for the verify_access diagnosis."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_build
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_eval as policy

SOURCE = "111111111111"
TARGET_ROLE = "arn:aws:iam::222222222222:role/Target"
ALICE = f"arn:aws:iam::{SOURCE}:user/alice"
SESSION = f"arn:aws:sts::{SOURCE}:assumed-role/Deployer/ci-run"


def doc(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def allow(**fields):
    return {"Effect": "Allow", **fields}


def deny(**fields):
    return {"Effect": "Deny", **fields}


# ================================================================ identity policies

def test_allow_names_the_statement():
    decision = policy.evaluate_identity_policies([doc(allow(Sid="Go", Action="sts:AssumeRole", Resource=TARGET_ROLE))], "sts:AssumeRole", TARGET_ROLE)
    assert decision == policy.Decision("allow", "Go", f'statement "Go" allows sts:AssumeRole on {TARGET_ROLE}')
    assert decision.allowed


def test_explicit_deny_wins_over_allow_in_any_order():
    documents = [doc(allow(Action="*", Resource="*")), doc(deny(Sid="Stop", Action="sts:*", Resource="*"))]
    decision = policy.evaluate_identity_policies(documents, "sts:AssumeRole", TARGET_ROLE)
    assert decision.effect == "deny"
    assert decision.statement_sid == "Stop"
    assert "explicitly denies sts:AssumeRole" in decision.reason
    assert not decision.allowed


def test_implicit_deny_when_nothing_matches():
    decision = policy.evaluate_identity_policies([doc(allow(Action="s3:*", Resource="*"))], "sts:AssumeRole", TARGET_ROLE)
    assert decision == policy.Decision("implicit_deny", None, f"no identity policy of the caller allows sts:AssumeRole on {TARGET_ROLE}")


def test_no_documents_is_an_implicit_deny():
    assert policy.evaluate_identity_policies([], "sts:AssumeRole", TARGET_ROLE).effect == "implicit_deny"
    assert policy.evaluate_identity_policies(None, "sts:AssumeRole", TARGET_ROLE).effect == "implicit_deny"


def test_named_policies_appear_in_the_reason():
    decision = policy.evaluate_identity_policies({"AssumeTarget": doc(allow(Action="sts:AssumeRole", Resource=TARGET_ROLE))},
                                                 "sts:AssumeRole", TARGET_ROLE)
    assert decision.reason == f"statement #1 of policy AssumeTarget allows sts:AssumeRole on {TARGET_ROLE}"


def test_single_document_and_json_text_are_accepted():
    document = doc(allow(Action="sts:AssumeRole", Resource=TARGET_ROLE))
    assert policy.evaluate_identity_policies(document, "sts:AssumeRole", TARGET_ROLE).allowed
    assert policy.evaluate_identity_policies('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
                                             "sts:AssumeRole", TARGET_ROLE).allowed


@pytest.mark.parametrize("action_pattern, allowed", [
    ("sts:AssumeRole", True),
    ("STS:assumerole", True),
    ("sts:*", True),
    ("*", True),
    ("sts:Assume*", True),
    ("sts:AssumeRol?", True),
    ("sts:AssumeRole?", False),
    ("sts:AssumeRoleWith*", False),
    ("iam:*", False),
])
def test_action_wildcards_and_case(action_pattern, allowed):
    decision = policy.evaluate_identity_policies([doc(allow(Action=action_pattern, Resource="*"))], "sts:AssumeRole", TARGET_ROLE)
    assert decision.allowed is allowed


@pytest.mark.parametrize("resource_pattern, allowed", [
    (TARGET_ROLE, True),
    ("arn:aws:iam::222222222222:role/*", True),
    ("arn:aws:iam::*:role/Target", True),
    ("arn:aws:iam::222222222222:role/Targe?", True),
    ("arn:aws:iam::222222222222:role/target", False),
    ("arn:aws:iam::333333333333:role/*", False),
    (["arn:aws:iam::333333333333:role/*", TARGET_ROLE], True),
])
def test_resource_wildcards_are_case_sensitive(resource_pattern, allowed):
    decision = policy.evaluate_identity_policies([doc(allow(Action="sts:AssumeRole", Resource=resource_pattern))], "sts:AssumeRole", TARGET_ROLE)
    assert decision.allowed is allowed


def test_not_action_and_not_resource():
    not_action = doc(allow(NotAction="iam:*", Resource="*"))
    assert policy.evaluate_identity_policies(not_action, "sts:AssumeRole", TARGET_ROLE).allowed
    assert not policy.evaluate_identity_policies(not_action, "iam:CreateRole", "*").allowed
    not_resource = doc(allow(Action="sts:AssumeRole", NotResource="arn:aws:iam::222222222222:role/Admin*"))
    assert policy.evaluate_identity_policies(not_resource, "sts:AssumeRole", TARGET_ROLE).allowed
    assert not policy.evaluate_identity_policies(not_resource, "sts:AssumeRole", "arn:aws:iam::222222222222:role/AdminX").allowed


def test_deny_with_not_action_does_not_deny_the_excluded_action():
    documents = [doc(allow(Action="*", Resource="*"), deny(NotAction=["sts:AssumeRole", "s3:*"], Resource="*"))]
    assert policy.evaluate_identity_policies(documents, "sts:AssumeRole", TARGET_ROLE).allowed
    assert policy.evaluate_identity_policies(documents, "ec2:RunInstances", "*").effect == "deny"


def test_conditional_allow_reports_the_unmet_condition():
    document = doc(allow(Sid="MfaOnly", Action="sts:AssumeRole", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    denied = policy.evaluate_identity_policies(document, "sts:AssumeRole", TARGET_ROLE)
    assert denied.effect == "implicit_deny"
    assert 'statement "MfaOnly" would allow sts:AssumeRole' in denied.reason
    assert "condition Bool aws:MultiFactorAuthPresent requires MFA" in denied.reason
    assert policy.evaluate_identity_policies(document, "sts:AssumeRole", TARGET_ROLE, {"aws:MultiFactorAuthPresent": True}).allowed


def test_conditional_deny_only_applies_when_its_condition_holds():
    documents = [doc(allow(Action="*", Resource="*"), deny(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))]
    assert policy.evaluate_identity_policies(documents, "sts:AssumeRole", TARGET_ROLE, {"aws:MultiFactorAuthPresent": "true"}).allowed
    assert policy.evaluate_identity_policies(documents, "sts:AssumeRole", TARGET_ROLE, {"aws:MultiFactorAuthPresent": "false"}).effect == "deny"


def test_policy_variables_in_resources():
    document = doc(allow(Action="sts:AssumeRole", Resource="arn:aws:iam::222222222222:role/${aws:username}-*"))
    mine = "arn:aws:iam::222222222222:role/alice-admin"
    assert policy.evaluate_identity_policies(document, "sts:AssumeRole", mine, {"aws:username": "alice"}).allowed
    assert not policy.evaluate_identity_policies(document, "sts:AssumeRole", mine, {"aws:username": "bob"}).allowed
    # No value for the variable: the resource does not match.
    assert not policy.evaluate_identity_policies(document, "sts:AssumeRole", mine).allowed
    # Variables are plain text in Version 2008-10-17 documents.
    old = doc(allow(Action="sts:AssumeRole", Resource="arn:aws:iam::222222222222:role/${aws:username}-*"), version="2008-10-17")
    assert not policy.evaluate_identity_policies(old, "sts:AssumeRole", mine, {"aws:username": "alice"}).allowed


def test_policy_variable_escapes_and_defaults():
    literal = doc(allow(Action="sts:AssumeRole", Resource="arn:aws:iam::222222222222:role/${*}"))
    assert policy.evaluate_identity_policies(literal, "sts:AssumeRole", "arn:aws:iam::222222222222:role/*").allowed
    assert not policy.evaluate_identity_policies(literal, "sts:AssumeRole", TARGET_ROLE).allowed
    defaulted = doc(allow(Action="sts:AssumeRole", Resource="arn:aws:iam::222222222222:role/${aws:username, 'Target'}"))
    assert policy.evaluate_identity_policies(defaulted, "sts:AssumeRole", TARGET_ROLE).allowed


# ================================================================ condition operators (through identity policies)

def conditioned(operator, key, values):
    return doc(allow(Sid="C", Action="sts:AssumeRole", Resource="*", Condition={operator: {key: values}}))


def holds(operator, key, values, context):
    return policy.evaluate_identity_policies(conditioned(operator, key, values), "sts:AssumeRole", TARGET_ROLE, context).allowed


@pytest.mark.parametrize("operator, values, given, expected", [
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "ABC", False),
    ("StringEquals", ["x", "abc"], "abc", True),
    ("StringNotEquals", "abc", "abd", True),
    ("StringNotEquals", "abc", "abc", False),
    ("StringNotEquals", ["abc", "x"], "x", False),
    ("StringEqualsIgnoreCase", "abc", "ABC", True),
    ("StringNotEqualsIgnoreCase", "abc", "ABC", False),
    ("StringLike", "a*c", "abbbc", True),
    ("StringLike", "a?c", "abc", True),
    ("StringLike", "a?c", "abbc", False),
    ("StringNotLike", "a*", "abc", False),
    ("StringNotLike", "a*", "xbc", True),
    ("ArnEquals", "arn:aws:iam::111111111111:user/*", ALICE, True),
    ("ArnLike", "arn:aws:iam::111111111111:user/*", ALICE, True),
    ("ArnLike", "arn:aws:iam::111111111111:role/*", ALICE, False),
    ("ArnNotEquals", "arn:aws:iam::111111111111:user/bob", ALICE, True),
    ("ArnNotLike", "arn:aws:iam::111111111111:*", ALICE, False),
    ("NumericEquals", "10", "10.0", True),
    ("NumericNotEquals", "10", "10", False),
    ("NumericLessThan", "10", "9", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", 10, "10", True),
    ("NumericGreaterThan", "10", "11", True),
    ("NumericGreaterThan", "10", "10", False),
    ("NumericGreaterThanEquals", "10", 10, True),
    ("NumericGreaterThan", "10", "not-a-number", False),
    ("Bool", "true", True, True),
    ("Bool", True, "TRUE", True),
    ("Bool", "true", "false", False),
    ("DateLessThan", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
    ("DateLessThan", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00+00:00", False),
    ("DateGreaterThanEquals", "2030-01-01T00:00:00Z", "1893456000", True),
    ("DateEquals", "2030-01-01", "2030-01-01T00:00:00Z", True),
    ("DateNotEquals", "2030-01-01", "2030-01-02", True),
    ("DateLessThanEquals", "2030-01-01", "not-a-date", False),
    ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
    ("IpAddress", ["192.168.0.0/16", "10.0.0.0/8"], "172.16.0.1", False),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
    ("IpAddress", "10.0.0.0/8", "not-an-ip", False),
    ("NotIpAddress", "10.0.0.0/8", "10.1.2.3", False),
    ("NotIpAddress", "10.0.0.0/8", "203.0.113.9", True),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ6", False),
])
def test_condition_operators(operator, values, given, expected):
    assert holds(operator, "test:Key", values, {"test:Key": given}) is expected


@pytest.mark.parametrize("operator, expected", [
    ("StringEquals", False),
    ("StringLike", False),
    ("Bool", False),
    ("NumericLessThan", False),
    ("StringEqualsIfExists", True),
    ("BoolIfExists", True),
    ("NumericLessThanIfExists", True),
    ("StringNotEquals", True),
    ("StringNotLike", True),
    ("ArnNotLike", True),
    ("ForAllValues:StringEquals", True),
    ("ForAnyValue:StringEquals", False),
    ("ForAnyValue:StringEqualsIfExists", True),
])
def test_missing_context_key(operator, expected):
    assert holds(operator, "test:Key", "1", {}) is expected


def test_if_exists_still_checks_a_present_value():
    assert holds("StringEqualsIfExists", "test:Key", "a", {"test:Key": "a"})
    assert not holds("StringEqualsIfExists", "test:Key", "a", {"test:Key": "b"})


@pytest.mark.parametrize("values, given, expected", [
    ("true", None, True),
    ("true", "x", False),
    ("false", "x", True),
    ("false", None, False),
    (True, None, True),
])
def test_null_operator(values, given, expected):
    context = {} if given is None else {"test:Key": given}
    assert holds("Null", "test:Key", values, context) is expected


@pytest.mark.parametrize("operator, tag_keys, expected", [
    ("ForAllValues:StringEquals", ["Project"], True),
    ("ForAllValues:StringEquals", ["Project", "Team"], True),
    ("ForAllValues:StringEquals", ["Project", "Owner"], False),
    ("ForAllValues:StringEquals", [], True),
    ("ForAnyValue:StringEquals", ["Owner", "Team"], True),
    ("ForAnyValue:StringEquals", ["Owner"], False),
    ("ForAnyValue:StringEquals", [], False),
    ("ForAnyValue:StringLike", ["Proj-1"], False),
    ("ForAnyValue:StringLike", ["Project-1"], True),
    ("ForAllValues:StringNotEquals", ["Owner", "Cost"], True),
    ("ForAllValues:StringNotEquals", ["Owner", "Team"], False),
    ("ForAnyValue:StringNotEquals", ["Owner", "Team"], True),
    ("StringEquals", ["Owner", "Team"], True),
    ("StringNotEquals", ["Owner", "Team"], False),
])
def test_multivalued_keys(operator, tag_keys, expected):
    values = ["Project*", "Team"] if "Like" in operator else ["Project", "Team"]
    assert holds(operator, "aws:TagKeys", values, {"aws:TagKeys": tag_keys}) is expected


def test_all_conditions_must_hold():
    document = doc(allow(Action="sts:AssumeRole", Resource="*", Condition={
        "StringEquals": {"sts:ExternalId": "x", "sts:RoleSessionName": "ci"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }))
    context = {"sts:ExternalId": "x", "sts:RoleSessionName": "ci", "aws:MultiFactorAuthPresent": True}
    assert policy.evaluate_identity_policies(document, "sts:AssumeRole", TARGET_ROLE, context).allowed
    for key in context:
        partial = {k: v for k, v in context.items() if k != key}
        assert not policy.evaluate_identity_policies(document, "sts:AssumeRole", TARGET_ROLE, partial).allowed


def test_context_keys_are_case_insensitive():
    assert holds("StringEquals", "sts:ExternalId", "x", {"STS:EXTERNALID": "x"})


def test_policy_variables_in_condition_values():
    assert holds("StringEquals", "sts:RoleSessionName", "${aws:username}", {"aws:username": "alice", "sts:RoleSessionName": "alice"})
    assert not holds("StringEquals", "sts:RoleSessionName", "${aws:username}", {"aws:username": "bob", "sts:RoleSessionName": "alice"})


def test_unsupported_operator_is_reported_not_silently_allowed():
    decision = policy.evaluate_identity_policies(conditioned("StringSoundsLike", "aws:SourceIp", "x"), "sts:AssumeRole", TARGET_ROLE,
                                                 {"aws:SourceIp": "x"})
    assert decision.effect == "implicit_deny"
    assert "condition StringSoundsLike aws:SourceIp uses an operator this check cannot evaluate" in decision.reason


def test_negated_operator_failure_says_the_value_is_rejected():
    document = trust_doc({"StringNotEquals": {"sts:RoleSessionName": "root-session"}})
    decision = policy.evaluate_trust(document, caller_arn=ALICE, context={"sts:RoleSessionName": "root-session"})
    assert decision.failed_conditions == ["condition StringNotEquals sts:RoleSessionName rejects the given role session name"]


def test_null_and_bool_failure_sentences():
    document = trust_doc({"Null": {"sts:SourceIdentity": "false"}, "Bool": {"aws:SecureTransport": "true"}})
    decision = policy.evaluate_trust(document, caller_arn=ALICE, context={"aws:SecureTransport": False})
    assert decision.failed_conditions == [
        "condition Null sts:SourceIdentity requires the source identity to be present",
        "condition Bool aws:SecureTransport requires true",
    ]
    absent = policy.evaluate_trust(trust_doc({"Null": {"sts:SourceIdentity": "true"}}), caller_arn=ALICE, context={"sts:SourceIdentity": "a"})
    assert absent.reason == "condition Null sts:SourceIdentity requires the source identity to be absent"


# ================================================================ trust policies

def trust_doc(condition=None, principal=None, action="sts:AssumeRole", sid="Trust"):
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal or {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def test_trust_allows_any_principal_of_a_trusted_account():
    decision = policy.evaluate_trust(trust_doc(), caller_arn=ALICE, caller_account=SOURCE, context={})
    assert decision.allowed and decision.matched_principal
    assert decision.failed_conditions == []
    assert decision.reason == f'statement "Trust" of the trust policy allows {ALICE} to call sts:AssumeRole'


def test_trust_caller_account_defaults_from_the_arn():
    assert policy.evaluate_trust(trust_doc(principal={"AWS": SOURCE}), caller_arn=ALICE, context=None).allowed


def test_trust_does_not_name_the_caller():
    decision = policy.evaluate_trust(trust_doc(principal={"AWS": "arn:aws:iam::333333333333:root"}), caller_arn=ALICE, caller_account=SOURCE, context={})
    assert not decision.allowed
    assert not decision.matched_principal
    assert decision.reason == f"the trust policy does not name account {SOURCE} or principal {ALICE}"


@pytest.mark.parametrize("principal, allowed", [
    ({"AWS": ALICE}, True),
    ({"AWS": f"arn:aws:iam::{SOURCE}:user/bob"}, False),
    ("*", True),
    ({"AWS": "*"}, True),
    ({"Service": "ec2.amazonaws.com"}, False),
    ({"AWS": "AIDAEXAMPLEEXAMPLE5678"}, False),
])
def test_trust_principal_forms(principal, allowed):
    assert policy.evaluate_trust(trust_doc(principal=principal), caller_arn=ALICE, caller_account=SOURCE, context={}).allowed is allowed


def test_trust_assumed_role_session_matches_its_role():
    by_role = trust_doc(principal={"AWS": f"arn:aws:iam::{SOURCE}:role/ops/Deployer"})
    decision = policy.evaluate_trust(by_role, caller_arn=SESSION, caller_account=SOURCE, context={})
    assert decision.allowed
    assert f"arn:aws:iam::{SOURCE}:role/Deployer" in decision.reason
    other_role = trust_doc(principal={"AWS": f"arn:aws:iam::{SOURCE}:role/Other"})
    denied = policy.evaluate_trust(other_role, caller_arn=SESSION, caller_account=SOURCE, context={})
    assert denied.reason == f"the trust policy does not name account {SOURCE} or principal arn:aws:iam::{SOURCE}:role/Deployer"
    by_session = trust_doc(principal={"AWS": SESSION})
    assert policy.evaluate_trust(by_session, caller_arn=SESSION, caller_account=SOURCE, context={}).allowed


def test_trust_external_id_missing_and_wrong():
    document = trust_doc({"StringEquals": {"sts:ExternalId": "expected"}})
    missing = policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context={})
    assert not missing.allowed and missing.matched_principal
    assert missing.reason == "condition StringEquals sts:ExternalId requires a value and none was given"
    assert missing.failed_conditions == [missing.reason]
    wrong = policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context={"sts:ExternalId": "guess"})
    assert wrong.reason == "condition StringEquals sts:ExternalId does not match the given external id"
    assert "guess" not in wrong.reason and "expected" not in wrong.reason
    assert policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context={"sts:ExternalId": "expected"}).allowed


@pytest.mark.parametrize("context", [{}, {"aws:MultiFactorAuthPresent": False}, {"aws:MultiFactorAuthPresent": "false"}])
def test_trust_mfa_required(context):
    document = trust_doc({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    decision = policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context=context)
    assert not decision.allowed
    assert decision.reason == "condition Bool aws:MultiFactorAuthPresent requires MFA"


def test_trust_lists_every_failed_condition():
    document = trust_doc({"StringEquals": {"sts:ExternalId": "x"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}})
    decision = policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context={})
    assert decision.failed_conditions == [
        "condition StringEquals sts:ExternalId requires a value and none was given",
        "condition Bool aws:MultiFactorAuthPresent requires MFA",
    ]
    assert decision.reason == "; ".join(decision.failed_conditions)


def test_trust_picks_the_closest_statement():
    document = doc(
        {"Sid": "Hard", "Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "x"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "Easy", "Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    )
    decision = policy.evaluate_trust(document, caller_arn=ALICE, caller_account=SOURCE, context={"sts:ExternalId": "x"})
    assert decision.failed_conditions == ["condition Bool aws:MultiFactorAuthPresent requires MFA"]


def test_trust_principal_arn_and_account_come_from_the_caller():
    by_arn = trust_doc({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{SOURCE}:role/Deploy*"}}, principal="*")
    assert policy.evaluate_trust(by_arn, caller_arn=SESSION, context={}).allowed
    denied = policy.evaluate_trust(by_arn, caller_arn=ALICE, context={})
    assert denied.reason == "condition ArnLike aws:PrincipalArn does not match the given principal ARN"
    by_account = trust_doc({"StringEquals": {"aws:PrincipalAccount": SOURCE}}, principal="*")
    assert policy.evaluate_trust(by_account, caller_arn=ALICE, context={}).allowed
    assert not policy.evaluate_trust(by_account, caller_arn="arn:aws:iam::333333333333:user/eve", context={}).allowed


def test_trust_session_name_and_source_identity_conditions():
    document = trust_doc({"StringLike": {"sts:RoleSessionName": "ci-*", "sts:SourceIdentity": "alice*"}})
    ok = {"sts:RoleSessionName": "ci-42", "sts:SourceIdentity": "alice@example.com"}
    assert policy.evaluate_trust(document, caller_arn=ALICE, context=ok).allowed
    wrong = policy.evaluate_trust(document, caller_arn=ALICE, context={**ok, "sts:RoleSessionName": "manual"})
    assert wrong.failed_conditions == ["condition StringLike sts:RoleSessionName does not match the given role session name"]


def test_trust_tag_session_action_and_request_tags():
    plain = trust_doc()
    decision = policy.evaluate_trust(plain, caller_arn=ALICE, context={}, action="sts:TagSession")
    assert not decision.allowed and decision.matched_principal
    assert decision.reason == f"the trust policy names {ALICE} but does not allow sts:TagSession"
    tagging = trust_doc({"StringEquals": {"aws:RequestTag/Project": "blue"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["Project"]}},
                        action=["sts:AssumeRole", "sts:TagSession"])
    good = {"aws:RequestTag/Project": "blue", "aws:TagKeys": ["Project"]}
    assert policy.evaluate_trust(tagging, caller_arn=ALICE, context=good, action="sts:TagSession").allowed
    extra_key = policy.evaluate_trust(tagging, caller_arn=ALICE, context={**good, "aws:TagKeys": ["Project", "Owner"]}, action="sts:TagSession")
    assert extra_key.failed_conditions == ["condition ForAllValues:StringEquals aws:TagKeys does not match the given session tag keys"]


def test_trust_explicit_deny_wins():
    document = doc(
        {"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"},
        {"Sid": "NoAlice", "Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "sts:*"},
    )
    decision = policy.evaluate_trust(document, caller_arn=ALICE, context={})
    assert not decision.allowed and decision.matched_principal
    assert decision.reason == f'statement "NoAlice" of the trust policy explicitly denies sts:AssumeRole to {ALICE}'
    assert policy.evaluate_trust(document, caller_arn=f"arn:aws:iam::{SOURCE}:user/bob", context={}).allowed


def test_trust_conditional_deny_and_not_principal():
    document = doc(
        {"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ALICE}, "Action": "sts:AssumeRole", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    )
    assert policy.evaluate_trust(document, caller_arn=ALICE, context={}).allowed
    bob = f"arn:aws:iam::{SOURCE}:user/bob"
    assert not policy.evaluate_trust(document, caller_arn=bob, context={}).allowed
    assert policy.evaluate_trust(document, caller_arn=bob, context={"aws:MultiFactorAuthPresent": True}).allowed


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_trust_in_other_partitions(partition):
    document = _policy_build.build_trust(_policy_build.TrustIntent(account_ids=(SOURCE,), external_id="x"), partition)
    caller = f"arn:{partition}:iam::{SOURCE}:user/alice"
    assert policy.evaluate_trust(document, caller_arn=caller, context={"sts:ExternalId": "x"}).allowed
    assert not policy.evaluate_trust(document, caller_arn=caller, context={}).allowed


def test_trust_built_documents_round_trip():
    document = _policy_build.build_trust(_policy_build.TrustIntent(account_ids=(SOURCE,), external_id="x", require_mfa=True, allow_session_tags=True))
    context = {"sts:ExternalId": "x", "aws:MultiFactorAuthPresent": True}
    for action in ("sts:AssumeRole", "sts:TagSession"):
        assert policy.evaluate_trust(document, caller_arn=ALICE, context=context, action=action).allowed
    assert not policy.evaluate_trust(document, caller_arn=ALICE, context=context, action="sts:SetSourceIdentity").allowed
