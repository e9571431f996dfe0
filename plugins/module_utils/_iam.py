# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: one small function per IAM API call.

Each function takes the boto3 IAM client first and is wrapped by ``aws_operation`` so a
botocore failure becomes one CrossAccountError naming the operation and the error code.
Where absence is a normal answer (``NoSuchEntity``) the function returns None (reads) or
False (deletes/detaches) instead of raising, which is also what makes a botocore retry of
a write that was already applied harmless. Throttling and 5xx retries come from the
client's botocore retry configuration, so there are no retry loops here.
"""

from __future__ import annotations

import json
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._errors import aws_operation

# --- roles ---


def _doc(document: t.Any) -> str:
    # IAM wants the policy as a JSON string; compact separators keep the request small.
    return document if isinstance(document, str) else json.dumps(document, separators=(",", ":"), sort_keys=True)


@aws_operation("iam:GetRole", missing=("NoSuchEntity",))
def get_role(client: t.Any, name: str) -> dict[str, t.Any] | None:
    return t.cast("dict[str, t.Any]", client.get_role(RoleName=name)["Role"])


@aws_operation("iam:CreateRole")
def create_role(client: t.Any, name: str, path: str, trust_policy: t.Any, description: str | None = None,
                max_session_duration: int | None = None, permissions_boundary: str | None = None,
                tags: dict[str, str] | None = None) -> dict[str, t.Any]:
    params: dict[str, t.Any] = {"RoleName": name, "Path": path, "AssumeRolePolicyDocument": _doc(trust_policy)}
    if description is not None:
        params["Description"] = description
    if max_session_duration is not None:
        params["MaxSessionDuration"] = max_session_duration
    if permissions_boundary:
        params["PermissionsBoundary"] = permissions_boundary
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return t.cast("dict[str, t.Any]", client.create_role(**params)["Role"])


@aws_operation("iam:DeleteRole", missing=("NoSuchEntity",), missing_value=False)
def delete_role(client: t.Any, name: str) -> bool:
    client.delete_role(RoleName=name)
    return True


@aws_operation("iam:UpdateRole")
def update_role(client: t.Any, name: str, description: str | None = None, max_session_duration: int | None = None) -> None:
    params: dict[str, t.Any] = {"RoleName": name}
    if description is not None:
        params["Description"] = description
    if max_session_duration is not None:
        params["MaxSessionDuration"] = max_session_duration
    client.update_role(**params)


@aws_operation("iam:UpdateAssumeRolePolicy")
def update_assume_role_policy(client: t.Any, name: str, document: t.Any) -> None:
    client.update_assume_role_policy(RoleName=name, PolicyDocument=_doc(document))


@aws_operation("iam:PutRolePermissionsBoundary")
def put_role_permissions_boundary(client: t.Any, name: str, boundary_arn: str) -> None:
    client.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary_arn)


@aws_operation("iam:DeleteRolePermissionsBoundary", missing=("NoSuchEntity",), missing_value=False)
def delete_role_permissions_boundary(client: t.Any, name: str) -> bool:
    client.delete_role_permissions_boundary(RoleName=name)
    return True


@aws_operation("iam:ListRoleTags")
def list_role_tags(client: t.Any, name: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in client.get_paginator("list_role_tags").paginate(RoleName=name):
        for tag in page.get("Tags", []):
            tags[tag["Key"]] = tag["Value"]
    return tags


@aws_operation("iam:TagRole")
def tag_role(client: t.Any, name: str, tags: dict[str, str]) -> None:
    client.tag_role(RoleName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


@aws_operation("iam:UntagRole")
def untag_role(client: t.Any, name: str, keys: t.Iterable[str]) -> None:
    client.untag_role(RoleName=name, TagKeys=list(keys))


@aws_operation("iam:ListAttachedRolePolicies")
def list_attached_role_policies(client: t.Any, name: str) -> list[str]:
    arns: list[str] = []
    for page in client.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        arns.extend(item["PolicyArn"] for item in page.get("AttachedPolicies", []))
    return arns


@aws_operation("iam:AttachRolePolicy")
def attach_role_policy(client: t.Any, name: str, policy_arn: str) -> None:
    client.attach_role_policy(RoleName=name, PolicyArn=policy_arn)


@aws_operation("iam:DetachRolePolicy", missing=("NoSuchEntity",), missing_value=False)
def detach_role_policy(client: t.Any, name: str, policy_arn: str) -> bool:
    client.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return True


@aws_operation("iam:ListRolePolicies")
def list_role_policies(client: t.Any, name: str) -> list[str]:
    names: list[str] = []
    for page in client.get_paginator("list_role_policies").paginate(RoleName=name):
        names.extend(page.get("PolicyNames", []))
    return names


@aws_operation("iam:GetRolePolicy", missing=("NoSuchEntity",))
def get_role_policy(client: t.Any, name: str, policy_name: str) -> dict[str, t.Any] | None:
    document = client.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
    # boto3 decodes the URL-encoded JSON into a dict; a plain string would mean an older botocore.
    return t.cast("dict[str, t.Any]", json.loads(document) if isinstance(document, str) else document)


@aws_operation("iam:PutRolePolicy")
def put_role_policy(client: t.Any, name: str, policy_name: str, document: t.Any) -> None:
    client.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=_doc(document))


@aws_operation("iam:DeleteRolePolicy", missing=("NoSuchEntity",), missing_value=False)
def delete_role_policy(client: t.Any, name: str, policy_name: str) -> bool:
    client.delete_role_policy(RoleName=name, PolicyName=policy_name)
    return True


@aws_operation("iam:ListInstanceProfilesForRole")
def list_instance_profiles_for_role(client: t.Any, name: str) -> list[str]:
    profiles: list[str] = []
    for page in client.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name):
        profiles.extend(item["InstanceProfileName"] for item in page.get("InstanceProfiles", []))
    return profiles


@aws_operation("iam:RemoveRoleFromInstanceProfile", missing=("NoSuchEntity",), missing_value=False)
def remove_role_from_instance_profile(client: t.Any, name: str, profile_name: str) -> bool:
    client.remove_role_from_instance_profile(RoleName=name, InstanceProfileName=profile_name)
    return True


@aws_operation("iam:GetPolicy", missing=("NoSuchEntity",))
def get_policy(client: t.Any, policy_arn: str) -> dict[str, t.Any] | None:
    return t.cast("dict[str, t.Any]", client.get_policy(PolicyArn=policy_arn)["Policy"])


@aws_operation("iam:GetUser", missing=("NoSuchEntity",))
def get_user(client: t.Any, name: str) -> dict[str, t.Any] | None:
    return t.cast("dict[str, t.Any]", client.get_user(UserName=name)["User"])


@aws_operation("iam:GetGroup", missing=("NoSuchEntity",))
def get_group(client: t.Any, name: str) -> dict[str, t.Any] | None:
    # Only the group itself is wanted; MaxItems=1 keeps the member list out of the answer.
    return t.cast("dict[str, t.Any]", client.get_group(GroupName=name, MaxItems=1)["Group"])


# --- customer managed policies, users and groups ---


def _decoded(document: t.Any) -> t.Any:
    # boto3 decodes URL-encoded policy documents into dicts; a string would mean an older botocore.
    return json.loads(document) if isinstance(document, str) else document


@aws_operation("iam:CreatePolicy")
def create_policy(client: t.Any, name: str, path: str, document: t.Any, description: str | None = None) -> dict[str, t.Any]:
    params: dict[str, t.Any] = {"PolicyName": name, "Path": path, "PolicyDocument": _doc(document)}
    if description:
        params["Description"] = description
    return t.cast("dict[str, t.Any]", client.create_policy(**params)["Policy"])


@aws_operation("iam:DeletePolicy", missing=("NoSuchEntity",), missing_value=False)
def delete_policy(client: t.Any, policy_arn: str) -> bool:
    client.delete_policy(PolicyArn=policy_arn)
    return True


@aws_operation("iam:ListPolicyVersions", missing=("NoSuchEntity",), missing_value=[])
def list_policy_versions(client: t.Any, policy_arn: str) -> list[dict[str, t.Any]]:
    versions: list[dict[str, t.Any]] = []
    for page in client.get_paginator("list_policy_versions").paginate(PolicyArn=policy_arn):
        versions.extend(page.get("Versions", []))
    return versions


@aws_operation("iam:GetPolicyVersion", missing=("NoSuchEntity",))
def get_policy_version(client: t.Any, policy_arn: str, version_id: str) -> dict[str, t.Any] | None:
    version = dict(client.get_policy_version(PolicyArn=policy_arn, VersionId=version_id)["PolicyVersion"])
    version["Document"] = _decoded(version.get("Document"))
    return version


@aws_operation("iam:CreatePolicyVersion")
def create_policy_version(client: t.Any, policy_arn: str, document: t.Any, set_as_default: bool = True) -> dict[str, t.Any]:
    response = client.create_policy_version(PolicyArn=policy_arn, PolicyDocument=_doc(document), SetAsDefault=set_as_default)
    return t.cast("dict[str, t.Any]", response["PolicyVersion"])


@aws_operation("iam:DeletePolicyVersion", missing=("NoSuchEntity",), missing_value=False)
def delete_policy_version(client: t.Any, policy_arn: str, version_id: str) -> bool:
    client.delete_policy_version(PolicyArn=policy_arn, VersionId=version_id)
    return True


@aws_operation("iam:SetDefaultPolicyVersion")
def set_default_policy_version(client: t.Any, policy_arn: str, version_id: str) -> None:
    client.set_default_policy_version(PolicyArn=policy_arn, VersionId=version_id)


@aws_operation("iam:ListEntitiesForPolicy", missing=("NoSuchEntity",), missing_value={"users": [], "groups": [], "roles": []})
def list_entities_for_policy(client: t.Any, policy_arn: str) -> dict[str, list[str]]:
    """Names of the users, groups and roles the managed policy is attached to."""
    entities: dict[str, list[str]] = {"users": [], "groups": [], "roles": []}
    for page in client.get_paginator("list_entities_for_policy").paginate(PolicyArn=policy_arn):
        entities["users"].extend(item["UserName"] for item in page.get("PolicyUsers", []))
        entities["groups"].extend(item["GroupName"] for item in page.get("PolicyGroups", []))
        entities["roles"].extend(item["RoleName"] for item in page.get("PolicyRoles", []))
    return entities


@aws_operation("iam:AttachUserPolicy")
def attach_user_policy(client: t.Any, name: str, policy_arn: str) -> None:
    client.attach_user_policy(UserName=name, PolicyArn=policy_arn)


@aws_operation("iam:DetachUserPolicy", missing=("NoSuchEntity",), missing_value=False)
def detach_user_policy(client: t.Any, name: str, policy_arn: str) -> bool:
    client.detach_user_policy(UserName=name, PolicyArn=policy_arn)
    return True


@aws_operation("iam:AttachGroupPolicy")
def attach_group_policy(client: t.Any, name: str, policy_arn: str) -> None:
    client.attach_group_policy(GroupName=name, PolicyArn=policy_arn)


@aws_operation("iam:DetachGroupPolicy", missing=("NoSuchEntity",), missing_value=False)
def detach_group_policy(client: t.Any, name: str, policy_arn: str) -> bool:
    client.detach_group_policy(GroupName=name, PolicyArn=policy_arn)
    return True


@aws_operation("iam:ListUserPolicies")
def list_user_policies(client: t.Any, name: str) -> list[str]:
    names: list[str] = []
    for page in client.get_paginator("list_user_policies").paginate(UserName=name):
        names.extend(page.get("PolicyNames", []))
    return names


@aws_operation("iam:GetUserPolicy", missing=("NoSuchEntity",))
def get_user_policy(client: t.Any, name: str, policy_name: str) -> dict[str, t.Any] | None:
    return t.cast("dict[str, t.Any]", _decoded(client.get_user_policy(UserName=name, PolicyName=policy_name)["PolicyDocument"]))


@aws_operation("iam:PutUserPolicy")
def put_user_policy(client: t.Any, name: str, policy_name: str, document: t.Any) -> None:
    client.put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=_doc(document))


@aws_operation("iam:DeleteUserPolicy", missing=("NoSuchEntity",), missing_value=False)
def delete_user_policy(client: t.Any, name: str, policy_name: str) -> bool:
    client.delete_user_policy(UserName=name, PolicyName=policy_name)
    return True


@aws_operation("iam:ListGroupPolicies")
def list_group_policies(client: t.Any, name: str) -> list[str]:
    names: list[str] = []
    for page in client.get_paginator("list_group_policies").paginate(GroupName=name):
        names.extend(page.get("PolicyNames", []))
    return names


@aws_operation("iam:GetGroupPolicy", missing=("NoSuchEntity",))
def get_group_policy(client: t.Any, name: str, policy_name: str) -> dict[str, t.Any] | None:
    return t.cast("dict[str, t.Any]", _decoded(client.get_group_policy(GroupName=name, PolicyName=policy_name)["PolicyDocument"]))


@aws_operation("iam:PutGroupPolicy")
def put_group_policy(client: t.Any, name: str, policy_name: str, document: t.Any) -> None:
    client.put_group_policy(GroupName=name, PolicyName=policy_name, PolicyDocument=_doc(document))


@aws_operation("iam:DeleteGroupPolicy", missing=("NoSuchEntity",), missing_value=False)
def delete_group_policy(client: t.Any, name: str, policy_name: str) -> bool:
    client.delete_group_policy(GroupName=name, PolicyName=policy_name)
    return True


# --- identity policy reads for verify_access ---


@aws_operation("iam:ListAttachedUserPolicies")
def list_attached_user_policies(client: t.Any, name: str) -> list[str]:
    arns: list[str] = []
    for page in client.get_paginator("list_attached_user_policies").paginate(UserName=name):
        arns.extend(item["PolicyArn"] for item in page.get("AttachedPolicies", []))
    return arns


@aws_operation("iam:ListGroupsForUser")
def list_groups_for_user(client: t.Any, name: str) -> list[str]:
    names: list[str] = []
    for page in client.get_paginator("list_groups_for_user").paginate(UserName=name):
        names.extend(item["GroupName"] for item in page.get("Groups", []))
    return names


@aws_operation("iam:ListAttachedGroupPolicies")
def list_attached_group_policies(client: t.Any, name: str) -> list[str]:
    arns: list[str] = []
    for page in client.get_paginator("list_attached_group_policies").paginate(GroupName=name):
        arns.extend(item["PolicyArn"] for item in page.get("AttachedPolicies", []))
    return arns


# --- the trust-policy size quota (lint before a trust policy is written) ---


@aws_operation("iam:GetAccountSummary")
def get_account_summary(client: t.Any) -> dict[str, int]:
    """The account's IAM usage and quotas (``SummaryMap``: AssumeRolePolicySizeQuota, ...)."""
    return dict(client.get_account_summary().get("SummaryMap", {}))


