# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: statement-level editing of trust policies (trust_policy, target_role).

Merging is statement-level: a statement of the kind an option writes (``statement_kind``) receives or
loses members; a statement another tool wrote (other conditions, Deny, NotPrincipal, ...) is never
touched, and a document that already means what is asked comes back unchanged (AWS's rewrites are no
change). The statements themselves are built by ``_policy_build``. Pure: no AWS call, inputs never mutated.
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import is_unique_id
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    ASSUME_ROLE,
    AWS_TRUST_ACTIONS,
    DEFAULT_VERSION,
    ORG_ID_KEY,
    ORG_KEYS,
    ORG_PATHS_KEY,
    PRINCIPAL_ARN_KEY,
    PRINCIPAL_CONDITION_KEYS,
    SOURCE_ACCOUNT_KEY,
    SOURCE_ARN_KEY,
    WEB_IDENTITY,
    WEB_IDENTITY_ACTIONS,
    Document,
    action_set,
    as_doc,
    as_list,
    aws_values,
    canon_aws_principal,
    canon_condition,
    canon_statement,
    condition_keys,
    equivalent,
    find_dangling_principals,
    find_partition,
    json_key,
    scalar_text,
    statements_of,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import (
    ORG_PATHS_OPERATOR,
    ORG_SID,
    TRUST_SID,
    TrustIntent,
    oidc_host,
    oidc_statement,
    one_or_list,
    org_statement,
    pattern_roots,
    patterns_statement,
    services_statement,
    trust_actions,
    trust_condition,
    trust_statement,
)

# The condition keys of the statements other intent kinds write (organization, principal patterns).
_OTHER_INTENT_KEYS = ORG_KEYS | {PRINCIPAL_ARN_KEY.lower()}


# --------------------------------------------------------------------------------------------
# Account principals
# --------------------------------------------------------------------------------------------

def _is_plain_aws_trust(statement: t.Mapping[str, t.Any]) -> bool:
    """An Allow statement naming only AWS principals for sts trust actions, with nothing unusual.

    Only such statements are edited by merge_trust; anything else (service or federated principals,
    Deny, NotPrincipal, NotAction, wildcard actions) is left exactly as it is.
    """
    if statement.get("Effect") != "Allow":
        return False
    if any(k in statement for k in ("NotPrincipal", "NotAction", "NotResource", "Resource")):
        return False
    principal = statement.get("Principal")
    if not (isinstance(principal, t.Mapping) and set(principal) == {"AWS"}):
        return False
    actions = action_set(statement)
    if not (actions and actions <= AWS_TRUST_ACTIONS and ASSUME_ROLE.lower() in actions):
        return False
    # Wildcards, organization and principal-pattern statements belong to other intent kinds (statement_kind).
    return "*" not in (aws_values(statement) or []) and not _belongs_to_other_intent(statement)


def _belongs_to_other_intent(statement: t.Mapping[str, t.Any]) -> bool:
    return bool(set(condition_keys(statement)) & _OTHER_INTENT_KEYS)


def _set_aws_values(statement: dict[str, t.Any], values: list[str]) -> None:
    raw = statement.get("Principal")
    principal: dict[str, t.Any] = {"AWS": "*"} if raw == "*" else dict(raw or {})
    if values:
        principal["AWS"] = values[0] if len(values) == 1 and isinstance(principal.get("AWS"), str) else values
    else:
        principal.pop("AWS", None)
    statement["Principal"] = principal


def _used_sids(statements: t.Iterable[t.Mapping[str, t.Any]]) -> set[str]:
    return {str(st.get("Sid")) for st in statements if st.get("Sid")}


