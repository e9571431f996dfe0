# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trust beyond account ids: builders, statement-level merge and removal per intent kind."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy, _policy_build, _policy_merge
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_eval as evaluation
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_lint as policy_lint
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent

OWN = "222222222222"
SOURCE = "111111111111"
ORG = "o-emulator0001"
PROD = f"{ORG}/r-emu1/ou-emu1-00000002/ou-emu1-00000003/"
DEV = f"{ORG}/r-emu1/ou-emu1-00000002/ou-emu1-00000004/"
GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
HOST = "token.actions.githubusercontent.com"
SERVICE_STATEMENT = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
DENY_STATEMENT = {"Sid": "NoThird", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "sts:AssumeRole"}
ACCOUNT_STATEMENT = {"Sid": "CrossAccountAssumeRole", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": [copy.deepcopy(s) for s in statements]}


def by_sid(document, sid):
    return next(st for st in document["Statement"] if st.get("Sid") == sid)


# ---------------------------------------------------------------- builders

def test_org_statement_with_and_without_paths():
    built = _policy_build.build_trust(TrustIntent(org_id=ORG))
    assert built["Statement"] == [{"Sid": "TrustOrganization", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["sts:AssumeRole"],
                                   "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}]
    with_paths = _policy_build.build_trust(TrustIntent(org_id=ORG, org_paths=(PROD, DEV), external_id="x", require_mfa=True))
    condition = with_paths["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"aws:PrincipalOrgID": ORG, "sts:ExternalId": "x"},
                         "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": sorted([PROD, DEV])},
                         "Bool": {"aws:MultiFactorAuthPresent": "true"}}
    only_paths = _policy_build.build_trust(TrustIntent(org_paths=(PROD,)))
    assert only_paths["Statement"][0]["Condition"] == {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": PROD}}
    for document in (built, with_paths, only_paths):
        assert not _policy.has_unconditioned_wildcard(document)


def test_patterns_statement_trusts_the_roots_of_the_pattern_accounts():
    built = _policy_build.build_trust(TrustIntent(principal_patterns=(f"arn:aws:iam::{SOURCE}:role/ci-*", "arn:aws:iam::333333333333:user/bot?")))
    statement = built["Statement"][0]
    assert statement["Principal"] == {"AWS": [f"arn:aws:iam::{SOURCE}:root", "arn:aws:iam::333333333333:root"]}
    assert statement["Condition"] == {"ArnLike": {"aws:PrincipalArn": sorted([f"arn:aws:iam::{SOURCE}:role/ci-*", "arn:aws:iam::333333333333:user/bot?"])}}


def test_a_pattern_without_a_concrete_account_is_never_built():
    with pytest.raises(ValueError, match="concrete account"):
        _policy_build.build_trust(TrustIntent(principal_patterns=("arn:aws:iam::*:role/ci-*",)))


def test_services_statement_with_the_confused_deputy_guard():
    built = _policy_build.build_trust(TrustIntent(services=("EC2.amazonaws.com", "lambda.amazonaws.com"), source_account=OWN,
                                                  source_arn=f"arn:aws:lambda:us-east-1:{OWN}:function:*"))
    assert built["Statement"][0] == {
        "Sid": "TrustServices", "Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
        "Action": ["sts:AssumeRole"],
        "Condition": {"StringEquals": {"aws:SourceAccount": OWN}, "ArnLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{OWN}:function:*"}},
    }


def test_oidc_statement():
    built = _policy_build.build_trust(TrustIntent(oidc_provider=GITHUB, oidc_audiences=("sts.amazonaws.com",),
                                                  oidc_subjects=("repo:org/app:ref:refs/heads/main",), allow_session_tags=True))
    assert built["Statement"][0] == {
        "Sid": "TrustWebIdentity", "Effect": "Allow", "Principal": {"Federated": GITHUB},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}, "StringLike": {f"{HOST}:sub": "repo:org/app:ref:refs/heads/main"}},
    }
    assert policy_lint.lint_trust(built, own_account_id=OWN) == []


@pytest.mark.parametrize("subjects", [("*",), ("**",), ("repo:org/app:*", "?*")])
def test_oidc_subject_of_only_wildcards_is_never_built(subjects):
    with pytest.raises(ValueError, match="wildcards"):
        _policy_build.build_trust(TrustIntent(oidc_provider=GITHUB, oidc_audiences=("sts.amazonaws.com",), oidc_subjects=subjects))


