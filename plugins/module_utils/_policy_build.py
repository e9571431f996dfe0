# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: policy documents built from intent.

Trust statements, one per intent kind, with exactly that intent's conditions:

- ``principals``: account roots and principal ARNs, optional external id / MFA;
- ``organization``: Principal ``*`` under ``StringEquals aws:PrincipalOrgID`` and/or
  ``ForAnyValue:StringLike aws:PrincipalOrgPaths``;
- ``patterns``: the roots of the patterns' accounts under ``ArnLike aws:PrincipalArn`` (survives a
  principal being deleted and created again, which a named ARN does not);
- ``services``: service principals, optionally under ``aws:SourceAccount`` / ``aws:SourceArn``;
- ``oidc``: ``sts:AssumeRoleWithWebIdentity`` from a ``Federated`` OIDC provider under
  ``StringEquals HOST:aud`` and ``StringLike HOST:sub``;

and the source account's identity policies (exact role ARNs, or one role name in every account of an
organization). Editing an existing trust policy statement by statement is ``_policy_merge``. Pure: no AWS
call, inputs never mutated.
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass, replace

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import ACCOUNT_ID_RE, parse_arn, root_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    ASSUME_ROLE,
    DEFAULT_VERSION,
    EXTERNAL_ID_KEY,
    MFA_KEY,
    ORG_ID_KEY,
    ORG_PATHS_KEY,
    PRINCIPAL_ARN_KEY,
    RESOURCE_ORG_ID_KEY,
    SET_SOURCE_IDENTITY,
    SOURCE_ACCOUNT_KEY,
    SOURCE_ARN_KEY,
    TAG_SESSION,
    WEB_IDENTITY,
    Document,
    canon_aws_principal,
    check_partition,
    has_unconditioned_wildcard,
    sorted_unique,
)

TRUST_SID = "CrossAccountAssumeRole"
ORG_SID = "TrustOrganization"
PATTERNS_SID = "TrustPrincipalPatterns"
SERVICES_SID = "TrustServices"
OIDC_SID = "TrustWebIdentity"
SOURCE_SID = "AllowAssumeCrossAccountRole"
SOURCE_ORG_SID = "AllowAssumeRoleInOrganization"
# The operator of the OU-path condition: a caller's path matches any of the patterns.
ORG_PATHS_OPERATOR = "ForAnyValue:StringLike"


@dataclass(frozen=True)
class TrustIntent:
    """Who may assume a role, and under which conditions: the trust options of target_role and trust_policy.

    The one model of a trust intent: ``_trust`` builds it from the options (validated), this file turns
    it into statements and ``_policy_merge`` merges it into (or removes it from) a stored trust policy.
    ``oidc_provider`` is the provider's ARN, or the ``host/path`` of its issuer URL until ``resolve()``
    names the provider in the role's account (only the caller knows that account).
    """

    account_ids: tuple[str, ...] = ()
    principal_arns: tuple[str, ...] = ()
    external_id: str | None = None
    require_mfa: bool = False
    allow_session_tags: bool = False
    allow_source_identity: bool = False
    org_id: str | None = None
    org_paths: tuple[str, ...] = ()
    principal_patterns: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    source_account: str | None = None
    source_arn: str | None = None
    oidc_provider: str | None = None
    oidc_audiences: tuple[str, ...] = ()
    oidc_subjects: tuple[str, ...] = ()

    @property
    def principals(self) -> tuple[str, ...]:
        """Account ids and principal ARNs (the engine turns ids into root ARNs of the partition)."""
        return self.account_ids + self.principal_arns

    @property
    def has_org(self) -> bool:
        return bool(self.org_id or self.org_paths)

    @property
    def has_principals(self) -> bool:
        """Anyone to trust at all (account, ARN, organization, pattern, service or OIDC provider)."""
        return bool(self.principals or self.has_org or self.principal_patterns or self.services or self.oidc_provider)

    @property
    def organization(self) -> str | None:
        """The organization named by the org id or, without one, by the paths (validated to be one)."""
        if self.org_id:
            return self.org_id
        return self.org_paths[0].split("/", 1)[0] if self.org_paths else None

    def principal_option(self) -> str:
        """The first option that names who is trusted, for messages about the intent as a whole."""
        for option, value in (("trusted_account_ids", self.account_ids), ("trusted_principal_arns", self.principal_arns),
                              ("trusted_org_id", self.org_id), ("trusted_org_paths", self.org_paths),
                              ("trusted_principal_patterns", self.principal_patterns), ("trusted_services", self.services),
                              ("trusted_oidc", self.oidc_provider)):
            if value:
                return option
        return "trusted_account_ids"

    def describe(self) -> str:
        """What the intent names, for messages."""
        parts = [*self.account_ids, *self.principal_arns, *([f"organization {self.org_id}"] if self.org_id else []), *self.org_paths,
                 *self.principal_patterns, *self.services, *([f"OIDC provider {self.oidc_provider}"] if self.oidc_provider else [])]
        return ", ".join(parts)

    def resolve(self, partition: str, account: str) -> TrustIntent:
        """The intent with its OIDC provider named by ARN in the role's account (what statements need)."""
        if not self.oidc_provider:
            return self
        return replace(self, oidc_provider=oidc_provider_arn(self.oidc_provider, account, partition))


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------

