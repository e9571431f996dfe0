# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust side target_role and trust_policy share: one option spec, options -> TrustIntent, partition checks."""

from __future__ import annotations

import typing as t

import pytest
import yaml
from ansible_collections.crossaccount.aws.plugins.doc_fragments.trust_intents import ModuleDocFragment
from ansible_collections.crossaccount.aws.plugins.module_utils import _trust
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent

SOURCE = "111111111111"
OWN = "222222222222"


def intent(check_conditions: bool = True, **options: t.Any) -> TrustIntent:
    return _trust.intent_from_options(OptionAdapter.from_dict(options), check_conditions=check_conditions)


def test_the_doc_fragment_documents_exactly_the_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = _trust.trust_spec("policy").argument_spec
    assert set(documented) == set(spec)
    for name, option in spec.items():
        assert documented[name]["type"] == option["type"], name
        assert documented[name].get("default") == option.get("default"), name


def test_a_whole_document_excludes_every_intent_option_without_a_default():
    exclusive = _trust.trust_spec("trust_policy").mutually_exclusive
    assert {second for _first, second in exclusive} == {name for name in _trust.TRUST_INTENT_OPTIONS if name not in _trust.TRUST_BOOL_OPTIONS}
    assert {first for first, _second in exclusive} == {"trust_policy"}


@pytest.mark.parametrize(("options", "expected"), [
    ({"trusted_account_ids": [SOURCE, SOURCE], "external_id": "ext-1", "require_mfa": True},
     TrustIntent(account_ids=(SOURCE,), external_id="ext-1", require_mfa=True)),
    ({"trusted_principal_arns": [f"arn:aws:iam::{SOURCE}:role/ci", f"arn:aws:iam::{SOURCE}:role/ci"]},
     TrustIntent(principal_arns=(f"arn:aws:iam::{SOURCE}:role/ci",))),
    ({"trusted_services": ["EC2.amazonaws.com", "ec2.amazonaws.com"], "source_account": SOURCE},
     TrustIntent(services=("ec2.amazonaws.com",), source_account=SOURCE)),
    ({"trusted_oidc": {"provider": "https://Token.Example.com/", "audience": "sts.amazonaws.com", "subjects": ["repo:o/r:*"]}},
     TrustIntent(oidc_provider="token.example.com", oidc_audiences=("sts.amazonaws.com",), oidc_subjects=("repo:o/r:*",))),
    ({"trusted_org_id": "o-abcdefghij", "trusted_org_paths": ["o-abcdefghij/r-ab12/ou-ab12-abcdefgh/"]},
     TrustIntent(org_id="o-abcdefghij", org_paths=("o-abcdefghij/r-ab12/ou-ab12-abcdefgh/",))),
])
def test_options_become_one_intent(options, expected):
    assert intent(**options) == expected


@pytest.mark.parametrize(("options", "option"), [
    ({"external_id": "ext-1"}, "external_id"),
    ({"allow_session_tags": True}, "allow_session_tags"),
    ({"source_arn": "arn:aws:sns:us-east-1:111111111111:topic"}, "source_arn"),
    ({"trusted_oidc": {"provider": "https://token.example.com", "audience": "a", "subjects": ["s"]}, "require_mfa": True}, "require_mfa"),
    ({"trusted_oidc": {"provider": "https://token.example.com", "subjects": ["s"]}}, "trusted_oidc.audience"),
    ({"trusted_oidc": {"provider": "https://token.example.com", "audience": "a", "subject": ["s"]}}, "trusted_oidc.subject"),
])
def test_a_condition_without_whom_it_applies_to_is_refused(options, option):
    with pytest.raises(ValidationFailure) as caught:
        intent(**options)
    assert caught.value.option == option


def test_removal_needs_no_condition_and_no_audience():
    removed = intent(check_conditions=False, trusted_oidc={"provider": "https://token.example.com"}, external_id="ext-1")
    assert removed.oidc_provider == "token.example.com" and removed.oidc_subjects == ()


def test_the_provider_is_named_in_the_role_s_account():
    resolved = intent(trusted_oidc={"provider": "https://token.example.com", "audience": "a", "subjects": ["s"]}).resolve("aws-cn", OWN)
    assert resolved.oidc_provider == f"arn:aws-cn:iam::{OWN}:oidc-provider/token.example.com"


@pytest.mark.parametrize(("options", "option"), [
    ({"trusted_principal_arns": [f"arn:aws-cn:iam::{SOURCE}:role/x"]}, "trusted_principal_arns[0]"),
    ({"trusted_services": ["ec2.amazonaws.com"], "source_arn": "arn:aws-cn:sns:cn-north-1:111111111111:t"}, "source_arn"),
    ({"trusted_oidc": {"provider": f"arn:aws:iam::{SOURCE}:oidc-provider/token.example.com", "audience": "a", "subjects": ["s"]}},
     "trusted_oidc.provider"),
])
def test_arns_must_be_in_the_caller_s_partition_and_account(options, option):
    with pytest.raises(ValidationFailure) as caught:
        _trust.check_partition(intent(**options), "aws", OWN)
    assert caught.value.option == option