def test_oidc_url_resolves_to_the_provider_arn_of_the_role_account():
    assert _policy_build.oidc_provider_arn(HOST, OWN, "aws") == GITHUB
    assert _policy_build.oidc_provider_arn("gitlab.example.com/group", OWN, "aws-cn") == f"arn:aws-cn:iam::{OWN}:oidc-provider/gitlab.example.com/group"
    assert _policy_build.oidc_provider_arn(GITHUB, "999999999999", "aws") == GITHUB


def test_every_kind_in_one_document_in_a_fixed_order():
    built = _policy_build.build_trust(TrustIntent(account_ids=(SOURCE,), org_id=ORG, principal_patterns=(f"arn:aws:iam::{SOURCE}:role/ci-*",),
                                                  services=("ec2.amazonaws.com",), oidc_provider=GITHUB, oidc_audiences=("sts.amazonaws.com",),
                                                  oidc_subjects=("repo:org/app:*",)))
    sids = ["CrossAccountAssumeRole", "TrustOrganization", "TrustPrincipalPatterns", "TrustServices", "TrustWebIdentity"]
    assert [st["Sid"] for st in built["Statement"]] == sids
    assert [_policy_merge.statement_kind(st) for st in built["Statement"]] == ["principals", "organization", "patterns", "services", "oidc"]


def test_nothing_to_trust_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        _policy_build.build_trust(TrustIntent())


# ---------------------------------------------------------------- evaluation of what is built

def test_built_org_statement_admits_members_of_the_path_only():
    built = _policy_build.build_trust(TrustIntent(org_id=ORG, org_paths=(PROD,)))
    alice = f"arn:aws:iam::{OWN}:user/alice"
    member = {"aws:PrincipalOrgID": ORG, "aws:PrincipalOrgPaths": [PROD]}
    assert evaluation.evaluate_trust(built, caller_arn=alice, context=member).allowed
    assert not evaluation.evaluate_trust(built, caller_arn=alice, context={"aws:PrincipalOrgID": ORG, "aws:PrincipalOrgPaths": [DEV]}).allowed
    assert not evaluation.evaluate_trust(built, caller_arn="arn:aws:iam::333333333333:user/eve").allowed


def test_built_pattern_statement_admits_matching_principals_only():
    built = _policy_build.build_trust(TrustIntent(principal_patterns=(f"arn:aws:iam::{SOURCE}:role/ci-*",)))
    assert evaluation.evaluate_trust(built, caller_arn=f"arn:aws:sts::{SOURCE}:assumed-role/ci-deploy/run").allowed
    assert not evaluation.evaluate_trust(built, caller_arn=f"arn:aws:iam::{SOURCE}:user/alice").allowed


# ---------------------------------------------------------------- statement_kind: what is left alone

