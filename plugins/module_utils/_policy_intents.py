# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: trust statements beyond account ids, built and edited by intent.

One statement per intent kind, with exactly that intent's conditions:

- ``principals``: account roots and principal ARNs (``_policy.merge_trust``), optional external id / MFA;
- ``organization``: Principal ``*`` under ``StringEquals aws:PrincipalOrgID`` and/or
  ``ForAnyValue:StringLike aws:PrincipalOrgPaths``;
- ``patterns``: the roots of the patterns' accounts under ``ArnLike aws:PrincipalArn`` (survives a
  principal being deleted and created again, which a named ARN does not);
- ``services``: service principals, optionally under ``aws:SourceAccount`` / ``aws:SourceArn``;
- ``oidc``: ``sts:AssumeRoleWithWebIdentity`` from a ``Federated`` OIDC provider under
  ``StringEquals HOST:aud`` and ``StringLike HOST:sub``.

Merging is statement-level: a statement another tool wrote (other conditions, Deny, NotPrincipal, ...)
is never touched, and a document that already means what is asked comes back unchanged (AWS's
rewrites are no change). Pure: no AWS call, inputs never mutated.
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, root_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    ASSUME_ROLE,
    DEFAULT_VERSION,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    TRUST_SID,
    Document,
    _action_set,
    _as_doc,
    _as_list,
    _canon_statement,
    _check_partition,
    _condition_keys,
    _empty_trust_doc,
    _find_partition,
    _json_key,
    _principal_arns,
    _scalar_text,
    _statements,
    _trust_statement,
    _unique_sid,
    _used_sids,
    equivalent,
    merge_trust,
    remove_trust_principals,
    trust_actions,
    trust_condition,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_lint import has_unconditioned_wildcard

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ORG_SID = "TrustOrganization"
PATTERNS_SID = "TrustPrincipalPatterns"
SERVICES_SID = "TrustServices"
OIDC_SID = "TrustWebIdentity"

_ORG_ID_KEY = "aws:PrincipalOrgID"
_ORG_PATHS_KEY = "aws:PrincipalOrgPaths"
_ORG_PATHS_OPERATOR = "ForAnyValue:StringLike"
_PRINCIPAL_ARN_KEY = "aws:PrincipalArn"
_SOURCE_ACCOUNT_KEY = "aws:SourceAccount"
_SOURCE_ARN_KEY = "aws:SourceArn"
_AWS_TRUST_ACTIONS = frozenset(a.lower() for a in (ASSUME_ROLE, TAG_SESSION, SET_SOURCE_IDENTITY))
_WEB_ACTIONS = frozenset(a.lower() for a in (WEB_IDENTITY, TAG_SESSION, SET_SOURCE_IDENTITY))
_EXTRA_KEYS = frozenset({"sts:externalid", "aws:multifactorauthpresent"})
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})


@dataclass(frozen=True)
class TrustIntents:
    """Everything a user can ask of a trust policy through options, validated and resolved.

    ``principals`` are account ids and principal ARNs; ``oidc_provider_arn`` is already the ARN in the
    role's account (a URL is resolved by the caller, who knows the account).
    """

    principals: tuple[str, ...] = ()
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
    oidc_provider_arn: str | None = None
    oidc_audiences: tuple[str, ...] = ()
    oidc_subjects: tuple[str, ...] = ()

    @property
    def has_org(self) -> bool:
        return bool(self.org_id or self.org_paths)

    @property
    def empty(self) -> bool:
        return not (self.principals or self.has_org or self.principal_patterns or self.services or self.oidc_provider_arn)

    @property
    def organization(self) -> str | None:
        """The organization named by the org id or, without one, by the paths (validated to be one)."""
        if self.org_id:
            return self.org_id
        return self.org_paths[0].split("/", 1)[0] if self.org_paths else None


def _one_or_list(values: t.Iterable[str]) -> str | list[str]:
    items = sorted(set(values))
    return items[0] if len(items) == 1 else items


