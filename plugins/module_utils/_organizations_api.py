# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: AWS Organizations reads, one small function per API call.

Shared by the modules (the guardrail checks, through ``_organization_reader``) and the organization_accounts
inventory (``plugin_utils/_organizations``). Every list goes through botocore's paginators, which follow
``NextToken`` even across empty pages as the Organizations API reference asks; throttling
(``TooManyRequestsException``) is retried by the connection's standard retry mode.
"""

from __future__ import annotations

import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._errors import aws_operation


def pages(client: t.Any, operation: str, key: str, **params: t.Any) -> list[dict[str, t.Any]]:
    """Every item of every page of a paginated Organizations list call."""
    items: list[dict[str, t.Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key) or [])
    return items


@aws_operation("organizations:DescribeOrganization")
def describe_organization(client: t.Any) -> dict[str, t.Any]:
    return dict(client.describe_organization()["Organization"])


@aws_operation("organizations:ListRoots")
def list_roots(client: t.Any) -> list[dict[str, t.Any]]:
    return pages(client, "list_roots", "Roots")


@aws_operation("organizations:ListOrganizationalUnitsForParent")
def list_organizational_units(client: t.Any, parent_id: str) -> list[dict[str, t.Any]]:
    return pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id)


@aws_operation("organizations:ListAccountsForParent")
def list_accounts_for_parent(client: t.Any, parent_id: str) -> list[dict[str, t.Any]]:
    return pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent_id)


@aws_operation("organizations:ListTagsForResource")
def list_tags(client: t.Any, resource_id: str) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in pages(client, "list_tags_for_resource", "Tags", ResourceId=resource_id)}


@aws_operation("organizations:ListParents", missing=("ChildNotFoundException",))
def list_parents(client: t.Any, child_id: str) -> list[dict[str, t.Any]] | None:
    """The parent (a root or OU) of an account or OU; None when the organization has no such child."""
    return pages(client, "list_parents", "Parents", ChildId=child_id)


@aws_operation("organizations:ListPoliciesForTarget")
def list_policies_for_target(client: t.Any, target_id: str, policy_type: str) -> list[dict[str, t.Any]]:
    """Summaries (Id, Arn, Name, Type, AwsManaged) of the policies of one type attached directly to a root, OU or account."""
    return pages(client, "list_policies_for_target", "Policies", TargetId=target_id, Filter=policy_type)


@aws_operation("organizations:ListPolicies")
def list_policies(client: t.Any, policy_type: str) -> list[dict[str, t.Any]]:
    return pages(client, "list_policies", "Policies", Filter=policy_type)


@aws_operation("organizations:ListTargetsForPolicy")
def list_targets_for_policy(client: t.Any, policy_id: str) -> list[dict[str, t.Any]]:
    """The roots, OUs and accounts (TargetId, Type) a policy is attached to."""
    return pages(client, "list_targets_for_policy", "Targets", PolicyId=policy_id)


@aws_operation("organizations:DescribePolicy")
def describe_policy(client: t.Any, policy_id: str) -> dict[str, t.Any]:
    """``PolicySummary`` and ``Content`` (the document as JSON text)."""
    return dict(client.describe_policy(PolicyId=policy_id)["Policy"])
