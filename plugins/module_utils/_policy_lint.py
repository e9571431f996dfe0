# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: lint of trust and source policies.

Findings ``{severity, code, statement, message}`` about a document (lint_trust, lint_source) and the
trust-size quota (lint_size). Which condition keys really narrow a wildcard principal, and how IAM
counts a document's size, are the engine's core (``_policy``), shared with the builders and trust_report.

The lint options of target_role, trust_policy and source_policy (LINT_SPEC, lint_options) are here too, so
the three modules ask for lint the same way.

Every function is pure: no AWS call, no I/O, inputs are never mutated.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_trust as v_trust
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import ACCOUNT_ID_RE, ARN_PARTITION_RE, is_unique_id, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    ASSUME_ROLE,
    EXTERNAL_ID_KEY,
    MFA_KEY,
    NEGATED_OPERATORS,
    ORG_ID_KEY,
    ORG_KEYS,
    ORG_PATHS_KEY,
    PRINCIPAL_ARN_KEY,
    WEB_IDENTITY,
    action_matches,
    action_set,
    as_doc,
    as_list,
    aws_values,
    base_operator,
    find_partition,
    is_wildcard_statement,
    narrowing_keys,
    policy_size,
    scalar_text,
    statement_label,
    statements_of,
)

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

LINT_ERROR = "error"
LINT_WARNING = "warning"
LINT_SPEC = ArgumentSpec({
    "lint": {"type": "str", "choices": list(v_trust.LINT_MODES), "default": "warn"},
    "known_account_ids": {"type": "list", "elements": "str", "default": []},
})
# A negated operator or Null: the key does not have to be in the request for the condition to hold.
_NEGATED_OR_NULL = NEGATED_OPERATORS | {"Null"}
_BROAD_ACTIONS = frozenset({"*", "sts:*"})


def _account_of(principal: str) -> str | None:
    if ACCOUNT_ID_RE.fullmatch(principal):
        return principal
    parsed = parse_arn(principal)
    if parsed is not None and parsed.account.isdigit():
        return parsed.account
    return None


def _finding(severity: str, code: str, statement: int | None, message: str) -> dict[str, t.Any]:
    return {"severity": severity, "code": code, "statement": statement, "message": message}


def _arn_partitions(value: t.Any) -> set[str]:
    if isinstance(value, str):
        return set(ARN_PARTITION_RE.findall(value))
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
        if not isinstance(block, t.Mapping) or base_operator(str(operator)) in _NEGATED_OR_NULL:
            continue
        for key, raw in block.items():
            keys.setdefault(str(key).lower(), []).extend(scalar_text(v) for v in as_list(raw))
    return keys


