# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: evaluation of policy documents (the verify_access diagnosis).

Answers "would this trust policy let this caller assume the role" and "do these identity policies
allow this action on this resource" with a reason sentence, using IAM's rules (explicit Deny wins,
condition operators, set prefixes, IfExists, policy variables). Pure: no AWS call, no I/O. Building,
normalising and comparing documents are the engine's core (``_policy``).
"""

from __future__ import annotations

import ipaddress
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn_from_assumed_role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    ASSUME_ROLE,
    DEFAULT_VERSION,
    IMPLICIT_VERSION,
    NEGATED_OPERATORS,
    Document,
    action_matches,
    as_doc,
    as_list,
    aws_values,
    condition_instant,
    condition_number,
    condition_value_text,
    context_lookup,
    load,
    matches_pattern,
    scalar_text,
    split_operator,
    statement_label,
    statements_of,
)

# --------------------------------------------------------------------------------------------
# Evaluation (verify_access diagnosis)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """Outcome of evaluating identity policies for one action on one resource."""

    effect: str  # "allow" | "deny" | "implicit_deny"
    statement_sid: str | None
    reason: str

    @property
    def allowed(self) -> bool:
        return self.effect == "allow"


@dataclass(frozen=True)
class TrustDecision:
    """Outcome of evaluating a trust policy for one caller and one sts action."""

    allowed: bool
    reason: str
    failed_conditions: list[str] = field(default_factory=list)
    matched_principal: bool = False


def _resource_matches(statement: t.Mapping[str, t.Any], resource: str, context: t.Mapping[str, t.Any], variables: bool) -> bool:
    if "NotResource" in statement:
        return not any(matches_pattern(scalar_text(r), resource, context, variables=variables) for r in as_list(statement["NotResource"]))
    if "Resource" not in statement:
        # Resource-less statements only occur in resource policies (trust policies): the resource is implied.
        return True
    return any(matches_pattern(scalar_text(r), resource, context, variables=variables) for r in as_list(statement.get("Resource")))


_SUPPORTED = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
    "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike", "Bool", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
    "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "IpAddress", "NotIpAddress", "BinaryEquals",
}
_KEY_LABELS = {
    "sts:externalid": "external id",
    "aws:principalarn": "principal ARN",
    "aws:principalaccount": "principal account",
    "sts:rolesessionname": "role session name",
    "sts:sourceidentity": "source identity",
    "aws:principalorgid": "organization id",
    "aws:tagkeys": "session tag keys",
}


def _in_network(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()) in ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False


def _value_matches(base: str, policy_value: str, value: str, context: t.Mapping[str, t.Any], variables: bool) -> bool | None:
    """Does one context value match one policy value for a (non-negated form of the) operator? None: unsupported."""
    positive = base.replace("Not", "", 1) if base in NEGATED_OPERATORS else base
    if positive == "StringEquals":
        return matches_pattern(policy_value, value, context, wildcards=False, variables=variables)
    if positive == "StringEqualsIgnoreCase":
        return matches_pattern(policy_value, value, context, wildcards=False, ignore_case=True, variables=variables)
    if positive in ("StringLike", "ArnEquals", "ArnLike"):
        return matches_pattern(policy_value, value, context, variables=variables)
    if positive == "Bool":
        return policy_value.lower() == value.lower()
    if positive == "BinaryEquals":
        return policy_value == value
    if positive == "IpAddress":
        return _in_network(policy_value, value)
    if positive.startswith(("Numeric", "Date")):
        convert = condition_number if positive.startswith("Numeric") else condition_instant
        left, right = convert(value), convert(policy_value)
        if left is None or right is None:
            return False
        comparison = positive[len("Numeric"):] if positive.startswith("Numeric") else positive[len("Date"):]
        return {
            "Equals": left == right,
            "LessThan": left < right,
            "LessThanEquals": left <= right,
            "GreaterThan": left > right,
            "GreaterThanEquals": left >= right,
        }.get(comparison)
    return None


def _describe_failure(operator: str, key: str, base: str, policy_values: list[str], present: bool) -> str:
    name = f"condition {operator} {key}"
    label = _KEY_LABELS.get(key.lower(), f"value of {key}")
    if key.lower() == "aws:multifactorauthpresent" and base == "Bool" and "true" in [v.lower() for v in policy_values]:
        return f"{name} requires MFA"
    if base == "Null":
        wants_absent = "true" in [v.lower() for v in policy_values]
        return f"{name} requires the {label} to be {'absent' if wants_absent else 'present'}"
    if not present:
        return f"{name} requires a value and none was given"
    if base == "Bool":
        return f"{name} requires {' or '.join(policy_values)}"
    if base in NEGATED_OPERATORS:
        return f"{name} rejects the given {label}"
    return f"{name} does not match the given {label}"


def _key_condition_holds(prefix: str | None, base: str, if_exists: bool, policy_values: list[str], values: list[str],
                         context: t.Mapping[str, t.Any], variables: bool) -> bool:
    """IAM semantics of one operator/key pair against the request's values of that key."""
    negated = base in NEGATED_OPERATORS

    def hit(value: str) -> bool:
        matched = any(_value_matches(base, pv, value, context, variables) for pv in policy_values)
        return not matched if negated else matched

    if not values:
        # A missing (or empty multi-valued) key: ForAllValues holds vacuously, ForAnyValue never does,
        # a plain negated operator holds, anything else holds only with IfExists.
        if prefix == "ForAllValues":
            return True
        if prefix == "ForAnyValue":
            return if_exists
        return if_exists or negated
    if prefix == "ForAllValues" or (negated and prefix is None):
        return all(hit(v) for v in values)
    return any(hit(v) for v in values)