def trust_actions(allow_session_tags: bool = False, allow_source_identity: bool = False) -> list[str]:
    """The actions a trust statement grants: sts:AssumeRole plus the opted-in extras, sorted."""
    actions = [ASSUME_ROLE]
    if allow_session_tags:
        actions.append(TAG_SESSION)
    if allow_source_identity:
        actions.append(SET_SOURCE_IDENTITY)
    return sorted(actions)


def trust_condition(external_id: str | None = None, require_mfa: bool = False) -> dict[str, t.Any]:
    """The Condition block for the requested external id and MFA requirement ({} for none)."""
    condition: dict[str, dict[str, str]] = {}
    if external_id is not None and external_id != "":
        condition["StringEquals"] = {EXTERNAL_ID_KEY: external_id}
    if require_mfa:
        condition["Bool"] = {MFA_KEY: "true"}
    return condition


def _principal_arns(account_ids: t.Iterable[str], principal_arns: t.Iterable[str], partition: str) -> list[str]:
    result = []
    for account in account_ids or ():
        text = str(account).strip()
        if not ACCOUNT_ID_RE.fullmatch(text):
            raise ValueError(f"account id {text!r} is not 12 digits")
        result.append(root_arn(text, partition))
    for arn in principal_arns or ():
        result.append(canon_aws_principal(arn, partition))
    return sorted_unique(result)


def trust_statement(sid: str, principals: list[str], actions: list[str], condition: dict[str, t.Any]) -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": list(actions),
    }
    if condition:
        statement["Condition"] = copy.deepcopy(condition)
    return statement


def one_or_list(values: t.Iterable[str]) -> str | list[str]:
    items = sorted(set(values))
    return items[0] if len(items) == 1 else items


def _with_condition(statement: dict[str, t.Any], condition: dict[str, dict[str, t.Any]]) -> dict[str, t.Any]:
    blocks = {operator: block for operator, block in condition.items() if block}
    if blocks:
        statement["Condition"] = blocks
    return statement


def _principal_conditions(intent: TrustIntent) -> dict[str, dict[str, t.Any]]:
    """external id / MFA, as for account principals."""
    return {operator: dict(block) for operator, block in trust_condition(intent.external_id, intent.require_mfa).items()}


def oidc_host(provider_arn: str) -> str:
    """``token.actions.githubusercontent.com`` from ``arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com``."""
    return provider_arn.split(":oidc-provider/", 1)[-1]


def oidc_provider_arn(provider: str, account: str, partition: str) -> str:
    """The provider's ARN in the role's account from a validated ``host/path`` or ARN."""
    if provider.startswith("arn:"):
        return provider
    return f"arn:{partition}:iam::{account}:oidc-provider/{provider}"


def org_statement(intent: TrustIntent, sid: str = ORG_SID) -> dict[str, t.Any]:
    condition = _principal_conditions(intent)
    if intent.org_id:
        condition.setdefault("StringEquals", {})[ORG_ID_KEY] = intent.org_id
    if intent.org_paths:
        condition[ORG_PATHS_OPERATOR] = {ORG_PATHS_KEY: one_or_list(intent.org_paths)}
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": trust_actions(intent.allow_session_tags, intent.allow_source_identity)}
    return _with_condition(statement, condition)


def pattern_roots(patterns: t.Iterable[str]) -> list[str]:
    roots = set()
    for pattern in patterns:
        parsed = parse_arn(pattern)
        if parsed is None or not parsed.account.isdigit():
            raise ValueError(f"principal pattern {pattern!r} does not name a concrete account")
        roots.add(root_arn(parsed.account, parsed.partition))
    return sorted(roots)


def patterns_statement(intent: TrustIntent, patterns: t.Iterable[str] | None = None, sid: str = PATTERNS_SID) -> dict[str, t.Any]:
    members = sorted(set(intent.principal_patterns if patterns is None else patterns))
    condition = _principal_conditions(intent)
    condition["ArnLike"] = {PRINCIPAL_ARN_KEY: one_or_list(members)}
    roots = pattern_roots(members)
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": roots[0] if len(roots) == 1 else roots},
                 "Action": trust_actions(intent.allow_session_tags, intent.allow_source_identity)}
    return _with_condition(statement, condition)


def services_statement(intent: TrustIntent, services: t.Iterable[str] | None = None, sid: str = SERVICES_SID) -> dict[str, t.Any]:
    members = sorted({s.lower() for s in (intent.services if services is None else services)})
    condition: dict[str, dict[str, t.Any]] = {}
    if intent.source_account:
        condition["StringEquals"] = {SOURCE_ACCOUNT_KEY: intent.source_account}
    if intent.source_arn:
        condition["ArnLike"] = {SOURCE_ARN_KEY: intent.source_arn}
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": members[0] if len(members) == 1 else members},
                 "Action": trust_actions(intent.allow_session_tags, intent.allow_source_identity)}
    return _with_condition(statement, condition)