def _with_condition(statement: dict[str, t.Any], condition: dict[str, dict[str, t.Any]]) -> dict[str, t.Any]:
    blocks = {operator: block for operator, block in condition.items() if block}
    if blocks:
        statement["Condition"] = blocks
    return statement


def _principal_conditions(intents: TrustIntents) -> dict[str, dict[str, t.Any]]:
    """external id / MFA, as for account principals."""
    return {operator: dict(block) for operator, block in trust_condition(intents.external_id, intents.require_mfa).items()}


def oidc_host(provider_arn: str) -> str:
    """``token.actions.githubusercontent.com`` from ``arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com``."""
    return provider_arn.split(":oidc-provider/", 1)[-1]


def oidc_provider_arn(provider: str, account: str, partition: str) -> str:
    """The provider's ARN in the role's account from a validated ``host/path`` or ARN."""
    if provider.startswith("arn:"):
        return provider
    return f"arn:{partition}:iam::{account}:oidc-provider/{provider}"


# --------------------------------------------------------------------------------------------
# Building one statement per kind
# --------------------------------------------------------------------------------------------

def org_statement(intents: TrustIntents, sid: str = ORG_SID) -> dict[str, t.Any]:
    condition = _principal_conditions(intents)
    if intents.org_id:
        condition.setdefault("StringEquals", {})[_ORG_ID_KEY] = intents.org_id
    if intents.org_paths:
        condition[_ORG_PATHS_OPERATOR] = {_ORG_PATHS_KEY: _one_or_list(intents.org_paths)}
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": trust_actions(intents.allow_session_tags, intents.allow_source_identity)}
    return _with_condition(statement, condition)


def _pattern_roots(patterns: t.Iterable[str]) -> list[str]:
    roots = set()
    for pattern in patterns:
        parsed = parse_arn(pattern)
        if parsed is None or not parsed.account.isdigit():
            raise ValueError(f"principal pattern {pattern!r} does not name a concrete account")
        roots.add(root_arn(parsed.account, parsed.partition))
    return sorted(roots)


def patterns_statement(intents: TrustIntents, patterns: t.Iterable[str] | None = None, sid: str = PATTERNS_SID) -> dict[str, t.Any]:
    members = sorted(set(intents.principal_patterns if patterns is None else patterns))
    condition = _principal_conditions(intents)
    condition["ArnLike"] = {_PRINCIPAL_ARN_KEY: _one_or_list(members)}
    roots = _pattern_roots(members)
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": roots[0] if len(roots) == 1 else roots},
                 "Action": trust_actions(intents.allow_session_tags, intents.allow_source_identity)}
    return _with_condition(statement, condition)


def services_statement(intents: TrustIntents, services: t.Iterable[str] | None = None, sid: str = SERVICES_SID) -> dict[str, t.Any]:
    members = sorted({s.lower() for s in (intents.services if services is None else services)})
    condition: dict[str, dict[str, t.Any]] = {}
    if intents.source_account:
        condition["StringEquals"] = {_SOURCE_ACCOUNT_KEY: intents.source_account}
    if intents.source_arn:
        condition["ArnLike"] = {_SOURCE_ARN_KEY: intents.source_arn}
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": members[0] if len(members) == 1 else members},
                 "Action": trust_actions(intents.allow_session_tags, intents.allow_source_identity)}
    return _with_condition(statement, condition)


def _web_actions(intents: TrustIntents) -> list[str]:
    actions = [WEB_IDENTITY]
    if intents.allow_session_tags:
        actions.append(TAG_SESSION)
    if intents.allow_source_identity:
        actions.append(SET_SOURCE_IDENTITY)
    return sorted(actions)