def _unique_sid(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    number = 2
    while f"{base}{number}" in used:
        number += 1
    return f"{base}{number}"


def _wanted_principals(principals: t.Iterable[str], partition: str) -> list[str]:
    if isinstance(principals, str):
        principals = [principals]
    wanted: list[str] = []
    for principal in principals or ():
        canon = canon_aws_principal(principal, partition)
        if canon and canon not in wanted:
            wanted.append(canon)
    return wanted


def _empty_trust_doc() -> Document:
    return {"Version": DEFAULT_VERSION, "Statement": []}


def merge_trust(
    current: t.Any,
    *,
    principals: t.Iterable[str],
    external_id: str | None = None,
    require_mfa: bool = False,
    allow_session_tags: bool = False,
    allow_source_identity: bool = False,
    partition: str | None = None,
) -> Document:
    """Ensure ``principals`` are trusted for the requested actions under exactly these conditions.

    An existing plain Allow statement with the same action set and the same condition receives the
    missing principals; otherwise a new statement is appended. The principals are removed from other
    plain AWS-principal Allow statements for sts:AssumeRole (different conditions or actions), and a
    statement left without principals is dropped. Service/federated principal statements, Deny
    statements, statements with NotPrincipal/NotAction and all other principals are never touched.
    Returns a copy equal to ``current`` when nothing needs to change.
    """
    doc = as_doc(current) if current else _empty_trust_doc()
    principals = [principals] if isinstance(principals, str) else list(principals or ())
    if partition is None:
        partition = find_partition(principals, doc) or "aws"
    wanted = _wanted_principals(principals, partition)
    if not wanted:
        raise ValueError("merge_trust needs at least one principal")
    actions = trust_actions(allow_session_tags, allow_source_identity)
    action_key = frozenset(a.lower() for a in actions)
    condition = trust_condition(external_id, require_mfa)
    condition_key = canon_condition(condition)

    statements = [copy.deepcopy(st) for st in statements_of(doc)]
    # Statements that already grant exactly the requested actions under exactly these conditions. A
    # principal found in any of them is already where it belongs (even if such statements are
    # duplicated), so it is neither added nor moved: that keeps a converged document a no-op.
    same = [
        index for index, statement in enumerate(statements)
        if _is_plain_aws_trust(statement) and action_set(statement) == action_key and canon_condition(statement.get("Condition")) == condition_key
    ]
    present = {canon_aws_principal(v, partition) for index in same for v in aws_values(statements[index]) or []}
    missing = [p for p in wanted if p not in present]
    target = same[0] if same else None

    result: list[dict[str, t.Any]] = []
    for index, statement in enumerate(statements):
        if index == target:
            if missing:
                principal = dict(statement["Principal"])
                principal["AWS"] = sorted((aws_values(statement) or []) + missing)
                statement["Principal"] = principal
            result.append(statement)
        elif index not in same and _is_plain_aws_trust(statement):
            values = aws_values(statement) or []
            kept = [v for v in values if canon_aws_principal(v, partition) not in wanted]
            if len(kept) == len(values):
                result.append(statement)
            elif kept:
                _set_aws_values(statement, kept)
                result.append(statement)
            # else: the statement trusted only principals that now live elsewhere: drop it.
        else:
            result.append(statement)

    if target is None:
        sid = _unique_sid(TRUST_SID, _used_sids(result))
        result.append(trust_statement(sid, sorted(wanted), actions, condition))

    merged = dict(doc)
    merged["Statement"] = result
    if current and equivalent(merged, current, partition):
        return as_doc(current)
    return merged


def _remove_principals(doc: Document, doomed: t.Callable[[str], bool], effects: tuple[str, ...] | None,
                       skip: t.Callable[[t.Mapping[str, t.Any]], bool] | None = None) -> Document:
    result: list[dict[str, t.Any]] = []
    for statement in statements_of(doc):
        values = aws_values(statement)
        if values is None or (effects is not None and statement.get("Effect") not in effects) or (skip is not None and skip(statement)):
            result.append(copy.deepcopy(statement))
            continue
        kept = [v for v in values if not doomed(v)]
        if len(kept) == len(values):
            result.append(copy.deepcopy(statement))
            continue
        edited = copy.deepcopy(statement)
        _set_aws_values(edited, kept)
        if edited["Principal"]:
            result.append(edited)
        # else: nothing left to trust in this statement: drop it.
    out = dict(doc)
    out["Statement"] = result
    return out


def remove_trust_principals(current: t.Any, principals: t.Iterable[str], partition: str | None = None) -> Document:
    """Remove just ``principals`` from Allow statements; drop statements left without any principal.

    Deny statements, NotPrincipal blocks, organization and principal-pattern statements (their account
    roots are how a pattern is written, see _policy_build.patterns_statement) and every other principal are kept. When no statement is
    left the result has an empty ``Statement`` list: IAM refuses to store such a trust policy
    (``MalformedPolicyDocument``), so the caller must decide what to do (fail, or delete the role).
    """
    doc = as_doc(current) if current else _empty_trust_doc()
    principals = [principals] if isinstance(principals, str) else list(principals or ())
    if partition is None:
        partition = find_partition(principals, doc) or "aws"
    wanted = set(_wanted_principals(principals, partition))
    if not wanted:
        return doc
    removed = _remove_principals(doc, lambda v: canon_aws_principal(v, partition) in wanted, ("Allow",), _belongs_to_other_intent)
    if equivalent(removed, doc, partition):
        return doc
    return removed


def remove_dangling_principals(doc: t.Any) -> Document:
    """Drop unique-id principals from every statement (a deleted principal can never match again)."""
    source = as_doc(doc)
    if not find_dangling_principals(source):
        return source
    return _remove_principals(source, is_unique_id, None)


# --------------------------------------------------------------------------------------------
# Recognising the statements an option writes
# --------------------------------------------------------------------------------------------

def _single_principal(statement: t.Mapping[str, t.Any]) -> tuple[str, list[str]] | None:
    principal = statement.get("Principal")
    if principal == "*":
        return "AWS", ["*"]
    if not isinstance(principal, t.Mapping) or len(principal) != 1:
        return None
    kind, raw = next(iter(principal.items()))
    return str(kind), [scalar_text(v).strip() for v in as_list(raw)]


def _operators_of(statement: t.Mapping[str, t.Any], key: str) -> set[str]:
    return condition_keys(statement).get(key.lower(), set())


def _values_of(statement: t.Mapping[str, t.Any], operator: str, key: str) -> list[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, t.Mapping) or not isinstance(condition.get(operator), t.Mapping):
        return []
    values: list[str] = []
    for name, raw in condition[operator].items():
        if str(name).lower() == key.lower():
            values.extend(scalar_text(v) for v in as_list(raw))
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
    actions = action_set(statement)
    keys = set(condition_keys(statement))
    if kind == "AWS":
        if not (actions and actions <= AWS_TRUST_ACTIONS and ASSUME_ROLE.lower() in actions):
            return None
        if "*" in values:
            if values != ["*"] or not keys & ORG_KEYS or not keys <= ORG_KEYS | PRINCIPAL_CONDITION_KEYS:
                return None
            if _operators_of(statement, ORG_ID_KEY) - {"StringEquals"} or _operators_of(statement, ORG_PATHS_KEY) - {ORG_PATHS_OPERATOR}:
                return None
            return "organization"
        if PRINCIPAL_ARN_KEY.lower() in keys:
            if keys <= {PRINCIPAL_ARN_KEY.lower()} | PRINCIPAL_CONDITION_KEYS and _operators_of(statement, PRINCIPAL_ARN_KEY) == {"ArnLike"} and all(
                    v.endswith(":root") or v.isdigit() for v in values):
                return "patterns"
            return None
        if keys & ORG_KEYS:
            return None
        return "principals"
    if kind == "Service":
        if actions and actions <= AWS_TRUST_ACTIONS and ASSUME_ROLE.lower() in actions and keys <= {SOURCE_ACCOUNT_KEY.lower(), SOURCE_ARN_KEY.lower()}:
            return "services"
        return None
    if kind == "Federated" and len(values) == 1 and ":oidc-provider/" in values[0]:
        host = oidc_host(values[0]).lower()
        allowed = {f"{host}:aud", f"{host}:sub", f"{host}:amr"}
        if actions and actions <= WEB_IDENTITY_ACTIONS and WEB_IDENTITY.lower() in actions and keys <= allowed and (
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
            return _values_of(statement, "ArnLike", PRINCIPAL_ARN_KEY)
        if self.kind == "services":
            found = _single_principal(statement)
            return [v.lower() for v in found[1]] if found else []
        return _values_of(statement, "StringLike", f"{oidc_host(self.provider(statement) or '')}:sub")

    def canon(self, value: str) -> str:
        return value.lower() if self.kind == "services" else value

    def with_members(self, statement: t.Mapping[str, t.Any], members: list[str]) -> dict[str, t.Any]:
        """A copy of ``statement`` holding exactly ``members`` (sorted); the member's key keeps its spelling."""
        edited = copy.deepcopy(dict(statement))
        values: str | list[str] = one_or_list(members)
        if self.kind == "services":
            edited["Principal"] = {"Service": values}
            return edited
        operator, key = ("ArnLike", PRINCIPAL_ARN_KEY)
        if self.kind == "oidc":
            operator, key = "StringLike", f"{oidc_host(self.provider(statement) or '')}:sub"
        block = dict(edited.get("Condition", {}).get(operator, {}))
        name = next((k for k in block if str(k).lower() == key.lower()), key)
        block[name] = values
        condition = dict(edited.get("Condition", {}))
        condition[operator] = block
        edited["Condition"] = condition
        if self.kind == "patterns":
            roots = pattern_roots(members)
            edited["Principal"] = {"AWS": roots[0] if len(roots) == 1 else roots}
        return edited

    def context(self, statement: t.Mapping[str, t.Any], partition: str) -> str:
        """Everything but the members (and the Sid): two statements with the same context merge."""
        placeholder = {"patterns": f"arn:{partition}:iam::000000000000:role/x", "services": "x.amazonaws.com", "oidc": "x"}[self.kind]
        canon = canon_statement(self.with_members(statement, [placeholder]), partition)
        canon.pop("Sid", None)
        return json_key(canon)

    def provider(self, statement: t.Mapping[str, t.Any]) -> str | None:
        found = _single_principal(statement)
        return found[1][0] if self.kind == "oidc" and found and found[1] else None


def _merge_members(doc: Document, spec: _Members, wanted: list[str], new_statement: dict[str, t.Any], partition: str,
                   provider: str | None = None) -> Document:
    """Ensure ``wanted`` members live in a statement with the context of ``new_statement``.

    The same algorithm as merge_trust: a statement of the kind with the same context receives the
    missing members; the members leave other statements of the kind (dropped once empty).
    """
    statements = [copy.deepcopy(st) for st in statements_of(doc)]
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
    for statement in statements_of(doc):
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
    ids = set(_values_of(statement, "StringEquals", ORG_ID_KEY))
    ids |= {path.split("/", 1)[0] for path in _values_of(statement, ORG_PATHS_OPERATOR, ORG_PATHS_KEY)}
    return ids.pop() if len(ids) == 1 else None


def _same_statement(a: t.Mapping[str, t.Any], b: t.Mapping[str, t.Any], partition: str) -> bool:
    first, second = canon_statement(a, partition), canon_statement(b, partition)
    first.pop("Sid", None)
    second.pop("Sid", None)
    return first == second


def _merge_org(doc: Document, intent: TrustIntent, partition: str) -> Document:
    org = intent.organization
    wanted = org_statement(intent)
    statements = [copy.deepcopy(st) for st in statements_of(doc)]
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


def _remove_org(doc: Document, intent: TrustIntent) -> Document:
    """Without paths: drop the organization's statement. With paths: take those paths out of it, and drop
    the statement when none is left rather than widening it to the whole organization."""
    org = intent.organization
    doomed = set(intent.org_paths)
    result: list[dict[str, t.Any]] = []
    for statement in statements_of(doc):
        if statement_kind(statement) != "organization" or _org_of(statement) != org:
            result.append(copy.deepcopy(statement))
            continue
        if not doomed:
            continue
        paths = _values_of(statement, ORG_PATHS_OPERATOR, ORG_PATHS_KEY)
        kept = [p for p in paths if p not in doomed]
        if len(kept) == len(paths):
            result.append(copy.deepcopy(statement))
        elif kept:
            edited = copy.deepcopy(statement)
            block = {k: v for k, v in edited["Condition"][ORG_PATHS_OPERATOR].items() if str(k).lower() != ORG_PATHS_KEY.lower()}
            block[ORG_PATHS_KEY] = one_or_list(kept)
            edited["Condition"][ORG_PATHS_OPERATOR] = block
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


def merge_intents(current: t.Any, intent: TrustIntent, partition: str | None = None) -> Document:
    """Ensure every intent is trusted as asked, statement by statement; other statements are untouched.

    Returns ``current`` itself (as a fresh dict) when it already means what is asked.
    """
    doc = as_doc(current) if current else _empty_trust_doc()
    partition = partition or find_partition(list(intent.principals), doc) or "aws"
    new = doc
    if intent.principals:
        new = merge_trust(new, principals=list(intent.principals), external_id=intent.external_id, require_mfa=intent.require_mfa,
                          allow_session_tags=intent.allow_session_tags, allow_source_identity=intent.allow_source_identity,
                          partition=partition)
    if intent.has_org:
        new = _merge_org(new, intent, partition)
    if intent.principal_patterns:
        new = _merge_members(new, _PATTERNS, list(intent.principal_patterns), patterns_statement(intent), partition)
    if intent.services:
        new = _merge_members(new, _SERVICES, list(intent.services), services_statement(intent), partition)
    if intent.oidc_provider:
        new = _merge_members(new, _OIDC, list(intent.oidc_subjects), oidc_statement(intent), partition, provider=intent.oidc_provider)
    if current and equivalent(new, current, partition):
        return as_doc(current)
    return new


def remove_intents(current: t.Any, intent: TrustIntent, partition: str | None = None) -> Document:
    """Remove just what the intent names: principals, the organization (or some of its paths), patterns,
    services, OIDC subjects (or, without subjects, the provider's statements). Conditions are ignored.

    The result may have no statement left; IAM refuses that, so the caller decides what to do.
    """
    doc = as_doc(current) if current else _empty_trust_doc()
    partition = partition or find_partition(list(intent.principals), doc) or "aws"
    new = doc
    if intent.principals:
        new = remove_trust_principals(new, list(intent.principals), partition=partition)
    if intent.has_org:
        new = _remove_org(new, intent)
    if intent.principal_patterns:
        new = _remove_members(new, _PATTERNS, list(intent.principal_patterns))
    if intent.services:
        new = _remove_members(new, _SERVICES, list(intent.services))
    if intent.oidc_provider:
        new = _remove_members(new, _OIDC, list(intent.oidc_subjects) or None, provider=intent.oidc_provider)
    if current and equivalent(new, current, partition):
        return as_doc(current)
    return new
