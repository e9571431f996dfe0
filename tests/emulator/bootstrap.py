# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The principals that exist after every start and reset, and the AWS shared files that reach them."""

from __future__ import annotations

import json
import os
import typing as t

from emulator.organization import ACCESS_ROLE_NAME
from emulator.state import (
    ADMIN_POLICY_ARN,
    BOOTSTRAP_USERS,
    MANAGEMENT_ACCOUNT,
    PARTITION,
    REGION,
    SOURCE_ACCOUNT,
    TARGET_ACCOUNT,
    TARGET_ADMIN_ROLE,
    secret_for,
)

if t.TYPE_CHECKING:
    from emulator.server import Emulator


def bootstrap(emu: Emulator) -> None:
    for _profile, account, user_name, key_id, admin in BOOTSTRAP_USERS:
        add_user(emu, account, user_name, key_id, admin)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{PARTITION}:iam::{SOURCE_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }],
    }
    target = emu.iam(TARGET_ACCOUNT)
    target.create_role(
        role_name=TARGET_ADMIN_ROLE,
        assume_role_policy_document=json.dumps(trust),
        path="/",
        permissions_boundary=None,
        description="Administrator of the emulated target account (profile target-admin)",
        tags=[],
        max_session_duration="43200",
    )
    target.attach_role_policy(ADMIN_POLICY_ARN, TARGET_ADMIN_ROLE)
    # Generated members get theirs when first touched (Emulator.materialise).
    for account in (SOURCE_ACCOUNT, TARGET_ACCOUNT):
        create_access_role(emu, account)


def add_user(emu: Emulator, account: str, user_name: str, key_id: str, admin: bool) -> t.Any:
    """An IAM user with the deterministic access key ``key_id`` (secret: ``secret_for(key_id)``)."""
    backend = emu.iam(account)
    user = backend.create_user(region_name=REGION, user_name=user_name, path="/")
    key = backend.create_access_key(user_name)
    # Replace moto's random key with the deterministic one, under the new id in both indexes.
    del backend.access_keys[key.access_key_id]
    key.access_key_id = key_id
    key.secret_access_key = secret_for(key_id)
    backend.access_keys[key_id] = key
    if admin:
        backend.attach_user_policy(ADMIN_POLICY_ARN, user_name)
    return user


def create_access_role(emu: Emulator, account: str) -> None:
    """The role AWS Organizations creates in the accounts it makes: the management account may administer them."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{PARTITION}:iam::{MANAGEMENT_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }],
    }
    backend = emu.iam(account)
    backend.create_role(
        role_name=ACCESS_ROLE_NAME,
        assume_role_policy_document=json.dumps(trust),
        path="/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
    )
    backend.attach_role_policy(ADMIN_POLICY_ARN, ACCESS_ROLE_NAME)


def profiles() -> dict[str, dict[str, str]]:
    out = {profile: {"account": account, "user": user, "access_key_id": key}
           for profile, account, user, key, _admin in BOOTSTRAP_USERS}
    out["target-admin"] = {"account": TARGET_ACCOUNT, "role_arn": f"arn:{PARTITION}:iam::{TARGET_ACCOUNT}:role/{TARGET_ADMIN_ROLE}",
                           "source_profile": "source-admin"}
    return out


def write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def shared_files(endpoint_url: str) -> tuple[str, str]:
    """The AWS CLI config and credentials files for the bootstrap profiles."""
    config = ["# Written by the crossaccount.aws test emulator.", ""]
    creds = ["# Written by the crossaccount.aws test emulator: keys of emulated users only.", ""]
    for profile, _account, _user, key, _admin in BOOTSTRAP_USERS:
        config += [f"[profile {profile}]", f"region = {REGION}", f"endpoint_url = {endpoint_url}", ""]
        creds += [f"[{profile}]", f"aws_access_key_id = {key}", f"aws_secret_access_key = {secret_for(key)}", ""]
    target = profiles()["target-admin"]
    config += ["[profile target-admin]", f"role_arn = {target['role_arn']}", "source_profile = source-admin",
               "role_session_name = emulator-target-admin", f"region = {REGION}", f"endpoint_url = {endpoint_url}", ""]
    return "\n".join(config), "\n".join(creds)