def oidc_statement(intents: TrustIntents, subjects: t.Iterable[str] | None = None, sid: str = OIDC_SID) -> dict[str, t.Any]:
    provider = intents.oidc_provider_arn
    if not provider:
        raise ValueError("an OIDC statement needs a provider")
    host = oidc_host(provider)
    members = sorted(set(intents.oidc_subjects if subjects is None else subjects))
    if not members or not intents.oidc_audiences:
        raise ValueError("an OIDC statement needs an audience and at least one subject")
    if any(not subject.strip("*?") for subject in members):
        raise ValueError("an OIDC subject made only of wildcards would trust every identity of the provider")
    condition = {
        "StringEquals": {f"{host}:aud": _one_or_list(intents.oidc_audiences)},
        "StringLike": {f"{host}:sub": _one_or_list(members)},
    }
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Federated": provider}, "Action": _web_actions(intents)}
    return _with_condition(statement, condition)


def intent_statements(intents: TrustIntents, partition: str = "aws") -> list[dict[str, t.Any]]:
    """The statements the intents ask for, in a fixed order (principals, organization, patterns, services, OIDC)."""
    _check_partition(partition)
    statements = []
    if intents.principals:
        principals = _principal_arns([], intents.principals, partition)
        statements.append(_trust_statement(
            TRUST_SID, principals, trust_actions(intents.allow_session_tags, intents.allow_source_identity),
            trust_condition(intents.external_id, intents.require_mfa)))
    if intents.has_org:
        statements.append(org_statement(intents))
    if intents.principal_patterns:
        statements.append(patterns_statement(intents))
    if intents.services:
        statements.append(services_statement(intents))
    if intents.oidc_provider_arn:
        statements.append(oidc_statement(intents))
    return statements


def build_trust(intents: TrustIntents, partition: str = "aws") -> Document:
    """A whole trust policy from intents (target_role). Raises ValueError without any trusted party."""
    statements = intent_statements(intents, partition)
    if not statements:
        raise ValueError("a trust policy needs at least one trusted account, principal, organization, pattern, service or OIDC provider")
    document = {"Version": DEFAULT_VERSION, "Statement": statements}
    if has_unconditioned_wildcard(document):
        raise ValueError("a trust policy must not trust principal '*' without a condition that narrows it")
    return document


# --------------------------------------------------------------------------------------------
# Recognising statements
# --------------------------------------------------------------------------------------------

def _single_principal(statement: t.Mapping[str, t.Any]) -> tuple[str, list[str]] | None:
    principal = statement.get("Principal")
    if principal == "*":
        return "AWS", ["*"]
    if not isinstance(principal, t.Mapping) or len(principal) != 1:
        return None
    kind, raw = next(iter(principal.items()))
    return str(kind), [_scalar_text(v).strip() for v in _as_list(raw)]


def _operators_of(statement: t.Mapping[str, t.Any], key: str) -> set[str]:
    return _condition_keys(statement).get(key.lower(), set())


def _values_of(statement: t.Mapping[str, t.Any], operator: str, key: str) -> list[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, t.Mapping) or not isinstance(condition.get(operator), t.Mapping):
        return []
    values: list[str] = []
    for name, raw in condition[operator].items():
        if str(name).lower() == key.lower():
            values.extend(_scalar_text(v) for v in _as_list(raw))
    return values