def _condition_failures(condition: t.Any, context: t.Mapping[str, t.Any], variables: bool) -> list[str]:
    """Sentences for every condition of a statement that does not hold in ``context`` (empty: all hold)."""
    failures: list[str] = []
    if not isinstance(condition, t.Mapping):
        return failures
    for operator, block in condition.items():
        if not isinstance(block, t.Mapping):
            continue
        prefix, base, if_exists = split_operator(str(operator))
        for raw_key, raw in block.items():
            key = str(raw_key)
            policy_values = [condition_value_text(str(operator), v) for v in as_list(raw)]
            values = context_lookup(context, key)
            present = values is not None and len(values) > 0
            if base == "Null":
                wants_absent = "true" in [v.lower() for v in policy_values]
                if wants_absent == present:
                    failures.append(_describe_failure(str(operator), key, base, policy_values, present))
                continue
            if base not in _SUPPORTED:
                failures.append(f"condition {operator} {key} uses an operator this check cannot evaluate")
                continue
            ok = _key_condition_holds(prefix, base, if_exists, policy_values, values or [], context, variables)
            if not ok:
                failures.append(_describe_failure(str(operator), key, base, policy_values, present))
    return failures


def _uses_variables(doc: Document) -> bool:
    # Policy variables are only substituted in Version 2012-10-17 documents.
    return scalar_text(doc.get("Version", IMPLICIT_VERSION)) == DEFAULT_VERSION


def _named_documents(documents: t.Any) -> list[tuple[str | None, Document]]:
    if documents is None:
        return []
    if isinstance(documents, (str, bytes)):
        return [(None, load(documents))]
    if isinstance(documents, t.Mapping):
        if "Statement" in documents:
            return [(None, load(documents))]
        return [(str(name), load(doc)) for name, doc in documents.items()]
    return [(None, load(doc)) for doc in documents]


def evaluate_identity_policies(documents: t.Any, action: str, resource: str, context: t.Mapping[str, t.Any] | None = None) -> Decision:
    """Evaluate identity policies for one action on one resource: an explicit Deny wins, then an Allow.

    ``documents`` is one document, a list of documents, or a mapping policy name -> document (the names
    then appear in the reason). Principal elements are ignored (identity policies have none).
    """
    context = dict(context or {})
    allow: tuple[str | None, str] | None = None
    near_misses: list[str] = []
    for name, doc in _named_documents(documents):
        variables = _uses_variables(doc)
        where = f" of policy {name}" if name else ""
        for index, statement in enumerate(statements_of(doc)):
            if not action_matches(statement, action) or not _resource_matches(statement, resource, context, variables):
                continue
            failures = _condition_failures(statement.get("Condition"), context, variables)
            label = statement_label(statement, index) + where
            effect = statement.get("Effect")
            if failures:
                if effect == "Allow":
                    near_misses.append(f"{label} would allow {action} on {resource} but {'; '.join(failures)}")
                continue
            if effect == "Deny":
                return Decision("deny", statement.get("Sid") or None, f"{label} explicitly denies {action} on {resource}")
            if effect == "Allow" and allow is None:
                allow = (statement.get("Sid") or None, f"{label} allows {action} on {resource}")
    if allow is not None:
        return Decision("allow", allow[0], allow[1])
    reason = f"no identity policy of the caller allows {action} on {resource}"
    if near_misses:
        reason += ": " + "; ".join(near_misses)
    return Decision("implicit_deny", None, reason)


def _caller_principal(caller_arn: str) -> str:
    """The ARN a trust policy would name for the caller (an assumed-role session names its role)."""
    return role_arn_from_assumed_role_arn(caller_arn) or caller_arn


