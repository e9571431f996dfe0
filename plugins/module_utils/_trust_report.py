# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module trust_report (who may assume the roles of an account).

Read-only: iam:ListRoles (paginated) returns every role with its trust policy, so one call per page
of 100 roles is the whole cost; iam:GetRole is made only for a role listed without its document.
Each Allow statement of a trust policy gets one class (``classify_statement``, pure, offline); the
lint findings come from the policy engine (``_policy_lint.lint_trust``) so that the report and the
pre-write lint of target_role/trust_policy never disagree.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam, _org_guardrails, _policy, _policy_lint
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import is_unique_id, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection, ConnectionSettings, OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

# Precedence, widest exposure first: a statement whose principals fall into several classes gets
# the first of them, so a CI gate on a wide class is never hidden by a narrower principal next to it.
CLASSES = (
    "public",
    "unknown_account",
    "dangling",
    "federated",
    "organization",
    "known_account",
    "service",
    "same_account",
)
_RANK = {name: rank for rank, name in enumerate(CLASSES)}

ARGSPEC = CONNECTION_SPEC.merge(ArgumentSpec({
    "known_account_ids": {"type": "list", "elements": "str"},
    "path_prefix": {"type": "str", "default": "/"},
    "fail_on": {"type": "list", "elements": "str", "choices": list(CLASSES)},
}), _org_guardrails.ORGANIZATION_SPEC)

# Condition keys that name accounts (directly or inside an ARN). Lower case: IAM condition keys are
# case-insensitive.
ACCOUNT_KEYS = frozenset({_policy.PRINCIPAL_ACCOUNT_KEY.lower(), _policy.SOURCE_ACCOUNT_KEY.lower()})
ARN_KEYS = frozenset({_policy.PRINCIPAL_ARN_KEY.lower(), _policy.SOURCE_ARN_KEY.lower()})

# How many role names a fail_on message lists per class before it says "and N more".
_NAMES_SHOWN = 20


@dataclass(frozen=True)
class TrustReportRequest:
    """Validated options of module trust_report."""

    known_account_ids: tuple[str, ...] = ()
    path_prefix: str = "/"
    fail_on: tuple[str, ...] = ()
    organization: ConnectionSettings | None = None  # organization_aws: a guardrail verdict per statement


def request_from_options(options: OptionAdapter) -> TrustReportRequest:
    """Validate every option; no AWS call."""
    return TrustReportRequest(
        known_account_ids=tuple(v.account_ids(options.get("known_account_ids"), "known_account_ids")),
        path_prefix=v.iam_path_prefix(options.get("path_prefix", "/"), "path_prefix"),
        fail_on=tuple(v.choice_list(options.get("fail_on"), "fail_on", CLASSES)),
        organization=_org_guardrails.organization_settings(options),
    )


# --- classification (pure) ---


def _values(value: t.Any) -> list[t.Any]:
    return list(value) if isinstance(value, list) else [value]


def _principal_map(value: t.Any) -> dict[str, list[str]]:
    """``"*"`` or ``{"AWS": x, "Service": [y]}`` -> ``{"AWS": ["*"], "Service": ["y"]}`` (values as text, order kept)."""
    if not isinstance(value, dict):
        return {"AWS": [str(item) for item in _values(value)]}
    return {str(kind): [str(item) for item in _values(items)] for kind, items in value.items()}


def _is_negated(operator: str) -> bool:
    # StringNotEquals, ArnNotLike, ...: they exclude callers, they never say which account a caller is in.
    return "Not" in operator.split(":")[-1]


def _account_in(key: str, value: str) -> str | None:
    """The concrete 12-digit account a condition value names, or None when it names none (or a pattern)."""
    if key in ACCOUNT_KEYS:
        return value if len(value) == 12 and value.isdigit() else None
    parsed = parse_arn(value)
    if parsed is not None and len(parsed.account) == 12 and parsed.account.isdigit():
        return parsed.account
    # ArnLike patterns with a wildcard outside the resource ("arn:aws:sns:*:111111111111:topic") still name the account.
    parts = value.split(":")
    if len(parts) >= 6 and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None


