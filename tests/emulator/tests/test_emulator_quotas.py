# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's IAM quotas (GetAccountSummary, trust-policy size) and start-up options of 0.2."""

from __future__ import annotations

import json
import typing as t

import pytest
from botocore.exceptions import ClientError

from emulator.client import EmulatorError
from emulator.testing import start_emulator

SOURCE = "111111111111"


def padded_trust(size: int, indent: int = 0) -> str:
    """A valid trust document of exactly ``size`` characters without white space (plus ``indent`` spaces)."""
    statement = {"Sid": "", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"}
    base: dict[str, t.Any] = {"Version": "2012-10-17", "Statement": [statement]}
    compact = len(json.dumps(base, separators=(",", ":")))
    statement["Sid"] = "S" * (size - compact)
    text = json.dumps(base, separators=(",", ":"))
    assert len(text) == size
    return text.replace("{", "{" + " " * indent, 1) if indent else text


def error_of(call: t.Callable[..., t.Any], **kwargs: t.Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", ""), info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_account_summary_is_realistic(emu: t.Any) -> None:
    iam = emu.aws("iam", "target-admin")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AssumeRolePolicySizeQuota"] == 2048
    assert summary["PolicyVersionsInUseQuota"] == 10000
    assert summary["RolesQuota"] == 1000
    assert summary["PolicySizeQuota"] == 6144
    roles = summary["Roles"]
    iam.create_role(RoleName="Counted", AssumeRolePolicyDocument=padded_trust(200))
    assert iam.get_account_summary()["SummaryMap"]["Roles"] == roles + 1


def test_trust_policy_size_quota_is_configurable_until_reset(emu: t.Any) -> None:
    assert emu.client.configure(trust_policy_size_quota=4096)["trust_policy_size_quota"] == 4096
    assert emu.aws("iam", "source-admin").get_account_summary()["SummaryMap"]["AssumeRolePolicySizeQuota"] == 4096
    emu.aws("iam", "target-admin").create_role(RoleName="Big", AssumeRolePolicyDocument=padded_trust(3000))
    for bad in (0, 5000, "big", 1.5, True):
        with pytest.raises(EmulatorError, match="trust_policy_size_quota"):
            emu.client.configure(trust_policy_size_quota=bad)
    emu.reset()
    assert emu.aws("iam", "source-admin").get_account_summary()["SummaryMap"]["AssumeRolePolicySizeQuota"] == 2048


def test_create_role_over_the_quota_is_limit_exceeded_and_creates_nothing(emu: t.Any) -> None:
    iam = emu.aws("iam", "target-admin")
    assert error_of(iam.create_role, RoleName="TooBig", AssumeRolePolicyDocument=padded_trust(2049)) == (
        "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)
    assert error_of(iam.get_role, RoleName="TooBig")[0] == "NoSuchEntity"
    # White space does not count.
    iam.create_role(RoleName="JustFits", AssumeRolePolicyDocument=padded_trust(2048, indent=500))


def test_update_assume_role_policy_over_the_quota_keeps_the_old_document(emu: t.Any) -> None:
    iam = emu.aws("iam", "target-admin")
    iam.create_role(RoleName="Kept", AssumeRolePolicyDocument=padded_trust(300))
    code, message, _status = error_of(iam.update_assume_role_policy, RoleName="Kept", PolicyDocument=padded_trust(2100))
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")
    assert len(iam.get_role(RoleName="Kept")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Sid"]) < 300
    emu.client.configure(trust_policy_size_quota=4096)
    iam.update_assume_role_policy(RoleName="Kept", PolicyDocument=padded_trust(2100))


def test_latency_option_is_validated(emu: t.Any) -> None:
    assert emu.client.configure(latency_ms=5)["latency_ms"] == 5
    with pytest.raises(EmulatorError, match="latency_ms"):
        emu.client.configure(latency_ms=-1)
    emu.reset()
    assert emu.client.config()["latency_ms"] == 0


def test_start_up_options_show_in_the_admin_config(tmp_path: t.Any) -> None:
    with start_emulator(tmp_path, "--latency-ms", "25", "--trust-policy-size-quota", "4096", "--member-accounts", "20") as running:
        config = running.client.config()
        assert (config["latency_ms"], config["trust_policy_size_quota"]) == (25, 4096)
        assert running.client.health()["organization"]["member_accounts"] == 20
        assert len(running.info["organization"]["members"]) == 23
        assert running.info["organization"]["members"][-1]["status"] == "SUSPENDED"
        summary = running.aws("iam", "management-admin").get_account_summary()["SummaryMap"]
        assert summary["AssumeRolePolicySizeQuota"] == 4096
        # A reset keeps the start-up values.
        running.reset()
        assert running.client.config()["latency_ms"] == 25


def test_member_accounts_beyond_999_are_refused(tmp_path: t.Any) -> None:
    with pytest.raises(RuntimeError, match="member-accounts must be between 0 and 999"):
        start_emulator(tmp_path, "--member-accounts", "1000")


def padded_policy(size: int) -> str:
    """A valid identity policy of exactly ``size`` characters (no white space)."""
    statement = {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    base: dict[str, t.Any] = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "S" * (size - len(json.dumps(base, separators=(",", ":"))))
    text = json.dumps(base, separators=(",", ":"))
    assert len(text) == size
    return text


def test_managed_policy_size_quota(emu: t.Any) -> None:
    iam = emu.aws("iam", "source-admin")
    assert error_of(iam.create_policy, PolicyName="TooBig", PolicyDocument=padded_policy(6145)) == (
        "LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)
    assert iam.list_policies(Scope="Local")["Policies"] == []
    arn = iam.create_policy(PolicyName="Fits", PolicyDocument=padded_policy(6144))["Policy"]["Arn"]
    assert error_of(iam.create_policy_version, PolicyArn=arn, PolicyDocument=padded_policy(7000))[0] == "LimitExceeded"
    assert iam.get_account_summary()["SummaryMap"]["PolicySizeQuota"] == 6144


def test_inline_policy_size_quotas_count_all_inline_policies_together(emu: t.Any) -> None:
    iam = emu.aws("iam", "target-admin")
    iam.create_role(RoleName="Inline", AssumeRolePolicyDocument=padded_trust(200))
    iam.put_role_policy(RoleName="Inline", PolicyName="a", PolicyDocument=padded_policy(6000))
    assert error_of(iam.put_role_policy, RoleName="Inline", PolicyName="b", PolicyDocument=padded_policy(4241)) == (
        "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role Inline", 409)
    assert iam.list_role_policies(RoleName="Inline")["PolicyNames"] == ["a"]
    iam.put_role_policy(RoleName="Inline", PolicyName="b", PolicyDocument=padded_policy(4240))
    # Replacing a policy counts its new size only.
    iam.put_role_policy(RoleName="Inline", PolicyName="a", PolicyDocument=padded_policy(6000))
    iam.create_user(UserName="small")
    assert error_of(iam.put_user_policy, UserName="small", PolicyName="u", PolicyDocument=padded_policy(2049))[1] == (
        "Maximum policy size of 2048 bytes exceeded for user small")
    iam.create_group(GroupName="team")
    assert error_of(iam.put_group_policy, GroupName="team", PolicyName="g", PolicyDocument=padded_policy(5121))[1] == (
        "Maximum policy size of 5120 bytes exceeded for group team")
