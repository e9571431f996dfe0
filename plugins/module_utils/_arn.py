# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: AWS identifiers (partitions, account and organization ids, unique ids) and
partition-aware ARN parsing and building.

Nothing here talks to AWS. Every ARN this collection builds or compares goes through these
helpers so that ``aws-cn`` and ``aws-us-gov`` accounts work exactly like ``aws`` ones (hard-coded
``arn:aws:`` prefixes are a classic source of GovCloud and China bugs), and every pattern that names a
partition is built from PARTITIONS, so a new partition is one edit.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
# The partitions as a regular-expression alternative, for every pattern that embeds one.
PARTITION_PATTERN = "|".join(re.escape(partition) for partition in PARTITIONS)
# Where an ARN starts in a text, with the partition as group 1 (a document's partition, mixed partitions).
ARN_PARTITION_RE = re.compile(rf"arn:({PARTITION_PATTERN}):", re.ASCII)
ACCOUNT_ID_RE = re.compile(r"[0-9]{12}", re.ASCII)
# An AWS Organizations id: "o-" and 10 to 32 lower-case letters or digits.
ORGANIZATION_ID_RE = re.compile(r"o-[a-z0-9]{10,32}", re.ASCII)

# Anchored on both ends with fullmatch: an unanchored search would accept "xarn:aws:..." or an ARN
# followed by a newline and a second line. The account field is empty (S3), "aws" (AWS managed
# policies) or exactly 12 ASCII digits; the resource is printable ASCII without spaces.
_ARN_RE = re.compile(
    rf"arn:(?P<partition>{PARTITION_PATTERN})"
    r":(?P<service>[a-z0-9][a-z0-9-]*)"
    r":(?P<region>[a-z0-9-]*)"
    r":(?P<account>[0-9]{12}|aws|)"
    r":(?P<resource>[\x21-\x7e]{1,2048})",
    re.ASCII,
)

# Unique ids AWS substitutes for principals it can no longer resolve (deleted user -> AIDA...,
# deleted role -> AROA...), plus the other IAM/STS id prefixes a user may meet in a policy.
UNIQUE_ID_PREFIXES = ("AIDA", "AROA", "AGPA", "ANPA", "ASIA", "AKIA")
_UNIQUE_ID_RE = re.compile(r"(?:AIDA|AROA|AGPA|ANPA|ASIA|AKIA)[A-Z0-9]{16,128}", re.ASCII)

# IAM resource types whose ARNs carry a path between the type and the name.
_PATH_TYPES = ("role", "user", "group", "policy", "instance-profile", "mfa", "server-certificate", "saml-provider", "oidc-provider")


@dataclass(frozen=True)
class Arn:
    """One parsed ARN; ``str(arn)`` gives the canonical text back."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """Text before the first "/" or ":" of the resource ("role", "assumed-role", "root")."""
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def resource_name(self) -> str:
        """The last path element: the role name of a role ARN, the session of an assumed-role ARN."""
        if "/" in self.resource:
            return self.resource.rsplit("/", 1)[1]
        if ":" in self.resource:
            return self.resource.split(":", 1)[1]
        return self.resource

    @property
    def path(self) -> str:
        """The IAM path ("/a/b/") of an IAM role/user/group/policy ARN; "/" when there is none."""
        if self.service != "iam" or self.resource_type not in _PATH_TYPES or "/" not in self.resource:
            return "/"
        middle = self.resource.split("/", 1)[1].rsplit("/", 1)[0] if self.resource.count("/") > 1 else ""
        return f"/{middle}/" if middle else "/"

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(value: t.Any) -> Arn | None:
    """Parse ``arn:<partition>:<service>:<region>:<account>:<resource>``; None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _ARN_RE.fullmatch(value)
    if match is None:
        return None
    return Arn(**match.groupdict())


def partition_for_region(region: str | None) -> str:
    """The partition a region belongs to; unknown or unset regions are in the commercial partition."""
    if region:
        if region.startswith("cn-"):
            return "aws-cn"
        if region.startswith("us-gov-"):
            return "aws-us-gov"
    return "aws"


def _iam_path(path: str | None) -> str:
    # Builders are given validated paths; tolerate a missing leading/trailing slash so that a
    # caller passing "team" or "/team" still gets the ARN AWS would report ("/team/").
    if not path or path == "/":
        return "/"
    return "/" + path.strip("/") + "/"


def root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def role_arn(account_id: str, name: str, path: str = "/", partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:role{_iam_path(path)}{name}"


def user_arn(account_id: str, name: str, path: str = "/", partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:user{_iam_path(path)}{name}"


def group_arn(account_id: str, name: str, path: str = "/", partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:group{_iam_path(path)}{name}"


def policy_arn(account_id: str, name: str, path: str = "/", partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:policy{_iam_path(path)}{name}"


def aws_managed_policy_arn(name: str, partition: str = "aws") -> str:
    """``AmazonS3FullAccess`` or ``service-role/AWSLambdaRole`` -> the AWS managed policy ARN."""
    return f"arn:{partition}:iam::aws:policy/{name.lstrip('/')}"


def assumed_role_arn(account_id: str, role_name: str, session: str, partition: str = "aws") -> str:
    # STS drops the role path from assumed-role ARNs, so only the bare role name goes in.
    return f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session}"


def role_arn_from_assumed_role_arn(value: str) -> str | None:
    """``arn:p:sts::ACCT:assumed-role/NAME/SESSION`` -> ``arn:p:iam::ACCT:role/NAME``.

    The role's path is not part of an assumed-role ARN, so the result has path "/"; callers
    that need the exact role ARN must read it with iam:GetRole. Returns None for any other ARN.
    """
    parsed = parse_arn(value)
    if parsed is None or parsed.service != "sts" or parsed.resource_type != "assumed-role" or not parsed.account.isdigit():
        return None
    parts = parsed.resource.split("/")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return None
    return role_arn(parsed.account, parts[1], "/", parsed.partition)


def is_root_arn(value: str) -> bool:
    """True for ``arn:<any partition>:iam::<12 digits>:root``."""
    parsed = parse_arn(value)
    return parsed is not None and parsed.service == "iam" and parsed.resource == "root" and parsed.account.isdigit()


def is_unique_id(value: t.Any) -> bool:
    """True for AWS unique ids such as ``AROA...`` (what a deleted principal turns into in a policy)."""
    return isinstance(value, str) and _UNIQUE_ID_RE.fullmatch(value) is not None
