# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building trust policies and editing them statement by statement."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy as policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_build, _policy_eval, _policy_lint, _policy_merge
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent

SOURCE = "111111111111"
OTHER = "333333333333"
ROOT = f"arn:aws:iam::{SOURCE}:root"
ALICE = f"arn:aws:iam::{SOURCE}:user/alice"
DANGLING_ROLE = "AROAEXAMPLEEXAMPLE1234"
DANGLING_USER = "AIDAEXAMPLEEXAMPLE5678"

SERVICE_STATEMENT = {"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
OTHER_STATEMENT = {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}
DENY_STATEMENT = {"Sid": "NoAlice", "Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": [copy.deepcopy(s) for s in statements]}


def statement_by_sid(document, sid):
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def build_trust(account_ids=(), principal_arns=(), partition="aws", **conditions):
    """The trust policy target_role builds for account ids and principal ARNs (one statement)."""
    return _policy_build.build_trust(TrustIntent(account_ids=tuple(account_ids), principal_arns=tuple(principal_arns), **conditions), partition)


# ---------------------------------------------------------------- build_trust (account principals)

@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_build_trust_for_each_partition(partition):
    built = build_trust([SOURCE], partition=partition)
    assert built == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CrossAccountAssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:{partition}:iam::{SOURCE}:root"]},
            "Action": ["sts:AssumeRole"],
        }],
    }
    # What IAM stores (account id turned into the root ARN, scalars) means the same.
    stored = {"Version": "2012-10-17", "Statement": [{"Sid": "CrossAccountAssumeRole", "Effect": "Allow", "Principal": {"AWS": SOURCE},
                                                      "Action": "sts:AssumeRole"}]}
    assert policy.equivalent(built, stored)


def test_build_trust_sorts_and_dedups_principals():
    built = build_trust([OTHER, SOURCE, SOURCE], [ALICE, ALICE])
    assert built["Statement"][0]["Principal"]["AWS"] == sorted([ALICE, ROOT, f"arn:aws:iam::{OTHER}:root"])


def test_build_trust_accepts_ids_among_principal_arns():
    built = build_trust(principal_arns=[SOURCE], partition="aws-us-gov")
    assert built["Statement"][0]["Principal"]["AWS"] == [f"arn:aws-us-gov:iam::{SOURCE}:root"]


