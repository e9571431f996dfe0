# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _validators_trust.py: principal patterns, service principals, source ARNs, OIDC, lint mode."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_trust as v_trust
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

GITHUB_ARN = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"


def refused(func, value, *args, match=None):
    with pytest.raises(ValidationFailure) as failure:
        func(value, "opt", *args)
    assert failure.value.msg.startswith("opt:")
    if match:
        assert match in failure.value.msg
    return failure.value.msg


@pytest.mark.parametrize("value", ["arn:aws:iam::111111111111:role/ci-*", "arn:aws-cn:iam::111111111111:user/bot?",
                                   "arn:aws:iam::111111111111:role/team/*"])
def test_principal_pattern_accepted(value):
    assert v_trust.principal_pattern(value, "opt") == value


@pytest.mark.parametrize(("value", "match"), [
    ("arn:aws:iam::*:role/ci-*", "concrete 12-digit account"),
    ("arn:aws:iam::1111*:role/ci", "concrete 12-digit account"),
    ("arn:aws:iam:::role/ci", "concrete 12-digit account"),
    ("arn:aws:iam::111111111111:*", "role/"),
    ("arn:aws:iam::111111111111:group/g", "role/"),
    ("arn:aws:s3:::bucket", None),
    ("*", None),
])
def test_principal_pattern_refused(value, match):
    refused(v_trust.principal_pattern, value, match=match)


@pytest.mark.parametrize(("value", "expected"), [("ec2.amazonaws.com", "ec2.amazonaws.com"), ("EC2.AmazonAWS.com", "ec2.amazonaws.com"),
                                                 ("pods.eks.amazonaws.com", "pods.eks.amazonaws.com"), ("ec2.amazonaws.com.cn", "ec2.amazonaws.com.cn")])
def test_service_principal_accepted(value, expected):
    assert v_trust.service_principal(value, "opt") == expected


@pytest.mark.parametrize("value", ["ec2", "arn:aws:iam::111111111111:role/x", "*.amazonaws.com", "ec2.example.com", "", "*"])
def test_service_principal_refused(value):
    refused(v_trust.service_principal, value)


@pytest.mark.parametrize(("value", "expected"), [
    ("https://token.actions.githubusercontent.com", "token.actions.githubusercontent.com"),
    ("https://Gitlab.Example.com/group/", "gitlab.example.com/group"),
    (GITHUB_ARN, GITHUB_ARN),
])
def test_oidc_provider_accepted(value, expected):
    assert v_trust.oidc_provider(value, "opt") == expected


@pytest.mark.parametrize(("value", "match"), [("http://oidc.example.com", "https://"), ("oidc.example.com", "https://"),
                                              ("https://oidc.example.com?x=1", None), ("arn:aws:iam::222222222222:role/x", None)])
def test_oidc_provider_refused(value, match):
    refused(v_trust.oidc_provider, value, match=match)


@pytest.mark.parametrize("value", ["*", "**", "?", "*?*"])
def test_subject_of_only_wildcards_refused(value):
    refused(v_trust.oidc_subject, value, match="only wildcards")


@pytest.mark.parametrize(("value", "match"), [
    # The issue's own examples: each trusts every repository on GitHub.
    ("repo:*", "concrete owner"),
    ("*:*", "only wildcards"),
    ("repo:*:*", "concrete owner"),
    ("*:ref:refs/heads/main", "first field"),
    ("*/*", "only wildcards"),
    (":*:", "only wildcards"),
    ("repo:*/app:ref:refs/heads/main", "concrete owner"),
    ("repo:my-org*/app:*", "concrete owner"),
    ("repo:my-?rg/app", "concrete owner"),
    ("repo:/app", "concrete owner"),
    ("repo:my-org", "concrete owner"),
    ("re*:my-org/app", "first field"),
    ("project_path:*", "concrete owner"),
    ("project_path:*/app:ref_type:branch:ref:main", "concrete owner"),
])
def test_subject_that_names_no_owner_is_refused(value, match):
    refused(v_trust.oidc_subject, value, match=match)


@pytest.mark.parametrize("value", [
    "repo:my-org/*",
    "repo:my-org/app:*",
    "repo:my-org/app:ref:refs/heads/main",
    "repo:my-org/app:environment:prod",
    "repository_owner_id:1234:*",
    "project_path:my-group/*",
    "organization:my-org:project:*:workspace:*:run_phase:*",
    "system:serviceaccount:ci:*",
    "auth0|*",
    "12345678901234567890",
])
def test_subject_with_a_concrete_owner_is_accepted(value):
    assert v_trust.oidc_subject(value, "opt") == value
    assert v_trust.oidc_subject_problem(value) is None


def test_subject_and_audience_accepted():
    assert v_trust.oidc_subject("repo:org/app:*", "opt") == "repo:org/app:*"
    assert v_trust.oidc_audience("sts.amazonaws.com", "opt") == "sts.amazonaws.com"
    refused(v_trust.oidc_audience, "sts*")


@pytest.mark.parametrize("value", ["arn:aws:sns:us-east-1:111111111111:topic", "arn:aws:s3:::bucket", "arn:aws:lambda:*:111111111111:function:*"])
def test_source_arn_accepted(value):
    assert v_trust.source_arn(value, "opt") == value


@pytest.mark.parametrize("value", ["bucket", "arn:aws", "*"])
def test_source_arn_refused(value):
    refused(v_trust.source_arn, value)


def test_lint_mode():
    assert v_trust.lint_mode(None) == "warn"
    assert v_trust.lint_mode("error") == "error"
    with pytest.raises(ValidationFailure, match=r"^lint: must be one of warn, error, off"):
        v_trust.lint_mode("loud")