def statement_kind(statement: t.Mapping[str, t.Any]) -> str | None:
    """The intent kind a statement has the shape of, or None when no option of this collection wrote it.

    ``principals`` (AWS principals, no wildcard, no organization/pattern condition), ``organization``,
    ``patterns``, ``services``, ``oidc``. Only these are edited by merge_intents/remove_intents.
    """
    if statement.get("Effect") != "Allow" or any(k in statement for k in ("NotPrincipal", "NotAction", "NotResource", "Resource")):
        return None
    found = _single_principal(statement)
    if found is None:
        return None
    kind, values = found
    actions = _action_set(statement)
    keys = set(_condition_keys(statement))
    if kind == "AWS":
        if not (actions and actions <= _AWS_TRUST_ACTIONS and ASSUME_ROLE.lower() in actions):
            return None
        if "*" in values:
            if values != ["*"] or not keys & _ORG_KEYS or not keys <= _ORG_KEYS | _EXTRA_KEYS:
                return None
            if _operators_of(statement, _ORG_ID_KEY) - {"StringEquals"} or _operators_of(statement, _ORG_PATHS_KEY) - {_ORG_PATHS_OPERATOR}:
                return None
            return "organization"
        if "aws:principalarn" in keys:
            if keys <= {"aws:principalarn"} | _EXTRA_KEYS and _operators_of(statement, _PRINCIPAL_ARN_KEY) == {"ArnLike"} and all(
                    v.endswith(":root") or v.isdigit() for v in values):
                return "patterns"
            return None
        if keys & _ORG_KEYS:
            return None
        return "principals"
    if kind == "Service":
        if actions and actions <= _AWS_TRUST_ACTIONS and ASSUME_ROLE.lower() in actions and keys <= {"aws:sourceaccount", "aws:sourcearn"}:
            return "services"
        return None
    if kind == "Federated" and len(values) == 1 and ":oidc-provider/" in values[0]:
        host = oidc_host(values[0]).lower()
        allowed = {f"{host}:aud", f"{host}:sub", f"{host}:amr"}
        if actions and actions <= _WEB_ACTIONS and WEB_IDENTITY.lower() in actions and keys <= allowed and (
                _operators_of(statement, f"{host}:sub") <= {"StringLike"}):
            return "oidc"
    return None


# --------------------------------------------------------------------------------------------
# Member kinds: patterns, services, OIDC subjects (merged like account principals)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Members:
    """How one kind keeps its members (patterns, services, subjects) in a statement."""

    kind: str

    def members(self, statement: t.Mapping[str, t.Any]) -> list[str]:
        if self.kind == "patterns":
            return _values_of(statement, "ArnLike", _PRINCIPAL_ARN_KEY)
        if self.kind == "services":
            found = _single_principal(statement)
            return [v.lower() for v in found[1]] if found else []
        return _values_of(statement, "StringLike", f"{oidc_host(self.provider(statement) or '')}:sub")

    def canon(self, value: str) -> str:
        return value.lower() if self.kind == "services" else value

    def with_members(self, statement: t.Mapping[str, t.Any], members: list[str]) -> dict[str, t.Any]:
        """A copy of ``statement`` holding exactly ``members`` (sorted); the member's key keeps its spelling."""
        edited = copy.deepcopy(dict(statement))
        values: str | list[str] = _one_or_list(members)
        if self.kind == "services":
            edited["Principal"] = {"Service": values}
            return edited
        operator, key = ("ArnLike", _PRINCIPAL_ARN_KEY)
        if self.kind == "oidc":
            operator, key = "StringLike", f"{oidc_host(self.provider(statement) or '')}:sub"
        block = dict(edited.get("Condition", {}).get(operator, {}))
        name = next((k for k in block if str(k).lower() == key.lower()), key)
        block[name] = values
        condition = dict(edited.get("Condition", {}))
        condition[operator] = block
        edited["Condition"] = condition
        if self.kind == "patterns":
            roots = _pattern_roots(members)
            edited["Principal"] = {"AWS": roots[0] if len(roots) == 1 else roots}
        return edited

    def context(self, statement: t.Mapping[str, t.Any], partition: str) -> str:
        """Everything but the members (and the Sid): two statements with the same context merge."""
        placeholder = {"patterns": f"arn:{partition}:iam::000000000000:role/x", "services": "x.amazonaws.com", "oidc": "x"}[self.kind]
        canon = _canon_statement(self.with_members(statement, [placeholder]), partition)
        canon.pop("Sid", None)
        return _json_key(canon)

    def provider(self, statement: t.Mapping[str, t.Any]) -> str | None:
        found = _single_principal(statement)
        return found[1][0] if self.kind == "oidc" and found and found[1] else None


