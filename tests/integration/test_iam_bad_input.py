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


# (args, option the message must start with), rejected before any AWS call. Every other refusal of bad input is a
# table in tests/unit/plugins/module_utils/test_target_role.py and test_trust_policy.py; these run the module process.
TARGET_ROLE_OFFLINE = [
    pytest.param(_with(trusted_account_ids=[SOURCE, "1111111111112"]), "trusted_account_ids[1]:", id="long-account-id"),
    pytest.param(_with(inline_policies={"read": {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}}),
                 "inline_policies.read:", id="inline-bad-effect"),
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
    pytest.param({"role_name": ROLE, "policy": TRUST_DOC, "allow_session_tags": True}, "policy:", id="tp-policy-and-intent"),
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
