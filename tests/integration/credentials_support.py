# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the assume_role / lookup / secrets integration tests: roles set up with plain boto3."""

from __future__ import annotations

import json
import typing as t

SOURCE = "111111111111"
TARGET = "222222222222"
THIRD = "333333333333"
SOURCE_ROOT = f"arn:aws:iam::{SOURCE}:root"
MFA_SERIAL = f"arn:aws:iam::{SOURCE}:mfa/admin"


def role_arn(name: str, account: str = TARGET) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def trust(principal: str = SOURCE_ROOT, actions: t.Sequence[str] = ("sts:AssumeRole",),
          condition: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def create_role(emu: t.Any, name: str, document: dict[str, t.Any] | None = None, max_session: int = 3600,
                profile: str = "target-admin", clear_log: bool = True) -> str:
    """Create a role with boto3 (not with the module under test); returns its ARN.

    The call log is cleared afterwards (unless told otherwise) so that tests count only their own calls:
    the ``target-admin`` profile itself assumes a role to reach the target account.
    """
    iam = emu.aws("iam", profile=profile, max_attempts=5)
    response = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(document or trust()),
        MaxSessionDuration=max_session,
    )
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    if clear_log:
        emu.client.clear_calls()
    return response["Role"]["Arn"]


def assume_calls(emu: t.Any) -> list[dict[str, t.Any]]:
    return emu.client.calls(service="sts", action="AssumeRole")


def identity_with(emu: t.Any, creds: t.Mapping[str, str]) -> dict[str, t.Any]:
    return emu.aws("sts", credentials=creds).get_caller_identity()