def narrowed_accounts(statement: t.Mapping[str, t.Any], narrowing: t.Collection[str]) -> list[str | None]:
    """Accounts named by the narrowing account/ARN conditions of a statement (None: a value naming no account)."""
    found: list[str | None] = []
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return found
    for operator, block in condition.items():
        if not isinstance(block, dict) or _is_negated(str(operator)):
            continue
        for key, values in block.items():
            lowered = str(key).lower()
            if lowered in narrowing and lowered in ACCOUNT_KEYS | ARN_KEYS:
                found.extend(_account_in(lowered, str(item)) for item in _values(values))
    return found


def _account_class(account: str | None, own_account_id: str, known: t.Collection[str]) -> str:
    if account == own_account_id:
        return "same_account"
    if account is not None and account in known:
        return "known_account"
    return "unknown_account"


def _aws_principal_account(value: str) -> str | None:
    if len(value) == 12 and value.isdigit():
        return value
    parsed = parse_arn(value)
    if parsed is not None and parsed.service in ("iam", "sts") and len(parsed.account) == 12 and parsed.account.isdigit():
        return parsed.account
    return None


def _widest(classes: t.Iterable[str]) -> str:
    return min(classes, key=_RANK.__getitem__)


def _wildcard_class(statement: t.Mapping[str, t.Any], narrowing: set[str], own_account_id: str, known: t.Collection[str]) -> str:
    """Class of a wildcard (or NotPrincipal) statement: what its narrowing conditions leave open."""
    if not narrowing:
        return "public"
    by_organization = bool(narrowing & _policy.ORG_KEYS)
    accounts = narrowed_accounts(statement, narrowing)
    if accounts:
        # Conditions are ANDed: an account condition restricts the caller to those accounts; inside an
        # organization condition, an unknown account still has to be a member.
        widest = _widest(_account_class(account, own_account_id, known) for account in accounts)
        return "organization" if widest == "unknown_account" and by_organization else widest
    return "organization" if by_organization else "unknown_account"


def classify_statement(statement: t.Mapping[str, t.Any], own_account_id: str, known_account_ids: t.Collection[str] = ()) -> str:
    """The class of one Allow statement of a trust policy (see CLASSES for the precedence)."""
    narrowing = {key.lower() for key in _policy.narrowing_keys(statement)}
    if "NotPrincipal" in statement:
        # Allow with NotPrincipal trusts everyone but the listed principals.
        return _wildcard_class(statement, narrowing, own_account_id, known_account_ids)
    by_organization = bool(narrowing & _policy.ORG_KEYS)
    classes: list[str] = []
    for kind, values in _principal_map(statement.get("Principal")).items():
        for value in values:
            if value == "*" and kind == "AWS":
                classes.append(_wildcard_class(statement, narrowing, own_account_id, known_account_ids))
            elif kind == "Service":
                classes.append("service")
            elif kind == "Federated":
                classes.append("federated")
            elif is_unique_id(value):
                classes.append("dangling")
            else:
                cls = _account_class(_aws_principal_account(value), own_account_id, known_account_ids)
                classes.append("organization" if cls == "unknown_account" and by_organization else cls)
    # A statement without principals trusts nobody; IAM refuses one, so it only comes from a hand-made document.
    return _widest(classes) if classes else "unknown_account"