def test_build_trust_conditions_and_actions():
    built = build_trust([SOURCE], external_id="ext-1", require_mfa=True, allow_session_tags=True, allow_source_identity=True)
    statement = built["Statement"][0]
    assert statement["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-1"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_build_trust_without_conditions_has_no_condition_block():
    assert "Condition" not in build_trust([SOURCE], external_id="")["Statement"][0]


@pytest.mark.parametrize("kwargs, fragment", [
    ({}, "at least one"),
    ({"account_ids": ["12345"]}, "12 digits"),
    ({"account_ids": [SOURCE], "partition": "aws-xx"}, "partition"),
    # sts:ExternalId and MFA do not narrow a wildcard: still refused.
    ({"principal_arns": [" * "], "external_id": "x", "require_mfa": True}, "must not trust principal"),
])
def test_build_trust_rejects_bad_input(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        build_trust(**kwargs)


# ---------------------------------------------------------------- merge_trust

def test_merge_into_empty_document():
    merged = _policy_merge.merge_trust(None, principals=[SOURCE], external_id="x")
    assert policy.equivalent(merged, build_trust([SOURCE], external_id="x"))


def test_merge_keeps_service_principal_other_accounts_and_denies():
    current = doc(SERVICE_STATEMENT, OTHER_STATEMENT, DENY_STATEMENT)
    merged = _policy_merge.merge_trust(current, principals=[SOURCE], external_id="x")
    assert statement_by_sid(merged, "Ec2") == SERVICE_STATEMENT
    assert statement_by_sid(merged, "Other") == OTHER_STATEMENT
    assert statement_by_sid(merged, "NoAlice") == DENY_STATEMENT
    added = statement_by_sid(merged, "CrossAccountAssumeRole")
    assert added["Principal"] == {"AWS": [ROOT]}
    assert added["Condition"] == {"StringEquals": {"sts:ExternalId": "x"}}
    assert current == doc(SERVICE_STATEMENT, OTHER_STATEMENT, DENY_STATEMENT), "input must not be mutated"


def test_merge_is_a_noop_when_already_present():
    # What IAM returns after storing a built document: ids as root ARNs, scalars, another order.
    current = {
        "Version": "2012-10-17",
        "Statement": [
            SERVICE_STATEMENT,
            {"Sid": "CrossAccountAssumeRole", "Effect": "Allow", "Principal": {"AWS": [ROOT]}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "StringEquals": {"sts:ExternalId": "x"}}},
        ],
    }
    merged = _policy_merge.merge_trust(current, principals=[SOURCE], external_id="x", require_mfa=True)
    assert merged == current
    assert merged is not current
    assert _policy_merge.merge_trust(current, principals=[ROOT], external_id="x", require_mfa=True) == current


def test_merge_leaves_a_principal_in_a_second_identical_statement_alone():
    first = {"Sid": "First", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}
    second = {"Sid": "Second", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}
    current = doc(first, second)
    assert _policy_merge.merge_trust(current, principals=[SOURCE]) == current
    merged = _policy_merge.merge_trust(current, principals=[SOURCE, ALICE])
    assert statement_by_sid(merged, "First")["Principal"]["AWS"] == sorted([f"arn:aws:iam::{OTHER}:root", ALICE])
    assert statement_by_sid(merged, "Second") == second


def test_merge_adds_to_the_statement_with_same_actions_and_conditions():
    current = doc(SERVICE_STATEMENT, OTHER_STATEMENT)
    merged = _policy_merge.merge_trust(current, principals=[SOURCE])
    assert len(merged["Statement"]) == 2
    assert statement_by_sid(merged, "Other")["Principal"]["AWS"] == sorted([f"arn:aws:iam::{OTHER}:root", ROOT])
    assert statement_by_sid(merged, "Ec2") == SERVICE_STATEMENT


def test_merge_moves_a_principal_whose_conditions_differ():
    shared = {"Sid": "Shared", "Effect": "Allow", "Principal": {"AWS": [ROOT, f"arn:aws:iam::{OTHER}:root"]}, "Action": "sts:AssumeRole"}
    merged = _policy_merge.merge_trust(doc(SERVICE_STATEMENT, shared), principals=[SOURCE], external_id="x")
    assert statement_by_sid(merged, "Shared")["Principal"]["AWS"] == [f"arn:aws:iam::{OTHER}:root"]
    moved = statement_by_sid(merged, "CrossAccountAssumeRole")
    assert moved["Principal"]["AWS"] == [ROOT]
    assert moved["Condition"] == {"StringEquals": {"sts:ExternalId": "x"}}


def test_merge_drops_a_statement_left_empty_by_the_move():
    alone = {"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}
    merged = _policy_merge.merge_trust(doc(SERVICE_STATEMENT, alone), principals=[SOURCE], require_mfa=True)
    assert [s["Sid"] for s in merged["Statement"]] == ["Ec2", "CrossAccountAssumeRole"]


def test_merge_moves_a_principal_whose_actions_differ():
    tagged = {"Sid": "Tagged", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": ["sts:AssumeRole", "sts:TagSession"]}
    merged = _policy_merge.merge_trust(doc(tagged), principals=[SOURCE])
    assert [s["Sid"] for s in merged["Statement"]] == ["CrossAccountAssumeRole"]
    assert merged["Statement"][0]["Action"] == ["sts:AssumeRole"]


def test_merge_never_touches_unusual_statements():
    wildcard_action = {"Sid": "Wild", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:*"}
    mixed = {"Sid": "Mixed", "Effect": "Allow", "Principal": {"AWS": ROOT, "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    federated = {"Sid": "Fed", "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:saml-provider/x"},
                 "Action": "sts:AssumeRoleWithSAML"}
    current = doc(wildcard_action, mixed, federated, DENY_STATEMENT)
    merged = _policy_merge.merge_trust(current, principals=[SOURCE, ALICE], external_id="x")
    assert merged["Statement"][:4] == current["Statement"]
    assert merged["Statement"][4]["Principal"] == {"AWS": sorted([ALICE, ROOT])}


def test_merge_gives_the_new_statement_a_unique_sid():
    taken = {"Sid": "CrossAccountAssumeRole", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}
    merged = _policy_merge.merge_trust(doc(taken), principals=[SOURCE], external_id="x")
    assert [s["Sid"] for s in merged["Statement"]] == ["CrossAccountAssumeRole", "CrossAccountAssumeRole2"]


def test_merge_with_session_tags_and_source_identity():
    merged = _policy_merge.merge_trust(doc(SERVICE_STATEMENT), principals=[ALICE], allow_session_tags=True, allow_source_identity=True)
    assert merged["Statement"][1]["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_merge_in_other_partitions(partition):
    root = f"arn:{partition}:iam::{SOURCE}:root"
    current = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}]}
    # The partition comes from the document, so a bare id is the same principal: nothing to do.
    assert _policy_merge.merge_trust(current, principals=[SOURCE]) == current
    merged = _policy_merge.merge_trust(current, principals=[OTHER])
    assert merged["Statement"][0]["Principal"]["AWS"] == sorted([root, f"arn:{partition}:iam::{OTHER}:root"])


def test_merge_accepts_a_generator_and_a_single_string():
    merged = _policy_merge.merge_trust(None, principals=(p for p in [SOURCE]))
    assert merged["Statement"][0]["Principal"]["AWS"] == [ROOT]
    assert _policy_merge.merge_trust(None, principals=SOURCE) == merged


def test_merge_requires_a_principal():
    with pytest.raises(ValueError):
        _policy_merge.merge_trust(doc(SERVICE_STATEMENT), principals=[])


# ---------------------------------------------------------------- remove_trust_principals

def test_remove_only_the_named_principals():
    shared = {"Sid": "Shared", "Effect": "Allow", "Principal": {"AWS": [ROOT, f"arn:aws:iam::{OTHER}:root", ALICE]}, "Action": "sts:AssumeRole"}
    current = doc(SERVICE_STATEMENT, shared, DENY_STATEMENT)
    removed = _policy_merge.remove_trust_principals(current, [SOURCE, ALICE])
    assert statement_by_sid(removed, "Shared")["Principal"]["AWS"] == [f"arn:aws:iam::{OTHER}:root"]
    assert statement_by_sid(removed, "Ec2") == SERVICE_STATEMENT
    assert statement_by_sid(removed, "NoAlice") == DENY_STATEMENT, "Deny statements are never edited"


def test_remove_drops_empty_statements_and_may_leave_nothing():
    alone = {"Sid": "Alone", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}
    assert _policy_merge.remove_trust_principals(doc(SERVICE_STATEMENT, alone), [SOURCE])["Statement"] == [SERVICE_STATEMENT]
    assert _policy_merge.remove_trust_principals(doc(alone), [ROOT]) == {"Version": "2012-10-17", "Statement": []}


def test_remove_keeps_other_principal_types_in_a_mixed_statement():
    mixed = {"Sid": "Mixed", "Effect": "Allow", "Principal": {"AWS": ROOT, "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    removed = _policy_merge.remove_trust_principals(doc(mixed), [SOURCE])
    assert removed["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_remove_is_a_noop_for_absent_principals():
    current = doc(SERVICE_STATEMENT, OTHER_STATEMENT)
    assert _policy_merge.remove_trust_principals(current, [SOURCE]) == current
    assert _policy_merge.remove_trust_principals(current, []) == current


def test_remove_the_wildcard_principal():
    star = {"Sid": "Star", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    assert _policy_merge.remove_trust_principals(doc(SERVICE_STATEMENT, star), ["*"])["Statement"] == [SERVICE_STATEMENT]


# ---------------------------------------------------------------- dangling principals / trust_principals

def test_find_and_remove_dangling_principals():
    current = doc(
        SERVICE_STATEMENT,
        {"Sid": "Mixed", "Effect": "Allow", "Principal": {"AWS": [DANGLING_ROLE, ROOT]}, "Action": "sts:AssumeRole"},
        {"Sid": "Gone", "Effect": "Allow", "Principal": {"AWS": DANGLING_USER}, "Action": "sts:AssumeRole"},
    )
    assert policy.find_dangling_principals(current) == sorted([DANGLING_ROLE, DANGLING_USER])
    cleaned = _policy_merge.remove_dangling_principals(current)
    assert policy.find_dangling_principals(cleaned) == []
    assert [s["Sid"] for s in cleaned["Statement"]] == ["Ec2", "Mixed"]
    assert statement_by_sid(cleaned, "Mixed")["Principal"]["AWS"] == [ROOT]


def test_no_dangling_principals_returns_the_document_unchanged():
    current = doc(SERVICE_STATEMENT, OTHER_STATEMENT)
    assert policy.find_dangling_principals(current) == []
    assert _policy_merge.remove_dangling_principals(current) == current


def test_trust_principals_lists_aws_principals_of_allow_assume_role_statements():
    current = doc(
        SERVICE_STATEMENT, OTHER_STATEMENT, DENY_STATEMENT,
        {"Effect": "Allow", "Principal": {"AWS": [SOURCE, ALICE]}, "Action": "sts:*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"}, "Action": "sts:TagSession"},
    )
    assert policy.trust_principals(current) == sorted([ROOT, ALICE, f"arn:aws:iam::{OTHER}:root"])


def test_trust_principals_in_govcloud():
    current = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": [SOURCE, f"arn:aws-us-gov:iam::{OTHER}:role/x"]}, "Action": "sts:AssumeRole"}]}
    assert policy.trust_principals(current) == [f"arn:aws-us-gov:iam::{SOURCE}:root", f"arn:aws-us-gov:iam::{OTHER}:role/x"]


# ---------------------------------------------------------------- purity

def test_no_function_mutates_its_input():
    current = doc(
        SERVICE_STATEMENT, DENY_STATEMENT,
        {"Sid": "Shared", "Effect": "Allow", "Principal": {"AWS": [ROOT, DANGLING_ROLE, f"arn:aws:iam::{OTHER}:root"]}, "Action": "sts:AssumeRole"},
        {"Sid": "Star", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
    )
    pristine = copy.deepcopy(current)
    _policy_merge.merge_trust(current, principals=[SOURCE, ALICE], external_id="x", require_mfa=True)
    _policy_merge.merge_trust(current, principals=[OTHER])
    _policy_merge.remove_trust_principals(current, [SOURCE, "*"])
    _policy_merge.remove_dangling_principals(current)
    policy.find_dangling_principals(current)
    policy.trust_principals(current)
    _policy_lint.lint_trust(current, own_account_id="222222222222")
    _policy_eval.evaluate_trust(current, caller_arn=ALICE, context={"sts:ExternalId": "x"})
    _policy_eval.evaluate_identity_policies([current], "sts:AssumeRole", "*")
    policy.normalize(current)
    policy.canonical_json(current)
    policy.policy_diff(current, current)
    assert current == pristine
