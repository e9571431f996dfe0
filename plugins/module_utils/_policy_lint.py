# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: lint of trust and source policies.

Findings ``{severity, code, statement, message}`` about a document (lint_trust, lint_source), the
trust-size quota (lint_size, policy_size), and which condition keys really narrow a wildcard
principal (narrowing_keys, has_unconditioned_wildcard). Building, normalising, comparing and
merging documents live in ``_policy``; evaluation in ``_policy_eval``.

Every function is pure: no AWS call, no I/O, inputs are never mutated.
"""

from __future__ import annotations

import json
import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import is_unique_id, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    _ACCOUNT_RE,
    _ARN_PARTITION_RE,
    ASSUME_ROLE,
    _action_matches,
    _action_set,
    _as_doc,
    _as_list,
    _aws_values,
    _base_operator,
    _find_partition,
    _label,
    _scalar_text,
    _split_operator,
    _statements,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._validators import oidc_subject_problem

LINT_ERROR = "error"
LINT_WARNING = "warning"
# Condition keys that can limit a wildcard principal to known principals (SPEC "Trust beyond account ids").
NARROWING_KEYS = (
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:sourceaccount", "aws:sourcearn",
)
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
_POSITIVE_STRING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})
_POSITIVE_ARN_OPERATORS = frozenset({"ArnEquals", "ArnLike", "StringEquals", "StringLike"})
_ORG_ID_RE = re.compile(r"o-[a-z0-9]{10,32}", re.ASCII)
_WILDCARD_CHARS = ("*", "?", "${")


def _concrete(text: str) -> bool:
    return bool(text) and not any(char in text for char in _WILDCARD_CHARS)


def _narrowing_value(key: str, value: str) -> bool:
    """Does this one condition value limit the principal to something concrete?"""
    if key == "aws:principalorgid":
        return _concrete(value) and _ORG_ID_RE.fullmatch(value) is not None
    if key == "aws:principalorgpaths":
        # o-…/ then anything: the organization is fixed even when the OU part is a pattern.
        org, sep, _rest = value.partition("/")
        return bool(sep) and _concrete(org) and _ORG_ID_RE.fullmatch(org) is not None
    if key in ("aws:principalaccount", "aws:sourceaccount"):
        return _ACCOUNT_RE.fullmatch(value) is not None
    if key == "aws:principalarn":
        parsed = parse_arn(value)
        return parsed is not None and _ACCOUNT_RE.fullmatch(parsed.account) is not None
    if key == "aws:sourcearn":
        parsed = parse_arn(value)
        if parsed is None:
            return False
        # A concrete account, or a resource without any wildcard (S3 bucket ARNs have no account).
        return _ACCOUNT_RE.fullmatch(parsed.account) is not None or _concrete(value)
    return False


def narrowing_keys(statement: t.Mapping[str, t.Any]) -> set[str]:
    """Lower-case condition keys of ``statement`` that really narrow a wildcard principal.

    A key counts only under a positive operator (StringEquals/StringLike/ArnEquals/ArnLike, plain or
    ``ForAnyValue:``), without ``IfExists`` (a principal outside any organization has no
    aws:PrincipalOrgID, so ``IfExists`` would admit it), with at least one value, and every value
    concrete: an organization id ``o-…``, a 12-digit account, an ARN naming a 12-digit account. So
    ``StringLike aws:PrincipalArn "*"``, ``arn:aws:iam::*:role/x``, an empty operator block or a
    negated operator narrow nothing. Empty set when nothing narrows.
    """
    found: set[str] = set()
    condition = statement.get("Condition")
    if not isinstance(condition, t.Mapping):
        return found
    for operator, block in condition.items():
        if not isinstance(block, t.Mapping):
            continue
        prefix, base, if_exists = _split_operator(str(operator))
        if if_exists or prefix == "ForAllValues":
            continue
        for raw_key, raw in block.items():
            key = str(raw_key).lower()
            if key not in NARROWING_KEYS:
                continue
            allowed = _POSITIVE_ARN_OPERATORS if key in ("aws:principalarn", "aws:sourcearn") else _POSITIVE_STRING_OPERATORS
            if base not in allowed:
                continue
            values = [_scalar_text(v).strip() for v in _as_list(raw)]
            if values and all(_narrowing_value(key, value) for value in values):
                found.add(key)
    return found


def _is_wildcard_statement(statement: t.Mapping[str, t.Any]) -> bool:
    """An Allow statement whose principal is everybody: ``*`` (also among AWS principals) or NotPrincipal."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, t.Mapping):
        return any(_scalar_text(v).strip() == "*" for values in principal.values() for v in _as_list(values))
    return False


def unnarrowed_wildcards(doc: t.Any) -> list[int]:
    """Indexes of Allow statements that trust everybody without a condition that narrows it."""
    return [
        index for index, statement in enumerate(_statements(_as_doc(doc)))
        if _is_wildcard_statement(statement) and not narrowing_keys(statement)
    ]


def has_unconditioned_wildcard(doc: t.Any) -> bool:
    """True when an Allow statement trusts everybody (``*`` or NotPrincipal) without a narrowing condition."""
    return bool(unnarrowed_wildcards(doc))