def _lint_statement(index: int, statement: t.Mapping[str, t.Any], own: str | None, known: set[str],
                    partition: str | None) -> list[dict[str, t.Any]]:
    found: list[dict[str, t.Any]] = []
    label = statement_label(statement, index)
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

    if is_wildcard_statement(statement) and not narrowing:
        who = "every principal outside NotPrincipal" if "NotPrincipal" in statement else 'Principal "*"'
        found.append(_finding(LINT_ERROR, "wildcard_principal", index, (
            f"{label} trusts {who} without a condition that narrows it (aws:PrincipalOrgID, aws:PrincipalOrgPaths, "
            "aws:PrincipalAccount, aws:PrincipalArn with a concrete account, aws:SourceAccount, aws:SourceArn): "
            "any AWS principal in any account can assume this role")))

    actions = action_set(statement)
    if actions & _BROAD_ACTIONS:
        found.append(_finding(LINT_WARNING, "broad_action", index, (
            f"{label} allows {', '.join(sorted(actions & _BROAD_ACTIONS))}: more than assuming the role "
            "(name sts:AssumeRole and the sts actions you mean)")))

    if ORG_ID_KEY.lower() in narrowing and ORG_PATHS_KEY.lower() not in narrowing:
        found.append(_finding(LINT_WARNING, "org_trust_without_path", index, (
            f"{label} trusts every account of organization {', '.join(sorted(set(keys.get(ORG_ID_KEY.lower(), []))))}, "
            "sandbox accounts included: narrow it to OU paths with trusted_org_paths (aws:PrincipalOrgPaths)")))

    principal = statement.get("Principal")
    federated = [scalar_text(v) for v in as_list(principal.get("Federated"))] if isinstance(principal, t.Mapping) else []
    if federated and action_matches(statement, WEB_IDENTITY) and not any(
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
            problem = v_trust.oidc_subject_problem(subject)
            if problem is not None:
                found.append(_finding(LINT_ERROR, "oidc_subject_broad", index, (
                    f"{label} accepts tokens of {', '.join(federated)} whose subject matches {subject!r}, which {problem}")))

    if not action_matches(statement, ASSUME_ROLE):
        return found
    values = [v for v in aws_values(statement) or [] if v != "*"]
    dangling = [v for v in values if is_unique_id(v)]
    if dangling:
        found.append(_finding(LINT_WARNING, "dangling_principal", index, (
            f"{label} names {', '.join(sorted(set(dangling)))}: AWS put these unique ids in place of deleted users or roles, "
            "which can never match again (trust_policy remove_dangling=true drops them)")))
    accounts = [a for a in (_account_of(v) for v in values) if a is not None]
    foreign = sorted({a for a in accounts if a != own and a not in known}) if own else []
    if foreign and EXTERNAL_ID_KEY.lower() not in keys and not (narrowing & ORG_KEYS):
        found.append(_finding(LINT_ERROR, "external_id_missing", index, (
            f"{label} trusts account {', '.join(foreign)} (neither the role's own account nor in known_account_ids) "
            "without an sts:ExternalId or organization condition: if that account acts for several customers this role "
            "is open to the confused deputy problem (set external_id, or list the account in known_account_ids)")))
    roots = sorted({a for v in values if (a := _account_of(v)) is not None and (v == a or v.endswith(":root"))
                    and a != own and a not in known}) if own else []
    if roots and MFA_KEY.lower() not in keys and PRINCIPAL_ARN_KEY.lower() not in narrowing:
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
    _validators_trust.oidc_subject_problem), ``mixed_partition`` (ARNs of another partition than ``partition``, or of
    several). Warnings: ``org_trust_without_path``, ``root_trust_without_mfa`` (a foreign, unknown
    account's root without MFA), ``oidc_subject_missing``, ``dangling_principal``, ``broad_action``.
    The trust-size quota needs an AWS read and is checked by lint_size(). Pure and offline.
    """
    source = as_doc(doc)
    own = str(own_account_id) if own_account_id else None
    known = {str(a) for a in known_account_ids or ()}
    # Without the role's partition, the document's first ARN sets it: another partition anywhere is mixed.
    partition = partition or find_partition(source)
    found: list[dict[str, t.Any]] = []
    for index, statement in enumerate(statements_of(source)):
        found.extend(_lint_statement(index, statement, own, known, partition))
    return found


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
    for index, statement in enumerate(statements_of(as_doc(doc))):
        accounts = sorted({parsed.account for r in as_list(statement.get("Resource"))
                           if (parsed := parse_arn(scalar_text(r))) is not None and parsed.account.isdigit()} - known)
        if accounts:
            found.append(_finding(LINT_WARNING, "unknown_target_account", index, (
                f"{statement_label(statement, index)} grants sts:AssumeRole on roles of account {', '.join(accounts)}, which is not in "
                "known_account_ids")))
    return found


@dataclass(frozen=True)
class LintOptions:
    """The validated lint options: ``mode`` (warn, error, off) and the accounts the user owns or knows."""

    mode: str = "warn"
    known_account_ids: tuple[str, ...] = ()


def lint_options(options: OptionAdapter) -> LintOptions:
    """LintOptions from an OptionAdapter (no AWS call)."""
    return LintOptions(
        mode=v_trust.lint_mode(options.raw("lint")),
        known_account_ids=tuple(v.account_ids(options.raw("known_account_ids"), "known_account_ids")),
    )