def _web_actions(intent: TrustIntent) -> list[str]:
    actions = [WEB_IDENTITY]
    if intent.allow_session_tags:
        actions.append(TAG_SESSION)
    if intent.allow_source_identity:
        actions.append(SET_SOURCE_IDENTITY)
    return sorted(actions)


def oidc_statement(intent: TrustIntent, subjects: t.Iterable[str] | None = None, sid: str = OIDC_SID) -> dict[str, t.Any]:
    provider = intent.oidc_provider
    if not provider or not provider.startswith("arn:"):
        raise ValueError("an OIDC statement needs the provider's ARN (resolve() the intent in the role's account first)")
    host = oidc_host(provider)
    members = sorted(set(intent.oidc_subjects if subjects is None else subjects))
    if not members or not intent.oidc_audiences:
        raise ValueError("an OIDC statement needs an audience and at least one subject")
    if any(not subject.strip("*?") for subject in members):
        raise ValueError("an OIDC subject made only of wildcards would trust every identity of the provider")
    condition = {
        "StringEquals": {f"{host}:aud": one_or_list(intent.oidc_audiences)},
        "StringLike": {f"{host}:sub": one_or_list(members)},
    }
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Federated": provider}, "Action": _web_actions(intent)}
    return _with_condition(statement, condition)


def intent_statements(intent: TrustIntent, partition: str = "aws") -> list[dict[str, t.Any]]:
    """The statements the intent asks for, in a fixed order (principals, organization, patterns, services, OIDC)."""
    check_partition(partition)
    statements = []
    if intent.principals:
        principals = _principal_arns(intent.account_ids, intent.principal_arns, partition)
        statements.append(trust_statement(
            TRUST_SID, principals, trust_actions(intent.allow_session_tags, intent.allow_source_identity),
            trust_condition(intent.external_id, intent.require_mfa)))
    if intent.has_org:
        statements.append(org_statement(intent))
    if intent.principal_patterns:
        statements.append(patterns_statement(intent))
    if intent.services:
        statements.append(services_statement(intent))
    if intent.oidc_provider:
        statements.append(oidc_statement(intent))
    return statements


def build_trust(intent: TrustIntent, partition: str = "aws") -> Document:
    """A whole trust policy from an intent (target_role). Raises ValueError without any trusted party."""
    statements = intent_statements(intent, partition)
    if not statements:
        raise ValueError("a trust policy needs at least one trusted account, principal, organization, pattern, service or OIDC provider")
    document = {"Version": DEFAULT_VERSION, "Statement": statements}
    if has_unconditioned_wildcard(document):
        raise ValueError("a trust policy must not trust principal '*' without a condition that narrows it")
    return document


# --------------------------------------------------------------------------------------------
# Source policies (the source account's side)
# --------------------------------------------------------------------------------------------

def build_source_policy(
    target_role_arns: t.Iterable[str], allow_session_tags: bool = False, allow_source_identity: bool = False
) -> Document:
    """The least-privilege identity policy: sts:AssumeRole (plus opted-in actions) on exactly these roles."""
    if isinstance(target_role_arns, str):
        target_role_arns = [target_role_arns]
    resources = sorted_unique(str(arn).strip() for arn in target_role_arns or ())
    if not resources:
        raise ValueError("a source policy needs at least one target role ARN")
    wildcards = [arn for arn in resources if any(char in arn for char in "*?$")]
    if wildcards:
        # In Resource these are wildcards or policy variables: more than exactly these roles.
        raise ValueError(f"a source policy grants exact role ARNs only, got {', '.join(wildcards)}")
    statement = {
        "Sid": SOURCE_SID,
        "Effect": "Allow",
        "Action": trust_actions(allow_session_tags, allow_source_identity),
        "Resource": resources,
    }
    return {"Version": DEFAULT_VERSION, "Statement": [statement]}


def build_source_org_policy(organization_id: str, role_name: str, role_path: str = "/", partition: str = "aws",
                            allow_session_tags: bool = False, allow_source_identity: bool = False) -> Document:
    """sts:AssumeRole on the role named ``role_path + role_name`` in any account, only under
    ``StringEquals aws:ResourceOrgID``: one constant-size policy for every account of an organization."""
    check_partition(partition)
    path = "/" if not role_path or role_path == "/" else "/" + role_path.strip("/") + "/"
    if any(char in role_name + path for char in "*?$"):
        raise ValueError("role name and path must not contain '*', '?' or '$' (wildcards or variables in a Resource)")
    statement = {
        "Sid": SOURCE_ORG_SID,
        "Effect": "Allow",
        "Action": trust_actions(allow_session_tags, allow_source_identity),
        "Resource": f"arn:{partition}:iam::*:role{path}{role_name}",
        "Condition": {"StringEquals": {RESOURCE_ORG_ID_KEY: organization_id}},
    }
    return {"Version": DEFAULT_VERSION, "Statement": [statement]}
