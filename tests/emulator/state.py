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
# Management account of the organization (organization.py), of which source and target are members;
# the third account belongs to none.
MANAGEMENT_ACCOUNT = "100000000000"
ACCOUNTS = {"management": MANAGEMENT_ACCOUNT, "source": SOURCE_ACCOUNT, "target": TARGET_ACCOUNT, "third": THIRD_ACCOUNT}
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
    ("management-admin", MANAGEMENT_ACCOUNT, "emulator-admin", "AKIAEMUMGMTADMIN0001", True),
)

WRITE_PREFIXES = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Tag", "Untag", "Set", "Add", "Remove",
                  "Move", "Close", "Enable", "Disable")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)$")


def secret_for(access_key_id: str) -> str:
    """Deterministic 40-character secret: keys survive restarts and resets."""
    return hashlib.sha256(("crossaccount-emulator:" + access_key_id).encode()).hexdigest()[:40]


def now_iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Config:
    """What ``POST /_emulator/config`` may change (a reset restores the start-up values)."""

    propagation_delay: float = 0.0
    time_scale: float = 1.0
    throttle_rate: float = 0.0
    fail_after_write_rate: float = 0.0
    seed: int = 0
    verify_signatures: bool = True
    # Added to every AWS call (not to the admin API), outside the lock: parallel callers wait in parallel.
    latency_ms: float = 0.0
    # iam:GetAccountSummary AssumeRolePolicySizeQuota; CreateRole/UpdateAssumeRolePolicy enforce it.
    trust_policy_size_quota: int = 2048
    # Member accounts that may read the organization like the management account.
    delegated_admins: list[str] = field(default_factory=list)
    # CloseAccount: seconds an account stays PENDING_CLOSURE before it is SUSPENDED (0: at once).
    account_closure_delay: float = 0.0
    # Access-denied messages of explicit SCP/RCP denials end with ": <policy ARN>", as AWS's do since 2026 for
    # callers of the same organization; off by default (the classic wording, which older answers still have).
    policy_arn_in_denials: bool = False

    def update(self, values: t.Mapping[str, t.Any]) -> None:
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown option {key!r}")
            if key == "seed":
                setattr(self, key, int(value))
                continue
            if key in ("verify_signatures", "policy_arn_in_denials"):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
                setattr(self, key, value)
                continue
            if key == "delegated_admins":
                if not isinstance(value, list) or not all(isinstance(v, str) and re.match(r"^\d{12}$", v) for v in value):
                    raise ValueError("delegated_admins must be a list of 12-digit account ids")
                self.delegated_admins = list(dict.fromkeys(value))
                continue
            if key == "trust_policy_size_quota":
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
                    raise ValueError("trust_policy_size_quota must be an integer between 1 and 4096")
                self.trust_policy_size_quota = value
                continue
            if isinstance(value, bool):
                raise ValueError(f"{key} must be a number")
            number = float(value)
            if key in ("throttle_rate", "fail_after_write_rate") and not 0.0 <= number <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1")
            if key == "time_scale" and number <= 0:
                raise ValueError("time_scale must be positive")
            if key in ("propagation_delay", "latency_ms", "account_closure_delay") and number < 0:
                raise ValueError(f"{key} must not be negative")
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