def _merge_members(doc: Document, spec: _Members, wanted: list[str], new_statement: dict[str, t.Any], partition: str,
                   provider: str | None = None) -> Document:
    """Ensure ``wanted`` members live in a statement with the context of ``new_statement``.

    The same algorithm as merge_trust: a statement of the kind with the same context receives the
    missing members; the members leave other statements of the kind (dropped once empty).
    """
    statements = [copy.deepcopy(st) for st in _statements(doc)]
    wanted_canon = {spec.canon(m) for m in wanted}
    wanted_context = spec.context(new_statement, partition)

    def ours(st: t.Mapping[str, t.Any]) -> bool:
        return statement_kind(st) == spec.kind and (provider is None or spec.provider(st) == provider)

    same = [i for i, st in enumerate(statements) if ours(st) and spec.context(st, partition) == wanted_context]
    present = {spec.canon(m) for i in same for m in spec.members(statements[i])}
    missing = sorted(m for m in wanted_canon if m not in present)
    target = same[0] if same else None
    result: list[dict[str, t.Any]] = []
    for index, statement in enumerate(statements):
        if index == target:
            result.append(spec.with_members(statement, spec.members(statement) + missing) if missing else statement)
        elif index not in same and ours(statement):
            members = spec.members(statement)
            kept = [m for m in members if spec.canon(m) not in wanted_canon]
            if len(kept) == len(members):
                result.append(statement)
            elif kept:
                result.append(spec.with_members(statement, kept))
        else:
            result.append(statement)
    if target is None:
        statement = copy.deepcopy(new_statement)
        statement["Sid"] = _unique_sid(str(statement.get("Sid")), _used_sids(result))
        result.append(statement)
    merged = dict(doc)
    merged["Statement"] = result
    return merged


def _remove_members(doc: Document, spec: _Members, doomed: list[str] | None, provider: str | None = None) -> Document:
    """Remove ``doomed`` members (None: every member, i.e. the whole statement) from statements of the kind."""
    doomed_canon = None if doomed is None else {spec.canon(m) for m in doomed}
    result: list[dict[str, t.Any]] = []
    for statement in _statements(doc):
        if statement_kind(statement) != spec.kind or (provider is not None and spec.provider(statement) != provider):
            result.append(copy.deepcopy(statement))
            continue
        members = spec.members(statement)
        kept = [] if doomed_canon is None else [m for m in members if spec.canon(m) not in doomed_canon]
        if len(kept) == len(members):
            result.append(copy.deepcopy(statement))
        elif kept:
            result.append(spec.with_members(statement, kept))
    out = dict(doc)
    out["Statement"] = result
    return out


# --------------------------------------------------------------------------------------------
# Organization: one statement per organization, replaced as a whole
# --------------------------------------------------------------------------------------------

def _org_of(statement: t.Mapping[str, t.Any]) -> str | None:
    ids = set(_values_of(statement, "StringEquals", _ORG_ID_KEY))
    ids |= {path.split("/", 1)[0] for path in _values_of(statement, _ORG_PATHS_OPERATOR, _ORG_PATHS_KEY)}
    return ids.pop() if len(ids) == 1 else None


def _same_statement(a: t.Mapping[str, t.Any], b: t.Mapping[str, t.Any], partition: str) -> bool:
    first, second = _canon_statement(a, partition), _canon_statement(b, partition)
    first.pop("Sid", None)
    second.pop("Sid", None)
    return first == second


def _merge_org(doc: Document, intents: TrustIntents, partition: str) -> Document:
    org = intents.organization
    wanted = org_statement(intents)
    statements = [copy.deepcopy(st) for st in _statements(doc)]
    ours = [i for i, st in enumerate(statements) if statement_kind(st) == "organization" and _org_of(st) == org]
    keep = next((i for i in ours if _same_statement(statements[i], wanted, partition)), None)
    result: list[dict[str, t.Any]] = []
    for index, statement in enumerate(statements):
        if index not in ours:
            result.append(statement)
        elif keep is not None:
            if index == keep:
                result.append(statement)
        elif index == ours[0]:
            replaced = copy.deepcopy(wanted)
            replaced["Sid"] = statement.get("Sid") or wanted["Sid"]
            result.append(replaced)
    if not ours:
        wanted["Sid"] = _unique_sid(ORG_SID, _used_sids(result))
        result.append(wanted)
    merged = dict(doc)
    merged["Statement"] = result
    return merged