def _account_of(principal: str) -> str | None:
    if _ACCOUNT_RE.fullmatch(principal):
        return principal
    parsed = parse_arn(principal)
    if parsed is not None and parsed.account.isdigit():
        return parsed.account
    return None


def _finding(severity: str, code: str, statement: int | None, message: str) -> dict[str, t.Any]:
    return {"severity": severity, "code": code, "statement": statement, "message": message}


def _arn_partitions(value: t.Any) -> set[str]:
    if isinstance(value, str):
        return set(_ARN_PARTITION_RE.findall(value))
    if isinstance(value, t.Mapping):
        return set().union(*(_arn_partitions(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_arn_partitions(v) for v in value)) if value else set()
    return set()


def _positive_keys(statement: t.Mapping[str, t.Any]) -> dict[str, list[str]]:
    """Condition key -> values under non-negated operators (what a request must carry)."""
    keys: dict[str, list[str]] = {}
    condition = statement.get("Condition")
    if not isinstance(condition, t.Mapping):
        return keys
    for operator, block in condition.items():
        if not isinstance(block, t.Mapping) or _base_operator(str(operator)) in _NEGATED_BASES:
            continue
        for key, raw in block.items():
            keys.setdefault(str(key).lower(), []).extend(_scalar_text(v) for v in _as_list(raw))
    return keys


_NEGATED_BASES = frozenset({
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals", "DateNotEquals",
    "NotIpAddress", "Null",
})
_WEB_IDENTITY = "sts:assumerolewithwebidentity"
_BROAD_ACTIONS = frozenset({"*", "sts:*"})


def _lint_statement(index: int, statement: t.Mapping[str, t.Any], own: str | None, known: set[str],
                    partition: str | None) -> list[dict[str, t.Any]]:
    found: list[dict[str, t.Any]] = []
    label = _label(statement, index)
    allow = statement.get("Effect") == "Allow"
    narrowing = narrowing_keys(statement)
    keys = _positive_keys(statement)

    partitions = _arn_partitions({k: v for k, v in statement.items() if k != "Sid"})
    expected = {partition} if partition else set()
    if len(partitions | expected) > 1:
        found.append(_finding(LINT_ERROR, "mixed_partition", index, (
            f"{label} names ARNs of partition(s) {', '.join(sorted(partitions))}"
            + (f" in a role of partition {partition}" if partition else "")
            + ": an ARN of another partition never matches, so the statement does not do what it says")))
    if not allow:
        return found

    if _is_wildcard_statement(statement) and not narrowing:
        who = "every principal outside NotPrincipal" if "NotPrincipal" in statement else 'Principal "*"'
        found.append(_finding(LINT_ERROR, "wildcard_principal", index, (
            f"{label} trusts {who} without a condition that narrows it (aws:PrincipalOrgID, aws:PrincipalOrgPaths, "
            "aws:PrincipalAccount, aws:PrincipalArn with a concrete account, aws:SourceAccount, aws:SourceArn): "
            "any AWS principal in any account can assume this role")))

    actions = _action_set(statement)
    if actions & _BROAD_ACTIONS:
        found.append(_finding(LINT_WARNING, "broad_action", index, (
            f"{label} allows {', '.join(sorted(actions & _BROAD_ACTIONS))}: more than assuming the role "
            "(name sts:AssumeRole and the sts actions you mean)")))

    if "aws:principalorgid" in narrowing and "aws:principalorgpaths" not in narrowing:
        found.append(_finding(LINT_WARNING, "org_trust_without_path", index, (
            f"{label} trusts every account of organization {', '.join(sorted(set(keys.get('aws:principalorgid', []))))}, "
            "sandbox accounts included: narrow it to OU paths with trusted_org_paths (aws:PrincipalOrgPaths)")))

    principal = statement.get("Principal")
    federated = [_scalar_text(v) for v in _as_list(principal.get("Federated"))] if isinstance(principal, t.Mapping) else []
    if federated and _action_matches(statement, "sts:AssumeRoleWithWebIdentity") and not any(
            f.startswith("arn:") and ":saml-provider/" in f for f in federated):
        if not any(key.endswith(":aud") for key in keys):
            found.append(_finding(LINT_ERROR, "oidc_audience_missing", index, (
                f"{label} lets {', '.join(federated)} tokens assume the role without an audience (…:aud) condition: "
                "a token issued to any client of that provider is accepted")))
        subjects = [value for key, values in keys.items() if key.endswith(":sub") for value in values]
        if not subjects:
            found.append(_finding(LINT_WARNING, "oidc_subject_missing", index, (
                f"{label} does not limit the token subject (…:sub) of {', '.join(federated)}: every identity of the "
                "provider (for a CI service: every repository or project) can assume the role")))
        for subject in subjects:
            problem = oidc_subject_problem(subject)
            if problem is not None:
                found.append(_finding(LINT_ERROR, "oidc_subject_broad", index, (
                    f"{label} accepts tokens of {', '.join(federated)} whose subject matches {subject!r}, which {problem}")))

    if not _action_matches(statement, ASSUME_ROLE):
        return found
    values = [v for v in _aws_values(statement) or [] if v != "*"]
    dangling = [v for v in values if is_unique_id(v)]
    if dangling:
        found.append(_finding(LINT_WARNING, "dangling_principal", index, (
            f"{label} names {', '.join(sorted(set(dangling)))}: AWS put these unique ids in place of deleted users or roles, "
            "which can never match again (trust_policy remove_dangling=true drops them)")))
    accounts = [a for a in (_account_of(v) for v in values) if a is not None]
    foreign = sorted({a for a in accounts if a != own and a not in known}) if own else []
    if foreign and "sts:externalid" not in keys and not (narrowing & _ORG_KEYS):
        found.append(_finding(LINT_ERROR, "external_id_missing", index, (
            f"{label} trusts account {', '.join(foreign)} (neither the role's own account nor in known_account_ids) "
            "without an sts:ExternalId or organization condition: if that account acts for several customers this role "
            "is open to the confused deputy problem (set external_id, or list the account in known_account_ids)")))
    roots = sorted({a for v in values if (a := _account_of(v)) is not None and (v == a or v.endswith(":root"))
                    and a != own and a not in known}) if own else []
    if roots and "aws:multifactorauthpresent" not in keys and "aws:principalarn" not in narrowing:
        found.append(_finding(LINT_WARNING, "root_trust_without_mfa", index, (
            f"{label} trusts the whole of account {', '.join(roots)} (its root: every principal that account's policies "
            "allow) without requiring MFA (require_mfa)")))
    return found


def lint_trust(doc: t.Any, *, own_account_id: str | None, known_account_ids: t.Iterable[str] = (),
               partition: str | None = None) -> list[dict[str, t.Any]]:
    """Findings about a trust policy: ``{severity, code, statement, message}``, ``statement`` the index.

    Errors: ``wildcard_principal`` (everybody, not narrowed, see narrowing_keys), ``external_id_missing``
    (an account other than ``own_account_id`` and not in ``known_account_ids`` trusted without
    ``sts:ExternalId`` or an organization condition; the account checks are skipped when
    ``own_account_id`` is None, since the role's own account would be reported),
    ``oidc_audience_missing``, ``oidc_subject_broad`` (a token subject pattern that names no owner, see
    _validators.oidc_subject_problem), ``mixed_partition`` (ARNs of another partition than ``partition``, or of
    several). Warnings: ``org_trust_without_path``, ``root_trust_without_mfa`` (a foreign, unknown
    account's root without MFA), ``oidc_subject_missing``, ``dangling_principal``, ``broad_action``.
    The trust-size quota needs an AWS read and is checked by lint_size(). Pure and offline.
    """
    source = _as_doc(doc)
    own = str(own_account_id) if own_account_id else None
    known = {str(a) for a in known_account_ids or ()}
    # Without the role's partition, the document's first ARN sets it: another partition anywhere is mixed.
    partition = partition or _find_partition(source)
    found: list[dict[str, t.Any]] = []
    for index, statement in enumerate(_statements(source)):
        found.extend(_lint_statement(index, statement, own, known, partition))
    return found


def policy_size(doc: t.Any) -> int:
    """Characters IAM counts against a size quota: the JSON without whitespace."""
    return len(re.sub(r"\s", "", json.dumps(_as_doc(doc), separators=(",", ":"))))


def lint_size(doc: t.Any, quota: int | None, what: str = "trust policy", quota_name: str = "AssumeRolePolicySizeQuota") -> list[dict[str, t.Any]]:
    """The ``size_quota`` finding when the document is larger than ``quota`` (None: quota unknown)."""
    size = policy_size(doc)
    if quota is None or size <= quota:
        return []
    return [_finding(LINT_ERROR, "size_quota", None, (
        f"the {what} has {size} characters (without whitespace) and the account's {quota_name} is {quota}: "
        "IAM would refuse it; merge statements, or ask for a quota increase"))]


def error_findings(findings: t.Iterable[t.Mapping[str, t.Any]]) -> list[t.Mapping[str, t.Any]]:
    return [f for f in findings if f.get("severity") == LINT_ERROR]


def lint_source(doc: t.Any, known_account_ids: t.Iterable[str] = ()) -> list[dict[str, t.Any]]:
    """Findings about a source policy: ``unknown_target_account`` (warning) for a target role in an
    account outside ``known_account_ids`` (only when some are given)."""
    known = {str(a) for a in known_account_ids or ()}
    found: list[dict[str, t.Any]] = []
    if not known:
        return found
    for index, statement in enumerate(_statements(_as_doc(doc))):
        accounts = sorted({parsed.account for r in _as_list(statement.get("Resource"))
                           if (parsed := parse_arn(_scalar_text(r))) is not None and parsed.account.isdigit()} - known)
        if accounts:
            found.append(_finding(LINT_WARNING, "unknown_target_account", index, (
                f"{_label(statement, index)} grants sts:AssumeRole on roles of account {', '.join(accounts)}, which is not in "
                "known_account_ids")))
    return found
