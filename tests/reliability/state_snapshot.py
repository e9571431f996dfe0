# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole IAM state of the emulator's source and target accounts, as a comparable value.

``snapshot(emu)`` reads, with boto3 over HTTP (admin profiles ``source-admin`` / ``target-admin``), every
role (trust document, description, path, max session duration, permissions boundary, tags, managed
attachments, inline policies, instance profiles), every user and group (attachments, inline policies,
memberships, tags), every customer managed policy (path, description, default version, every version's
document, tags, the entities it is attached to) and every instance profile. Ids, dates and other values
AWS makes up (RoleId, CreateDate, access key ids ...) are left out, so two runs that reached the same state
compare equal. Version ids stay in: a retried CreatePolicyVersion that made a surplus version is a real
difference. A policy's AttachmentCount is left out: the entities it is attached to are compared instead, and
moto counts a repeated AttachUserPolicy/AttachRolePolicy of an already attached policy twice (real IAM does
not), so after a retried attach the count says 2 while one user holds the policy.

Documents are canonicalised (key order, order of statements and of string lists) because IAM attaches no
meaning to that order and a module that rebuilt a document in a different order did not change anything.

``cli_profile(config_file, name)`` is the one AWS CLI profile section the main playbook writes.
"""

from __future__ import annotations

import configparser
import json
import os
import typing as t
import urllib.parse

ACCOUNT_PROFILES = {"source": "source-admin", "target": "target-admin"}


def canonical(document: t.Any) -> t.Any:
    """A policy document in a form where equal meaning (modulo order) gives equal values."""
    if isinstance(document, str):
        # IAM hands documents back URL-encoded; boto3 decodes most but not all of them.
        text = urllib.parse.unquote(document) if document.lstrip().startswith("%7B") else document
        try:
            document = json.loads(text)
        except ValueError:
            return document
    return _canonical_value(document)


def _canonical_value(value: t.Any) -> t.Any:
    if isinstance(value, dict):
        return {key: _canonical_value(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical_value(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _pages(client: t.Any, operation: str, key: str, **kwargs: t.Any) -> list[t.Any]:
    items: list[t.Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _tags(tags: t.Iterable[t.Mapping[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or ()}


def _attached(items: t.Iterable[t.Mapping[str, str]]) -> list[str]:
    return sorted(item["PolicyArn"] for item in items)


def _roles(iam: t.Any) -> dict[str, t.Any]:
    roles: dict[str, t.Any] = {}
    for listed in _pages(iam, "list_roles", "Roles"):
        name = listed["RoleName"]
        role = iam.get_role(RoleName=name)["Role"]
        inline = {policy: canonical(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
                  for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)}
        roles[name] = {
            "path": role.get("Path"),
            "arn": role.get("Arn"),
            "description": role.get("Description", ""),
            "trust_policy": canonical(role.get("AssumeRolePolicyDocument")),
            "max_session_duration": role.get("MaxSessionDuration"),
            "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "tags": _tags(_pages(iam, "list_role_tags", "Tags", RoleName=name)),
            "managed_policies": _attached(_pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)),
            "inline_policies": inline,
            "instance_profiles": sorted(p["InstanceProfileName"]
                                        for p in _pages(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)),
        }
    return roles


def _users(iam: t.Any) -> dict[str, t.Any]:
    users: dict[str, t.Any] = {}
    for listed in _pages(iam, "list_users", "Users"):
        name = listed["UserName"]
        user = iam.get_user(UserName=name)["User"]
        users[name] = {
            "path": user.get("Path"),
            "permissions_boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "tags": _tags(_pages(iam, "list_user_tags", "Tags", UserName=name)),
            "managed_policies": _attached(_pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)),
            "inline_policies": {policy: canonical(iam.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"])
                                for policy in _pages(iam, "list_user_policies", "PolicyNames", UserName=name)},
            "groups": sorted(g["GroupName"] for g in _pages(iam, "list_groups_for_user", "Groups", UserName=name)),
        }
    return users


def _groups(iam: t.Any) -> dict[str, t.Any]:
    groups: dict[str, t.Any] = {}
    for listed in _pages(iam, "list_groups", "Groups"):
        name = listed["GroupName"]
        groups[name] = {
            "path": listed.get("Path"),
            "managed_policies": _attached(_pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=name)),
            "inline_policies": {policy: canonical(iam.get_group_policy(GroupName=name, PolicyName=policy)["PolicyDocument"])
                                for policy in _pages(iam, "list_group_policies", "PolicyNames", GroupName=name)},
        }
    return groups


def _policies(iam: t.Any) -> dict[str, t.Any]:
    policies: dict[str, t.Any] = {}
    for listed in _pages(iam, "list_policies", "Policies", Scope="Local"):
        arn = listed["Arn"]
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        versions = {}
        for version in _pages(iam, "list_policy_versions", "Versions", PolicyArn=arn):
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])["PolicyVersion"]["Document"]
            versions[version["VersionId"]] = {"default": bool(version.get("IsDefaultVersion")), "document": canonical(document)}
        entities = {
            "users": sorted(u["UserName"] for u in _pages(iam, "list_entities_for_policy", "PolicyUsers", PolicyArn=arn)),
            "groups": sorted(g["GroupName"] for g in _pages(iam, "list_entities_for_policy", "PolicyGroups", PolicyArn=arn)),
            "roles": sorted(r["RoleName"] for r in _pages(iam, "list_entities_for_policy", "PolicyRoles", PolicyArn=arn)),
        }
        policies[arn] = {
            "name": policy.get("PolicyName"),
            "path": policy.get("Path"),
            "description": policy.get("Description", ""),
            "default_version_id": policy.get("DefaultVersionId"),
            "versions": versions,
            "attached_to": entities,
            "tags": _tags(_pages(iam, "list_policy_tags", "Tags", PolicyArn=arn)),
        }
    return policies


def _instance_profiles(iam: t.Any) -> dict[str, t.Any]:
    return {p["InstanceProfileName"]: {"path": p.get("Path"), "roles": sorted(r["RoleName"] for r in p.get("Roles", []))}
            for p in _pages(iam, "list_instance_profiles", "InstanceProfiles")}


def account_snapshot(iam: t.Any) -> dict[str, t.Any]:
    """Everything IAM holds in the account of this client that the collection could have touched."""
    return {
        "roles": _roles(iam),
        "users": _users(iam),
        "groups": _groups(iam),
        "policies": _policies(iam),
        "instance_profiles": _instance_profiles(iam),
    }


def cli_profile(config_file: str | os.PathLike[str] | None, name: str) -> dict[str, str] | None:
    """The ``[profile NAME]`` section of an AWS CLI config file (None: no such file or section)."""
    if not config_file or not os.path.exists(config_file):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config_file, encoding="utf-8")
    for section in (f"profile {name}", name):
        if parser.has_section(section):
            return dict(parser.items(section))
    return None


def snapshot(emu: t.Any, profile_config_file: str | os.PathLike[str] | None = None, profile_name: str | None = None) -> dict[str, t.Any]:
    """The IAM state of the source and target accounts (+ the CLI profile when a file and name are given).

    Reads only (list/get calls), with the emulator's admin profiles; faults must be off while it runs.
    """
    state: dict[str, t.Any] = {account: account_snapshot(emu.aws("iam", profile, max_attempts=3))
                               for account, profile in ACCOUNT_PROFILES.items()}
    if profile_name is not None:
        state["cli_profile"] = cli_profile(profile_config_file, profile_name)
    return state


def differences(expected: t.Any, actual: t.Any, path: str = "") -> list[str]:
    """Readable paths where two snapshots differ (for assertion messages)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[str] = []
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}/{key}"
            if key not in actual:
                found.append(f"{where}: missing (expected {json.dumps(expected[key], sort_keys=True)[:300]})")
            elif key not in expected:
                found.append(f"{where}: unexpected {json.dumps(actual[key], sort_keys=True)[:300]}")
            else:
                found.extend(differences(expected[key], actual[key], where))
        return found
    if expected != actual:
        return [f"{path or '/'}: expected {json.dumps(expected, sort_keys=True)[:300]}, got {json.dumps(actual, sort_keys=True)[:300]}"]
    return []