def _principal_names_caller(value: str, caller_arn: str, caller_account: str | None) -> bool:
    if value == "*":
        return True
    if caller_account:
        if value == caller_account:
            return True
        parsed = parse_arn(value)
        if parsed is not None and parsed.service == "iam" and parsed.resource == "root" and parsed.account == caller_account:
            return True
    if not caller_arn:
        return False
    if value == caller_arn:
        return True
    session_role = role_arn_from_assumed_role_arn(caller_arn)
    if session_role:
        # An assumed-role ARN has no role path: a trust entry for the role matches by account and name.
        named, session = parse_arn(value), parse_arn(session_role)
        if named is not None and session is not None and named.service == "iam" and named.resource_type == "role":
            return (named.partition, named.account, named.resource_name) == (session.partition, session.account, session.resource_name)
    return False


def _statement_names_caller(statement: t.Mapping[str, t.Any], caller_arn: str, caller_account: str | None) -> bool:
    if "NotPrincipal" in statement:
        values = aws_values(statement, "NotPrincipal") or []
        return not any(_principal_names_caller(v, caller_arn, caller_account) for v in values)
    values = aws_values(statement) or []
    return any(_principal_names_caller(v, caller_arn, caller_account) for v in values)


def evaluate_trust(
    doc: t.Any,
    *,
    caller_arn: str,
    caller_account: str | None = None,
    context: t.Mapping[str, t.Any] | None = None,
    action: str = ASSUME_ROLE,
) -> TrustDecision:
    """Would this trust policy let the caller perform ``action`` (sts:AssumeRole, sts:TagSession, …)?

    ``context`` holds request values such as ``sts:ExternalId``, ``aws:MultiFactorAuthPresent``,
    ``sts:RoleSessionName``, ``sts:SourceIdentity``, ``aws:RequestTag/<key>``, ``aws:TagKeys``;
    ``aws:PrincipalArn`` and ``aws:PrincipalAccount`` default from the caller. The reason is a sentence
    for the diagnosis; failed_conditions lists every condition that did not hold in the best candidate.
    """
    source = as_doc(doc)
    parsed_caller = parse_arn(caller_arn) if caller_arn else None
    if not caller_account and parsed_caller is not None and parsed_caller.account.isdigit():
        caller_account = parsed_caller.account
    principal_arn = _caller_principal(caller_arn) if caller_arn else ""
    ctx = dict(context or {})
    if principal_arn and context_lookup(ctx, "aws:PrincipalArn") is None:
        ctx["aws:PrincipalArn"] = principal_arn
    if caller_account and context_lookup(ctx, "aws:PrincipalAccount") is None:
        ctx["aws:PrincipalAccount"] = caller_account
    variables = _uses_variables(source)

    matched_principal = False
    named_without_action = False
    candidates: list[tuple[str, list[str]]] = []
    allow_label: str | None = None
    for index, statement in enumerate(statements_of(source)):
        if not _statement_names_caller(statement, caller_arn, caller_account):
            continue
        label = statement_label(statement, index)
        if not action_matches(statement, action):
            if statement.get("Effect") == "Allow":
                named_without_action = True
            continue
        failures = _condition_failures(statement.get("Condition"), ctx, variables)
        if statement.get("Effect") == "Deny":
            if not failures:
                return TrustDecision(False, f"{label} of the trust policy explicitly denies {action} to {principal_arn or caller_account}", [], True)
            continue
        if statement.get("Effect") != "Allow":
            continue
        matched_principal = True
        if failures:
            candidates.append((label, failures))
        elif allow_label is None:
            allow_label = label
    if allow_label is not None:
        return TrustDecision(True, f"{allow_label} of the trust policy allows {principal_arn or caller_account} to call {action}", [], True)
    if candidates:
        label, failures = min(candidates, key=lambda item: len(item[1]))
        return TrustDecision(False, "; ".join(failures), list(failures), True)
    if named_without_action:
        return TrustDecision(False, f"the trust policy names {principal_arn or caller_account} but does not allow {action}", [], True)
    who = []
    if caller_account:
        who.append(f"account {caller_account}")
    if principal_arn:
        who.append(f"principal {principal_arn}")
    return TrustDecision(False, f"the trust policy does not name {' or '.join(who) or 'the caller'}", [], matched_principal)


# --------------------------------------------------------------------------------------------
# Statement-level checks for other evaluators (organization policies: ``_guardrails``)
# --------------------------------------------------------------------------------------------


def uses_variables(doc: Document) -> bool:
    """Whether ``${...}`` in the document are policy variables (Version 2012-10-17) or plain text."""
    return _uses_variables(doc)


def resource_matches(statement: t.Mapping[str, t.Any], resource: str, context: t.Mapping[str, t.Any], variables: bool) -> bool:
    """Does the statement's Resource / NotResource cover ``resource``? A statement without either covers every resource."""
    return _resource_matches(statement, resource, context, variables)


def condition_failures(condition: t.Any, context: t.Mapping[str, t.Any], variables: bool) -> list[str]:
    """One sentence per condition of a Condition block that does not hold in ``context`` (empty: every one holds)."""
    return _condition_failures(condition, context, variables)