@pytest.mark.parametrize("statement", [
    DENY_STATEMENT,
    {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:PrincipalTag/team": "x"}}},
    {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringLike": {"aws:PrincipalOrgID": ORG}}},
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole",
     "Condition": {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{SOURCE}:role/x*"}}},
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceVpc": "v"}}},
    {"Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
     "Condition": {"StringEquals": {f"{HOST}:sub": "repo:a/b:ref:refs/heads/main", f"{HOST}:aud": "sts.amazonaws.com"}}},
    {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{OWN}:saml-provider/corp"}, "Action": "sts:AssumeRoleWithSAML"},
    {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "sts:AssumeRole"},
])
def test_statements_no_option_wrote_are_foreign(statement):
    assert _policy_merge.statement_kind(statement) is None


# ---------------------------------------------------------------- merge: organization

def test_org_merge_appends_then_is_a_no_op():
    current = doc(SERVICE_STATEMENT, DENY_STATEMENT)
    wanted = TrustIntent(org_id=ORG, org_paths=(PROD,))
    merged = _policy_merge.merge_intents(current, wanted)
    assert merged["Statement"][:2] == current["Statement"]
    assert by_sid(merged, "TrustOrganization") == _policy_build.org_statement(wanted)
    assert _policy_merge.merge_intents(merged, wanted) == merged


def test_org_merge_replaces_the_paths_of_the_organization_statement_in_place():
    first = _policy_merge.merge_intents(doc(SERVICE_STATEMENT), TrustIntent(org_id=ORG, org_paths=(PROD,)))
    second = _policy_merge.merge_intents(first, TrustIntent(org_id=ORG, org_paths=(DEV,)))
    assert len(second["Statement"]) == 2
    assert by_sid(second, "TrustOrganization")["Condition"]["ForAnyValue:StringLike"] == {"aws:PrincipalOrgPaths": DEV}


def test_org_merge_keeps_other_organizations_and_foreign_org_statements():
    other = {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-otherorg0001"}}}
    tagged = {"Sid": "Tagged", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
              "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:PrincipalTag/team": "blue"}}}
    merged = _policy_merge.merge_intents(doc(other, tagged), TrustIntent(org_id=ORG))
    assert merged["Statement"][:2] == [other, tagged]
    assert len(merged["Statement"]) == 3


def test_aws_rewrites_of_the_org_statement_are_no_change():
    stored = doc({"Sid": "TrustOrganization", "Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sts:assumerole",
                  "Condition": {"StringEquals": {"aws:principalorgid": [ORG]}, "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [PROD]}}})
    assert _policy_merge.merge_intents(stored, TrustIntent(org_id=ORG, org_paths=(PROD,))) == stored


def test_org_removal_whole_and_by_path():
    both = _policy_merge.merge_intents(doc(ACCOUNT_STATEMENT), TrustIntent(org_id=ORG, org_paths=(PROD, DEV)))
    fewer = _policy_merge.remove_intents(both, TrustIntent(org_id=ORG, org_paths=(DEV,)))
    assert by_sid(fewer, "TrustOrganization")["Condition"]["ForAnyValue:StringLike"]["aws:PrincipalOrgPaths"] == PROD
    # Removing the last path drops the statement: it never widens to the whole organization.
    none_left = _policy_merge.remove_intents(fewer, TrustIntent(org_id=ORG, org_paths=(PROD,)))
    assert none_left["Statement"] == [ACCOUNT_STATEMENT]
    assert _policy_merge.remove_intents(both, TrustIntent(org_id=ORG))["Statement"] == [ACCOUNT_STATEMENT]


# ---------------------------------------------------------------- merge: patterns, services, OIDC (member kinds)

CI = f"arn:aws:iam::{SOURCE}:role/ci-*"
BOT = "arn:aws:iam::333333333333:user/bot"


def test_pattern_merge_adds_to_the_statement_with_the_same_conditions():
    first = _policy_merge.merge_intents(doc(ACCOUNT_STATEMENT), TrustIntent(principal_patterns=(CI,)))
    second = _policy_merge.merge_intents(first, TrustIntent(principal_patterns=(BOT,)))
    statement = by_sid(second, "TrustPrincipalPatterns")
    assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"] == sorted([CI, BOT])
    assert statement["Principal"]["AWS"] == [f"arn:aws:iam::{SOURCE}:root", "arn:aws:iam::333333333333:root"]
    assert by_sid(second, "CrossAccountAssumeRole") == ACCOUNT_STATEMENT
    assert _policy_merge.merge_intents(second, TrustIntent(principal_patterns=(CI, BOT))) == second


def test_pattern_moves_to_the_statement_with_the_wanted_conditions():
    first = _policy_merge.merge_intents(doc(), TrustIntent(principal_patterns=(CI, BOT)))
    moved = _policy_merge.merge_intents(first, TrustIntent(principal_patterns=(BOT,), external_id="ext-1"))
    plain, guarded = moved["Statement"]
    assert plain["Condition"]["ArnLike"]["aws:PrincipalArn"] == CI
    assert plain["Principal"]["AWS"] == f"arn:aws:iam::{SOURCE}:root"
    assert guarded["Sid"] == "TrustPrincipalPatterns2"
    assert guarded["Condition"] == {"ArnLike": {"aws:PrincipalArn": BOT}, "StringEquals": {"sts:ExternalId": "ext-1"}}


def test_account_merge_and_removal_leave_pattern_statements_alone():
    with_patterns = _policy_merge.merge_intents(doc(), TrustIntent(principal_patterns=(CI,)))
    with_account = _policy_merge.merge_intents(with_patterns, TrustIntent(account_ids=(SOURCE,)))
    assert by_sid(with_account, "TrustPrincipalPatterns") == by_sid(with_patterns, "TrustPrincipalPatterns")
    removed = _policy_merge.remove_intents(with_account, TrustIntent(account_ids=(SOURCE,)))
    assert removed == with_patterns


def test_pattern_removal():
    both = _policy_merge.merge_intents(doc(SERVICE_STATEMENT), TrustIntent(principal_patterns=(CI, BOT)))
    one = _policy_merge.remove_intents(both, TrustIntent(principal_patterns=(BOT,)))
    assert by_sid(one, "TrustPrincipalPatterns")["Principal"]["AWS"] == f"arn:aws:iam::{SOURCE}:root"
    assert _policy_merge.remove_intents(one, TrustIntent(principal_patterns=(CI,)))["Statement"] == [SERVICE_STATEMENT]


def test_service_merge_is_case_insensitive_and_keeps_foreign_service_statements():
    foreign = {"Sid": "Vpc", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
               "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
    merged = _policy_merge.merge_intents(doc(foreign, SERVICE_STATEMENT), TrustIntent(services=("EC2.amazonaws.com",)))
    # lambda's plain statement has the same (empty) conditions and actions: ec2 joins it.
    assert merged["Statement"] == [foreign, dict(SERVICE_STATEMENT, Principal={"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]})]
    assert _policy_merge.merge_intents(merged, TrustIntent(services=("ec2.amazonaws.com",))) == merged
    guarded = _policy_merge.merge_intents(merged, TrustIntent(services=("ec2.amazonaws.com",), source_account=OWN))
    assert guarded["Statement"][1] == SERVICE_STATEMENT
    assert guarded["Statement"][2]["Condition"] == {"StringEquals": {"aws:SourceAccount": OWN}}
    assert _policy_merge.remove_intents(guarded, TrustIntent(services=("ec2.amazonaws.com",)))["Statement"] == [foreign, SERVICE_STATEMENT]


def oidc_intent(*subjects, audience="sts.amazonaws.com", provider=GITHUB):
    return TrustIntent(oidc_provider=provider, oidc_audiences=(audience,), oidc_subjects=subjects)


def test_oidc_subjects_merge_per_provider_and_audience():
    first = _policy_merge.merge_intents(doc(ACCOUNT_STATEMENT), oidc_intent("repo:org/app:ref:refs/heads/main"))
    second = _policy_merge.merge_intents(first, oidc_intent("repo:org/app:environment:prod"))
    statement = by_sid(second, "TrustWebIdentity")
    assert statement["Condition"]["StringLike"][f"{HOST}:sub"] == ["repo:org/app:environment:prod", "repo:org/app:ref:refs/heads/main"]
    assert _policy_merge.merge_intents(second, oidc_intent("repo:org/app:environment:prod")) == second
    gitlab = f"arn:aws:iam::{OWN}:oidc-provider/gitlab.example.com"
    third = _policy_merge.merge_intents(second, oidc_intent("project_path:g/p:*", audience="https://gitlab.example.com", provider=gitlab))
    assert len(third["Statement"]) == 3
    one_left = _policy_merge.remove_intents(third, oidc_intent("repo:org/app:environment:prod"))
    assert by_sid(one_left, "TrustWebIdentity")["Condition"]["StringLike"][f"{HOST}:sub"] == "repo:org/app:ref:refs/heads/main"
    provider_gone = _policy_merge.remove_intents(third, TrustIntent(oidc_provider=GITHUB))
    assert [st["Sid"] for st in provider_gone["Statement"]] == ["CrossAccountAssumeRole", "TrustWebIdentity2"]


def test_no_intent_function_mutates_its_input():
    current = _policy_build.build_trust(TrustIntent(account_ids=(SOURCE,), org_id=ORG, principal_patterns=(CI,), services=("ec2.amazonaws.com",),
                                                    oidc_provider=GITHUB, oidc_audiences=("a",), oidc_subjects=("s:*",)))
    pristine = copy.deepcopy(current)
    every = TrustIntent(account_ids=("333333333333",), org_id=ORG, org_paths=(PROD,), principal_patterns=(BOT,), services=("lambda.amazonaws.com",),
                        oidc_provider=GITHUB, oidc_audiences=("a",), oidc_subjects=("t:*",))
    _policy_merge.merge_intents(current, every)
    _policy_merge.remove_intents(current, every)
    assert current == pristine