# --- OpenID Connect providers (oidc_provider) and role listing (trust_report) ---


@aws_operation("iam:ListOpenIDConnectProviders")
def list_open_id_connect_providers(client: t.Any) -> list[str]:
    # The API does not page: an account holds at most 100 providers.
    return [item["Arn"] for item in client.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])]


@aws_operation("iam:GetOpenIDConnectProvider", missing=("NoSuchEntity",))
def get_open_id_connect_provider(client: t.Any, arn: str) -> dict[str, t.Any] | None:
    answer = dict(client.get_open_id_connect_provider(OpenIDConnectProviderArn=arn))
    answer.pop("ResponseMetadata", None)
    return answer


@aws_operation("iam:CreateOpenIDConnectProvider")
def create_open_id_connect_provider(client: t.Any, url: str, client_ids: t.Sequence[str] = (), thumbprints: t.Sequence[str] = (),
                                    tags: dict[str, str] | None = None) -> str:
    params: dict[str, t.Any] = {"Url": url, "ClientIDList": list(client_ids)}
    if thumbprints:
        # Optional since IAM verifies well-known issuers through its own trusted CAs.
        params["ThumbprintList"] = list(thumbprints)
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return str(client.create_open_id_connect_provider(**params)["OpenIDConnectProviderArn"])


