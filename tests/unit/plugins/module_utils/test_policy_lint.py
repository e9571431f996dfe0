# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint findings about trust policies, and the wildcard-narrowing rule."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_lint as policy_lint

OWN = "222222222222"
FOREIGN = "111111111111"
ORG = "o-emulator0001"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal, condition=None, sid=None, action="sts:AssumeRole"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    if sid:
        statement["Sid"] = sid
    return statement


def codes(findings):
    return [(f["severity"], f["code"], f["statement"]) for f in findings]


def lint(document, own=OWN, **kw):
    return policy_lint.lint_trust(document, own_account_id=own, **kw)


# ---------------------------------------------------------------- the narrowing table

NARROWING = [
    ({"StringEquals": {"aws:PrincipalOrgID": ORG}}, {"aws:principalorgid"}),
    ({"StringEquals": {"AWS:PRINCIPALORGID": [ORG]}}, {"aws:principalorgid"}),
    ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-emu1/ou-emu1-00000002/*"}}, {"aws:principalorgpaths"}),
    ({"StringEquals": {"aws:PrincipalAccount": FOREIGN}}, {"aws:principalaccount"}),
    ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{FOREIGN}:role/ci-*"}}, {"aws:principalarn"}),
    ({"StringLike": {"aws:PrincipalArn": [f"arn:aws:iam::{FOREIGN}:role/a", f"arn:aws:iam::{OWN}:user/*"]}}, {"aws:principalarn"}),
    ({"StringEquals": {"aws:SourceAccount": FOREIGN}}, {"aws:sourceaccount"}),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{FOREIGN}:*"}}, {"aws:sourcearn"}),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}}, {"aws:sourcearn"}),
    ({"StringEquals": {"aws:PrincipalOrgID": ORG, "sts:ExternalId": "x"}}, {"aws:principalorgid"}),
]

NOT_NARROWING = [
    {},
    {"StringLike": {}},
    {"StringLike": {"aws:PrincipalArn": "*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111*:role/ci"}},
    {"StringLike": {"aws:PrincipalArn": [f"arn:aws:iam::{FOREIGN}:role/a", "*"]}},
    {"StringEquals": {"aws:PrincipalOrgID": []}},
    {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    {"StringLike": {"aws:PrincipalOrgID": "*"}},
    {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}},
    {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/*"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*/r-emu1/"}},
    {"StringLike": {"aws:PrincipalAccount": "1111*"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
    {"StringEquals": {"sts:ExternalId": "only-an-external-id"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Null": {"aws:PrincipalOrgID": "false"}},
]


@pytest.mark.parametrize(("condition", "keys"), NARROWING)
def test_narrowing_conditions_are_accepted(condition, keys):
    statement = allow("*", condition)
    assert _policy.narrowing_keys(statement) == keys
    document = doc(statement)
    assert not _policy.has_unconditioned_wildcard(document)
    assert "wildcard_principal" not in [f["code"] for f in lint(document)]


@pytest.mark.parametrize("condition", NOT_NARROWING)
@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": [f"arn:aws:iam::{FOREIGN}:root", "*"]}])
def test_conditions_that_narrow_nothing_are_refused(condition, principal):
    statement = allow(principal, condition, sid="Open")
    assert _policy.narrowing_keys(statement) == set()
    document = doc(statement)
    assert _policy.has_unconditioned_wildcard(document)
    assert _policy.unnarrowed_wildcards(document) == [0]
    found = [f for f in lint(document) if f["code"] == "wildcard_principal"]
    assert len(found) == 1
    assert found[0]["severity"] == "error" and found[0]["statement"] == 0
    assert found[0]["message"].startswith('statement "Open" trusts Principal "*" without a condition that narrows it')


def test_allow_with_not_principal_is_a_wildcard():
    document = doc({"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "Action": "sts:AssumeRole"})
    assert _policy.has_unconditioned_wildcard(document)
    assert codes(lint(document)) == [("error", "wildcard_principal", 0)]
    assert "every principal outside NotPrincipal" in lint(document)[0]["message"]


def test_wildcard_in_a_deny_is_not_a_problem():
    document = doc({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}, allow({"AWS": OWN}))
    assert not _policy.has_unconditioned_wildcard(document)
    assert lint(document) == []


def test_statement_index_counts_every_statement():
    findings = lint(doc(allow({"Service": "ec2.amazonaws.com"}), allow("*")))
    assert codes(findings) == [("error", "wildcard_principal", 1)]
    assert findings[0]["message"].startswith("statement #2 ")


def test_lint_accepts_json_text():
    assert _policy.has_unconditioned_wildcard('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}')


# ---------------------------------------------------------------- external_id_missing, root_trust_without_mfa

def test_foreign_account_without_external_id_is_an_error_and_root_without_mfa_a_warning():
    findings = lint(doc(allow({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, sid="Partner")))
    assert codes(findings) == [("error", "external_id_missing", 0), ("warning", "root_trust_without_mfa", 0)]
    assert f"account {FOREIGN}" in findings[0]["message"] and "confused deputy" in findings[0]["message"]


def test_foreign_principal_arn_and_bare_id_make_one_finding_per_statement():
    alice = f"arn:aws:iam::{FOREIGN}:user/alice"
    findings = lint(doc(allow({"AWS": [FOREIGN, alice, "333333333333"]})))
    assert codes(findings) == [("error", "external_id_missing", 0), ("warning", "root_trust_without_mfa", 0)]
    assert f"account {FOREIGN}, 333333333333" in findings[0]["message"]


def test_foreign_user_without_external_id_has_no_root_warning():
    assert codes(lint(doc(allow({"AWS": f"arn:aws:iam::{FOREIGN}:user/alice"})))) == [("error", "external_id_missing", 0)]


@pytest.mark.parametrize("condition", [{"StringEquals": {"sts:ExternalId": "x"}}, {"StringEquals": {"STS:EXTERNALID": "x"}}])
def test_external_id_satisfies_the_check(condition):
    assert codes(lint(doc(allow({"AWS": FOREIGN}, condition)))) == [("warning", "root_trust_without_mfa", 0)]


def test_mfa_alone_no_longer_replaces_the_external_id():
    findings = lint(doc(allow({"AWS": FOREIGN}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    assert codes(findings) == [("error", "external_id_missing", 0)]


def test_external_id_and_mfa_make_a_foreign_root_clean():
    condition = {"StringEquals": {"sts:ExternalId": "x"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert lint(doc(allow({"AWS": FOREIGN}, condition))) == []


def test_known_accounts_and_own_account_lint_clean():
    document = doc(allow({"AWS": [f"arn:aws:iam::{OWN}:root", f"arn:aws:iam::{FOREIGN}:root"]}), allow({"Service": "lambda.amazonaws.com"}))
    assert lint(document, known_account_ids=[FOREIGN]) == []


def test_without_the_own_account_the_foreign_checks_are_skipped():
    assert lint(doc(allow({"AWS": FOREIGN})), own=None) == []


def test_organization_condition_replaces_the_external_id():
    document = doc(allow({"AWS": FOREIGN}, {"StringEquals": {"aws:PrincipalOrgID": ORG}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert "external_id_missing" not in [f["code"] for f in lint(document)]


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_foreign_account_in_other_partitions(partition):
    findings = lint(doc(allow({"AWS": f"arn:{partition}:iam::{FOREIGN}:root"})))
    assert ("error", "external_id_missing", 0) in codes(findings)


def test_statement_for_other_actions_is_not_a_foreign_trust():
    assert lint(doc(allow({"AWS": FOREIGN}, action="sts:TagSession"))) == []


# ---------------------------------------------------------------- organization, OIDC, partitions, others

def test_org_trust_without_path_is_a_warning_and_with_path_clean():
    whole = doc(allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}}))
    assert codes(lint(whole)) == [("warning", "org_trust_without_path", 0)]
    narrowed = doc(allow("*", {"StringEquals": {"aws:PrincipalOrgID": ORG},
                               "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{ORG}/r-emu1/ou-emu1-00000003/*"}}))
    assert lint(narrowed) == []


GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"


def oidc(condition):
    return allow({"Federated": GITHUB}, condition, action="sts:AssumeRoleWithWebIdentity")


def test_oidc_without_audience_is_an_error():
    findings = lint(doc(oidc({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}})))
    assert codes(findings) == [("error", "oidc_audience_missing", 0)]


def test_oidc_without_subject_is_a_warning():
    audience = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    assert codes(lint(doc(oidc(audience)))) == [("warning", "oidc_subject_missing", 0)]


@pytest.mark.parametrize("subject", ["*", "repo:*", "*:*", "repo:*:*", "*:ref:refs/heads/main", "repo:my-org*/app:*",
                                     "project_path:*/app:*"])
def test_oidc_subject_that_names_no_owner_is_an_error(subject):
    # Each of these trusts repositories of every account on GitHub (or GitLab).
    condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                 "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:org/app:*", subject]}}
    findings = lint(doc(oidc(condition)))
    assert codes(findings) == [("error", "oidc_subject_broad", 0)]
    assert repr(subject) in findings[0]["message"]


def test_oidc_with_audience_and_subject_is_clean():
    condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                 "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}}
    assert lint(doc(oidc(condition))) == []


def test_mixed_partition_is_an_error():
    document = doc(allow({"AWS": f"arn:aws-cn:iam::{OWN}:root"}))
    assert codes(lint(document, partition="aws")) == [("error", "mixed_partition", 0)]
    two = doc(allow({"AWS": f"arn:aws:iam::{OWN}:root"}), allow({"AWS": f"arn:aws-us-gov:iam::{OWN}:root"}))
    assert codes(lint(two)) == [("error", "mixed_partition", 1)]
    assert lint(doc(allow({"AWS": f"arn:aws-cn:iam::{OWN}:root"})), partition="aws-cn") == []


def test_dangling_principal_and_broad_action_are_warnings():
    document = doc(allow({"AWS": ["AROAEXAMPLEEXAMPLE1234", OWN]}), allow({"AWS": OWN}, action="sts:*"))
    assert codes(lint(document)) == [("warning", "dangling_principal", 0), ("warning", "broad_action", 1)]


def test_size_quota_is_an_error_above_the_quota():
    document = doc(allow({"AWS": [f"arn:aws:iam::{OWN}:role/{'r' * 60}{i}" for i in range(40)]}))
    size = _policy.policy_size(document)
    assert size > 2048
    assert policy_lint.lint_size(document, 4096) == []
    assert policy_lint.lint_size(document, None) == []
    findings = policy_lint.lint_size(document, 2048)
    assert codes(findings) == [("error", "size_quota", None)]
    assert f"{size} characters" in findings[0]["message"] and "2048" in findings[0]["message"]


def test_every_finding_has_the_four_keys_and_one_line():
    document = doc(allow("*"), allow({"AWS": FOREIGN}), oidc({}))
    for finding in lint(document):
        assert set(finding) == {"severity", "code", "statement", "message"}
        assert finding["severity"] in ("error", "warning")
        assert "\n" not in finding["message"]