def _remove_org(doc: Document, intents: TrustIntents) -> Document:
    """Without paths: drop the organization's statement. With paths: take those paths out of it, and drop
    the statement when none is left rather than widening it to the whole organization."""
    org = intents.organization
    doomed = set(intents.org_paths)
    result: list[dict[str, t.Any]] = []
    for statement in _statements(doc):
        if statement_kind(statement) != "organization" or _org_of(statement) != org:
            result.append(copy.deepcopy(statement))
            continue
        if not doomed:
            continue
        paths = _values_of(statement, _ORG_PATHS_OPERATOR, _ORG_PATHS_KEY)
        kept = [p for p in paths if p not in doomed]
        if len(kept) == len(paths):
            result.append(copy.deepcopy(statement))
        elif kept:
            edited = copy.deepcopy(statement)
            block = {k: v for k, v in edited["Condition"][_ORG_PATHS_OPERATOR].items() if str(k).lower() != _ORG_PATHS_KEY.lower()}
            block[_ORG_PATHS_KEY] = _one_or_list(kept)
            edited["Condition"][_ORG_PATHS_OPERATOR] = block
            result.append(edited)
    out = dict(doc)
    out["Statement"] = result
    return out


# --------------------------------------------------------------------------------------------
# Whole-intent merge and removal (trust_policy state=present/absent)
# --------------------------------------------------------------------------------------------

_PATTERNS = _Members("patterns")
_SERVICES = _Members("services")
_OIDC = _Members("oidc")


def merge_intents(current: t.Any, intents: TrustIntents, partition: str | None = None) -> Document:
    """Ensure every intent is trusted as asked, statement by statement; other statements are untouched.

    Returns ``current`` itself (as a fresh dict) when it already means what is asked.
    """
    doc = _as_doc(current) if current else _empty_trust_doc()
    partition = partition or _find_partition(list(intents.principals), doc) or "aws"
    new = doc
    if intents.principals:
        new = merge_trust(new, principals=list(intents.principals), external_id=intents.external_id, require_mfa=intents.require_mfa,
                          allow_session_tags=intents.allow_session_tags, allow_source_identity=intents.allow_source_identity,
                          partition=partition)
    if intents.has_org:
        new = _merge_org(new, intents, partition)
    if intents.principal_patterns:
        new = _merge_members(new, _PATTERNS, list(intents.principal_patterns), patterns_statement(intents), partition)
    if intents.services:
        new = _merge_members(new, _SERVICES, list(intents.services), services_statement(intents), partition)
    if intents.oidc_provider_arn:
        new = _merge_members(new, _OIDC, list(intents.oidc_subjects), oidc_statement(intents), partition, provider=intents.oidc_provider_arn)
    if current and equivalent(new, current, partition):
        return _as_doc(current)
    return new


def remove_intents(current: t.Any, intents: TrustIntents, partition: str | None = None) -> Document:
    """Remove just what the intents name: principals, the organization (or some of its paths), patterns,
    services, OIDC subjects (or, without subjects, the provider's statements). Conditions are ignored.

    The result may have no statement left; IAM refuses that, so the caller decides what to do.
    """
    doc = _as_doc(current) if current else _empty_trust_doc()
    partition = partition or _find_partition(list(intents.principals), doc) or "aws"
    new = doc
    if intents.principals:
        new = remove_trust_principals(new, list(intents.principals), partition=partition)
    if intents.has_org:
        new = _remove_org(new, intents)
    if intents.principal_patterns:
        new = _remove_members(new, _PATTERNS, list(intents.principal_patterns))
    if intents.services:
        new = _remove_members(new, _SERVICES, list(intents.services))
    if intents.oidc_provider_arn:
        new = _remove_members(new, _OIDC, list(intents.oidc_subjects) or None, provider=intents.oidc_provider_arn)
    if current and equivalent(new, current, partition):
        return _as_doc(current)
    return new