def report_role(role: t.Mapping[str, t.Any], document: t.Any, own_account_id: str, known_account_ids: t.Collection[str],
                partition: str | None, guardrails: t.Mapping[int, t.Mapping[str, t.Any]] | None = None) -> dict[str, t.Any]:
    """One role of the report: its Allow statements classified, plus the lint findings of its trust policy.

    ``guardrails`` (statement index -> ``{status, policy, reason}``, from organization_aws) adds each statement's
    ``guardrail`` verdict and a ``guardrail_denies`` finding for every denied one.
    """
    loaded = _policy.load(document) if document is not None else {"Statement": []}
    statements = loaded.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    entries = []
    for index, statement in enumerate(statements):
        # Deny statements take access away; they are reported through the findings only.
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal_key = "NotPrincipal" if "NotPrincipal" in statement else "Principal"
        entry: dict[str, t.Any] = {
            "index": index,
            "class": classify_statement(statement, own_account_id, known_account_ids),
            "principals": _principal_map(statement.get(principal_key)) if principal_key in statement else {},
            "conditions": statement.get("Condition") or {},
        }
        if principal_key == "NotPrincipal":
            entry["not_principal"] = True
        if guardrails is not None:
            verdict = guardrails.get(index) or {"status": "allowed", "policy": None}
            entry["guardrail"] = {"status": verdict["status"], "policy": verdict["policy"]}
        entries.append(entry)
    findings = _policy_lint.lint_trust(loaded, own_account_id=own_account_id, known_account_ids=tuple(known_account_ids), partition=partition)
    for index, verdict in sorted((guardrails or {}).items()):
        if verdict["status"] == "denied":
            findings.append({"severity": _policy_lint.LINT_ERROR, "code": _org_guardrails.GUARDRAIL_DENIES, "statement": index,
                             "message": verdict["reason"]})
    return {
        "name": role.get("RoleName"),
        "arn": role.get("Arn"),
        "path": role.get("Path", "/"),
        "classes": sorted({entry["class"] for entry in entries}, key=_RANK.__getitem__),
        "statements": entries,
        "findings": findings,
    }


def summarize(roles: t.Iterable[t.Mapping[str, t.Any]]) -> dict[str, int]:
    """Number of trust statements of each class over all roles; every class is a key."""
    summary = dict.fromkeys(CLASSES, 0)
    for role in roles:
        for entry in role["statements"]:
            summary[entry["class"]] += 1
    return summary


def gate_failure(roles: t.Sequence[t.Mapping[str, t.Any]], fail_on: t.Iterable[str]) -> str | None:
    """The fail_on message naming the roles of each class found, or None when none is found."""
    parts = []
    for cls in sorted(set(fail_on), key=_RANK.__getitem__):
        names = [str(role["name"]) for role in roles if cls in role["classes"]]
        if not names:
            continue
        shown = ", ".join(names[:_NAMES_SHOWN]) + (f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else "")
        parts.append(f"{cls} trust in {'role' if len(names) == 1 else 'roles'} {shown}")
    if not parts:
        return None
    return "fail_on: found " + "; ".join(parts)


# --- module ---


def build_report(iam: t.Any, request: TrustReportRequest, organization: AwsConnection | None = None) -> list[dict[str, t.Any]]:
    roles = []
    for role in _iam.list_roles(iam, request.path_prefix):
        parsed = parse_arn(role.get("Arn") or "")
        own_account = parsed.account if parsed is not None else ""
        partition = parsed.partition if parsed is not None else None
        document = role.get("AssumeRolePolicyDocument")
        if document is None:
            # ListRoles normally carries the document; a role deleted since the listing is skipped.
            full = _iam.get_role(iam, role["RoleName"])
            if full is None:
                continue
            document = full.get("AssumeRolePolicyDocument")
        guardrails = _org_guardrails.statement_verdicts(organization, document, role["Arn"]) if organization is not None else None
        roles.append(report_role(role, document, own_account, request.known_account_ids, partition, guardrails))
    return roles


def handle(module: ModuleContext) -> dict[str, t.Any]:
    request = request_from_options(module.options)
    roles = build_report(module.connection().iam, request, _org_guardrails.connection_of(request.organization))
    summary = summarize(roles)
    failure = gate_failure(roles, request.fail_on)
    if failure is not None:
        # The whole report comes with the failure, so a CI log shows what to fix.
        raise CrossAccountError(failure, roles=roles, summary=summary)
    return {"changed": False, "roles": roles, "summary": summary}
