# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names and small helpers the emulator's organization tests share."""

from __future__ import annotations

import json
import typing as t

import pytest
from botocore.exceptions import ClientError

MANAGEMENT, SOURCE, TARGET, THIRD = "100000000000", "111111111111", "222222222222", "333333333333"
ORG_ID, ROOT = "o-emulator0001", "r-emu1"
SECURITY, WORKLOADS, PROD, DEV, SANDBOX = (f"ou-emu1-0000000{i}" for i in range(1, 6))
ACCESS_ROLE = "OrganizationAccountAccessRole"
SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
FULL_SCP, FULL_RCP = "p-FullAWSAccess", "p-RCPFullAWSAccess"
TARGET_ADMIN_ROLE = f"arn:aws:iam::{TARGET}:role/EmulatorTargetAdmin"


def member(index: int) -> str:
    return f"{200000000000 + index:012d}"


def access_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ACCESS_ROLE}"


def error_of(call: t.Callable[..., t.Any], **kwargs: t.Any) -> tuple[str, str]:
    """The error code and message of a boto3 call that must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    return err["Code"], err.get("Message", "")


def reason_of(call: t.Callable[..., t.Any], **kwargs: t.Any) -> tuple[str, str]:
    """The error code and the ``Reason`` member (ConstraintViolationException, InvalidInputException) of a failing call."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], str(info.value.response.get("Reason"))


def document(*statements: dict[str, t.Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny(action: t.Any = "*", condition: dict[str, t.Any] | None = None, rcp: bool = False, sid: str | None = None,
         resource: t.Any = "*") -> dict[str, t.Any]:
    stmt: dict[str, t.Any] = {"Effect": "Deny", "Action": action, "Resource": resource}
    if rcp:
        stmt["Principal"] = "*"
    if condition:
        stmt["Condition"] = condition
    if sid:
        stmt["Sid"] = sid
    return stmt


def allow(action: t.Any = "*", resource: t.Any = "*") -> dict[str, t.Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def trust(principal: t.Any, action: str = "sts:AssumeRole", condition: dict[str, t.Any] | None = None) -> str:
    stmt: dict[str, t.Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        stmt["Condition"] = condition
    return document(stmt)


def org(emu: t.Any, profile: str = "management-admin") -> t.Any:
    return emu.aws("organizations", profile)


def assume(emu: t.Any, role_arn: str, profile: str = "management-admin", **kwargs: t.Any) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], emu.aws("sts", profile).assume_role(RoleArn=role_arn, RoleSessionName="org-test", **kwargs))


def in_account(emu: t.Any, account: str, service: str) -> t.Any:
    """A client of ``service`` in a member through its access role, as the management account."""
    return emu.aws(service, credentials=assume(emu, access_role(account))["Credentials"])
