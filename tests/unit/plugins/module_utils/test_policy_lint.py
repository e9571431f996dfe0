# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warnings about risky trust policies."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy as policy

OWN = "222222222222"
FOREIGN = "111111111111"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal, condition=None, sid=None, action="sts:AssumeRole"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    if sid:
        statement["Sid"] = sid
    return statement


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111111111111:root", "*"]}])
def test_unconditioned_wildcard_is_reported(principal):
    document = doc(allow(principal, sid="Open"))
    assert policy.has_unconditioned_wildcard(document)
    warnings = policy.lint_trust(document)
    assert len(warnings) == 1
    assert 'statement "Open"' in warnings[0]
    assert 'Principal "*"' in warnings[0]
    assert "without any condition" in warnings[0]


def test_wildcard_with_a_condition_is_accepted():
    document = doc(allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}))
    assert not policy.has_unconditioned_wildcard(document)
    assert policy.lint_trust(document) == []


def test_wildcard_in_a_deny_is_not_a_problem():
    document = doc({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}, allow({"AWS": OWN}))
    assert not policy.has_unconditioned_wildcard(document)
    assert policy.lint_trust(document, OWN) == []


def test_statement_without_sid_is_named_by_position():
    warnings = policy.lint_trust(doc(allow({"Service": "ec2.amazonaws.com"}), allow("*")))
    assert warnings[0].startswith("statement #2 ")


def test_foreign_account_without_external_id_or_mfa_is_reported():
    warnings = policy.lint_trust(doc(allow({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, sid="Partner")), own_account_id=OWN)
    assert len(warnings) == 1
    assert f"account {FOREIGN}" in warnings[0]
    assert "confused deputy" in warnings[0]
    assert "no MFA" in warnings[0]


def test_foreign_principal_arn_and_bare_id_are_reported_once_each():
    alice = f"arn:aws:iam::{FOREIGN}:user/alice"
    warnings = policy.lint_trust(doc(allow({"AWS": [FOREIGN, alice, FOREIGN]})), own_account_id=OWN)
    assert len(warnings) == 2
    assert any(f"principal {alice} of account {FOREIGN}" in w for w in warnings)


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"sts:ExternalId": "x"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"StringEquals": {"STS:EXTERNALID": "x"}},
])
def test_foreign_account_with_external_id_or_mfa_is_accepted(condition):
    assert policy.lint_trust(doc(allow({"AWS": FOREIGN}, condition)), own_account_id=OWN) == []


def test_own_account_service_and_unknown_owner_are_not_reported():
    document = doc(allow({"AWS": f"arn:aws:iam::{OWN}:root"}), allow({"Service": "lambda.amazonaws.com"}))
    assert policy.lint_trust(document, own_account_id=OWN) == []
    # Without the own account id the foreign-account check cannot tell who is foreign.
    assert policy.lint_trust(doc(allow({"AWS": FOREIGN})), own_account_id=None) == []


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_foreign_account_in_other_partitions(partition):
    warnings = policy.lint_trust(doc(allow({"AWS": f"arn:{partition}:iam::{FOREIGN}:root"})), own_account_id=OWN)
    assert len(warnings) == 1 and f"account {FOREIGN}" in warnings[0]


def test_statement_for_other_actions_is_not_a_foreign_trust():
    assert policy.lint_trust(doc(allow({"AWS": FOREIGN}, action="sts:TagSession")), own_account_id=OWN) == []


def test_lint_accepts_json_text():
    assert policy.has_unconditioned_wildcard('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}')


def test_allow_with_not_principal_is_a_wildcard():
    document = doc({"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "sts:AssumeRole"})
    assert policy.has_unconditioned_wildcard(document)
    assert policy.lint_trust(document) == [
        'statement "AllBut" of the trust policy allows every principal outside NotPrincipal without any condition: '
        "any AWS principal in any account can assume this role"
    ]