@aws_operation("iam:DeleteOpenIDConnectProvider", missing=("NoSuchEntity",), missing_value=False)
def delete_open_id_connect_provider(client: t.Any, arn: str) -> bool:
    client.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return True


@aws_operation("iam:UpdateOpenIDConnectProviderThumbprint")
def update_open_id_connect_provider_thumbprint(client: t.Any, arn: str, thumbprints: t.Sequence[str]) -> None:
    client.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=list(thumbprints))


@aws_operation("iam:AddClientIDToOpenIDConnectProvider")
def add_client_id_to_open_id_connect_provider(client: t.Any, arn: str, client_id: str) -> None:
    client.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)


@aws_operation("iam:RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id_from_open_id_connect_provider(client: t.Any, arn: str, client_id: str) -> None:
    client.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)


@aws_operation("iam:TagOpenIDConnectProvider")
def tag_open_id_connect_provider(client: t.Any, arn: str, tags: dict[str, str]) -> None:
    client.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


@aws_operation("iam:UntagOpenIDConnectProvider")
def untag_open_id_connect_provider(client: t.Any, arn: str, keys: t.Iterable[str]) -> None:
    client.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=list(keys))


@aws_operation("iam:ListRoles")
def list_roles(client: t.Any, path_prefix: str = "/") -> list[dict[str, t.Any]]:
    """Every role under ``path_prefix``, with its trust policy (botocore decodes the documents)."""
    roles: list[dict[str, t.Any]] = []
    for page in client.get_paginator("list_roles").paginate(PathPrefix=path_prefix):
        roles.extend(page.get("Roles", []))
    return roles
