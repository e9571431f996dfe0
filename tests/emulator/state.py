# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Constants, the run-time configuration and the STS session record of the emulator."""

from __future__ import annotations

import datetime
import hashlib
import re
import typing as t
from dataclasses import dataclass, field

SOURCE_ACCOUNT = "111111111111"
TARGET_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"
ACCOUNTS = {"source": SOURCE_ACCOUNT, "target": TARGET_ACCOUNT, "third": THIRD_ACCOUNT}
# Source and target share an AWS Organization (for aws:PrincipalOrgID); the third account is unrelated.
ORGANIZATION_ID = "o-emulator0001"
ORG_MEMBERS = {SOURCE_ACCOUNT, TARGET_ACCOUNT}
REGION = "us-east-1"
PARTITION = "aws"
TARGET_ADMIN_ROLE = "EmulatorTargetAdmin"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
CHAINING_CAP = 3600

# (profile, account, user name, access key id, attach AdministratorAccess)
BOOTSTRAP_USERS = (
    ("source-admin", SOURCE_ACCOUNT, "emulator-admin", "AKIAEMUSOURCEADMIN01", True),
    ("source-user", SOURCE_ACCOUNT, "emulator-user", "AKIAEMUSOURCEUSER001", False),
    ("third-admin", THIRD_ACCOUNT, "emulator-admin", "AKIAEMUTHIRDADMIN001", True),
)

WRITE_PREFIXES = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Tag", "Untag", "Set", "Add", "Remove")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)$")


def secret_for(access_key_id: str) -> str:
    """Deterministic 40-character secret: keys survive restarts and resets."""
    return hashlib.sha256(("crossaccount-emulator:" + access_key_id).encode()).hexdigest()[:40]


def now_iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Config:
    propagation_delay: float = 0.0
    time_scale: float = 1.0
    throttle_rate: float = 0.0
    fail_after_write_rate: float = 0.0
    seed: int = 0
    verify_signatures: bool = True

    def update(self, values: t.Mapping[str, t.Any]) -> None:
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown option {key!r}")
            if key == "seed":
                setattr(self, key, int(value))
                continue
            if key == "verify_signatures":
                if not isinstance(value, bool):
                    raise ValueError("verify_signatures must be true or false")
                self.verify_signatures = value
                continue
            number = float(value)
            if key in ("throttle_rate", "fail_after_write_rate") and not 0.0 <= number <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1")
            if key == "time_scale" and number <= 0:
                raise ValueError("time_scale must be positive")
            if key == "propagation_delay" and number < 0:
                raise ValueError("propagation_delay must not be negative")
            setattr(self, key, number)


@dataclass
class Session:
    """An STS session issued by AssumeRole (never logged or served: it holds the token)."""

    access_key_id: str
    session_token: str
    account: str
    role_arn: str
    role_id: str
    role_name: str
    session_name: str
    caller_arn: str
    issued_at: float
    expires_at: float
    mfa: bool
    source_identity: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:sts::{self.account}:assumed-role/{self.role_name}/{self.session_name}"
