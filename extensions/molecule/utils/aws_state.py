# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read IAM state back with plain boto3, independently of the collection's modules (molecule verify/cleanup).

Usage: python aws_state.py PROFILE role NAME | policy NAME | user NAME
Prints one JSON object; a missing entity gives {"exists": false}. Never prints credentials.
"""

from __future__ import annotations

import json
import sys
import typing as t

import boto3
from botocore.exceptions import ClientError


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "NoSuchEntity"


def role(iam: t.Any, name: str) -> dict:
    try:
        data = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if _missing(exc):
            return {"exists": False}
        raise
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    return {
        "exists": True,
        "arn": data["Arn"],
        "trust_policy": data["AssumeRolePolicyDocument"],
        "max_session_duration": data.get("MaxSessionDuration"),
        "managed_policies": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
        "inline_policies": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in inline},
        "tags": {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=name)["Tags"]},
    }


def policy(iam: t.Any, account: str, name: str) -> dict:
    arn = f"arn:aws:iam::{account}:policy/{name}"
    try:
        data = iam.get_policy(PolicyArn=arn)["Policy"]
    except ClientError as exc:
        if _missing(exc):
            return {"exists": False, "arn": arn}
        raise
    version = iam.get_policy_version(PolicyArn=arn, VersionId=data["DefaultVersionId"])["PolicyVersion"]
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    return {
        "exists": True,
        "arn": arn,
        "document": version["Document"],
        "versions": len(iam.list_policy_versions(PolicyArn=arn)["Versions"]),
        "users": sorted(u["UserName"] for u in entities["PolicyUsers"]),
        "groups": sorted(g["GroupName"] for g in entities["PolicyGroups"]),
        "roles": sorted(r["RoleName"] for r in entities["PolicyRoles"]),
    }


def user(iam: t.Any, name: str) -> dict:
    return {
        "exists": True,
        "managed_policies": sorted(p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]),
        "inline_policies": sorted(iam.list_user_policies(UserName=name)["PolicyNames"]),
    }


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[2] not in ("role", "policy", "user"):
        raise SystemExit(__doc__)
    profile, kind, name = sys.argv[1:]
    session = boto3.Session(profile_name=profile)
    iam = session.client("iam")
    if kind == "role":
        result = role(iam, name)
    elif kind == "policy":
        account = session.client("sts").get_caller_identity()["Account"]
        result = policy(iam, account, name)
    else:
        result = user(iam, name)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
