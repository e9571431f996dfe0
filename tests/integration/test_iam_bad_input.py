# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to the IAM modules fails with a message naming the option, and nothing is written.

Section: target_role and trust_policy.
"""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible_runner import run_module

SOURCE = "111111111111"
ROLE = "bad-input-role"
OK_TRUST = {"name": ROLE, "trusted_account_ids": [SOURCE], "external_id": "ext-1234"}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}]}


def _with(**overrides: t.Any) -> dict[str, t.Any]:
    args = dict(OK_TRUST)
    args.update(overrides)
    return {k: v for k, v in args.items() if v is not None}


# (args, option the message must start with); all rejected before any AWS call.
TARGET_ROLE_OFFLINE = [
    pytest.param(_with(name="bad name!"), "name:", id="role-name-chars"),
    pytest.param(_with(name="r" * 65), "name:", id="role-name-too-long"),
    pytest.param(_with(path="team"), "path:", id="path-without-slashes"),
    pytest.param(_with(path="/a//b/"), "path:", id="path-empty-segment"),
    pytest.param(_with(trusted_account_ids=["12345"]), "trusted_account_ids[0]:", id="short-account-id"),
    pytest.param(_with(trusted_account_ids=[SOURCE, "1111111111112"]), "trusted_account_ids[1]:", id="long-account-id"),
    pytest.param(_with(trusted_principal_arns=["arn:aws:iam::111111111111:group/devs"]), "trusted_principal_arns[0]:", id="group-principal"),
    pytest.param(_with(trusted_principal_arns=["arn:aws-xx:iam::111111111111:role/x"]), "trusted_principal_arns[0]:", id="bad-partition"),
    pytest.param(_with(trusted_principal_arns=["not-an-arn"]), "trusted_principal_arns[0]:", id="principal-not-arn"),
    pytest.param(_with(external_id="x"), "external_id:", id="external-id-too-short"),
    pytest.param(_with(external_id="has space"), "external_id:", id="external-id-chars"),
    pytest.param(_with(max_session_duration=1800), "max_session_duration:", id="duration-too-short"),
    pytest.param(_with(max_session_duration=43201), "max_session_duration:", id="duration-too-long"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, trust_policy="{not json"), "trust_policy:", id="trust-not-json"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, trust_policy="[1, 2]"), "trust_policy:", id="trust-not-object"),
    pytest.param(_with(trusted_account_ids=None, external_id=None,
                       trust_policy={"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
                 "trust_policy:", id="trust-without-principal"),
    pytest.param(_with(trusted_account_ids=None, external_id=None, require_mfa=True, trust_policy=TRUST_DOC),
                 "trust_policy:", id="trust-and-intent"),
    pytest.param(_with(trusted_account_ids=None, external_id=None,
                       trust_policy={"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}),
                 "trust_policy:", id="trust-wildcard-without-condition"),
    pytest.param(_with(trusted_account_ids=None), "external_id:", id="external-id-without-principal"),
    pytest.param(_with(inline_policies={"read": "[1, 2]"}), "inline_policies.read:", id="inline-not-object"),
    pytest.param(_with(inline_policies={"read": {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}}),
                 "inline_policies.read:", id="inline-bad-effect"),
    pytest.param(_with(inline_policies={"bad name": DOC}), "inline_policies:", id="inline-bad-name"),
    pytest.param(_with(managed_policies=["arn:aws:iam::aws:policy/"]), "managed_policies[0]:", id="managed-bad-arn"),
    pytest.param(_with(managed_policies=["Amazon S3"]), "managed_policies[0]:", id="managed-bad-name"),
    pytest.param(_with(permissions_boundary="PowerUserAccess"), "permissions_boundary:", id="boundary-not-arn"),
    pytest.param(_with(tags={"aws:owner": "me"}), "tags:", id="reserved-tag-prefix"),
    pytest.param(_with(tags={"k": "v" * 257}), "tags.k:", id="tag-value-too-long"),
    pytest.param(_with(description="d" * 1001), "description:", id="description-too-long"),
]

# Rejected after reads (identity, GetRole, GetPolicy) but before any write.
TARGET_ROLE_AFTER_READS = [
    pytest.param(_with(managed_policies=["NoSuchPolicyAnywhere"]), "managed_policies[0]:", id="unknown-managed-policy"),
    pytest.param(_with(permissions_boundary="arn:aws:iam::222222222222:policy/missing"), "permissions_boundary:", id="unknown-boundary"),
    pytest.param(_with(trusted_principal_arns=["arn:aws-cn:iam::111111111111:role/x"]), "trusted_principal_arns[0]:",
                 id="foreign-partition"),
    pytest.param(_with(trusted_account_ids=None, external_id=None), "trusted_account_ids:", id="create-without-trust"),
]

TRUST_POLICY_OFFLINE = [
    pytest.param({"role_name": "bad/name", "trusted_account_ids": [SOURCE]}, "role_name:", id="tp-role-name"),
    pytest.param({"role_name": ROLE, "policy": TRUST_DOC, "state": "absent"}, "policy:", id="tp-policy-absent"),
    pytest.param({"role_name": ROLE, "policy": dict(TRUST_DOC, Statement=[dict(TRUST_DOC["Statement"][0], Resource="*")])},
                 "policy:", id="tp-policy-with-resource"),
    pytest.param({"role_name": ROLE, "policy": "{]"}, "policy:", id="tp-policy-not-json"),
    pytest.param({"role_name": ROLE, "policy": TRUST_DOC, "allow_session_tags": True}, "policy:", id="tp-policy-and-intent"),
    pytest.param({"role_name": ROLE, "require_mfa": True}, "require_mfa:", id="tp-mfa-without-principal"),
    pytest.param({"role_name": ROLE, "trusted_account_ids": ["abc"]}, "trusted_account_ids[0]:", id="tp-bad-account"),
    pytest.param({"role_name": ROLE, "trusted_principal_arns": ["arn:aws:s3:::bucket"]}, "trusted_principal_arns[0]:", id="tp-s3-arn"),
]


def _assert_rejected(emu: t.Any, result: dict[str, t.Any], prefix: str) -> None:
    assert result["failed"] is True, result
    assert result["msg"].startswith(prefix), result["msg"]
    assert "Traceback" not in json.dumps(result)
    assert emu.client.write_calls() == []


@pytest.mark.parametrize("args, prefix", TARGET_ROLE_OFFLINE)
def test_target_role_rejects_before_any_aws_call(emu: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    result = run_module(emu, "target_role", args, profile="target-admin")
    _assert_rejected(emu, result, prefix)
    assert emu.client.calls() == []


@pytest.mark.parametrize("args, prefix", TARGET_ROLE_AFTER_READS)
def test_target_role_rejects_before_any_write(emu: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    result = run_module(emu, "target_role", args, profile="target-admin")
    _assert_rejected(emu, result, prefix)


def test_target_role_exclusive_options_named(emu: t.Any) -> None:
    result = run_module(emu, "target_role", {"name": ROLE, "trust_policy": TRUST_DOC, "trusted_account_ids": [SOURCE]},
                        profile="target-admin")
    assert result["failed"] is True
    assert "trust_policy" in result["msg"] and "trusted_account_ids" in result["msg"]
    assert emu.client.calls() == []


@pytest.mark.parametrize("args, prefix", TRUST_POLICY_OFFLINE)
def test_trust_policy_rejects_before_any_aws_call(emu: t.Any, args: dict[str, t.Any], prefix: str) -> None:
    result = run_module(emu, "trust_policy", args, profile="target-admin")
    _assert_rejected(emu, result, prefix)
    assert emu.client.calls() == []


def test_trust_policy_unknown_role_rejected_before_any_write(emu: t.Any) -> None:
    result = run_module(emu, "trust_policy", {"role_name": "no-such-role", "trusted_account_ids": [SOURCE], "external_id": "ext-1234"},
                        profile="target-admin")
    _assert_rejected(emu, result, "role_name:")
