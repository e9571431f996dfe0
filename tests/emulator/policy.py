# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small IAM policy evaluator for the emulator's AssumeRole enforcement.

moto accepts every AssumeRole; the emulator needs the parts of IAM's evaluation logic that decide
cross-account access: principal matching in trust policies, Action/Resource matching, condition
operators and explicit Deny. It is deliberately independent from the collection's own policy engine
(plugins/module_utils/_policy.py) so that a bug there cannot hide itself in the tests.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field

ACCOUNT_RE = re.compile(r"^\d{12}$")
UNIQUE_ID_RE = re.compile(r"^(AIDA|AROA)[A-Z0-9]{12,28}$")


@dataclass
class Caller:
    """Who is calling: a user (long-term keys) or an assumed-role session."""

    account: str
    arn: str  # user ARN, or arn:aws:sts::ACCT:assumed-role/NAME/SESSION
    principal_arn: str  # user ARN, or the role ARN for a session (aws:PrincipalArn)
    unique_id: str  # AIDA... of the user or AROA... of the role
    kind: str  # "user", "session", "service" (a service principal) or "federated" (a web identity)
    name: str = ""


@dataclass
class Decision:
    allowed: bool = False
    denied: bool = False
    # True when an Allow matched the caller by its own ARN/unique id or "*", not only through the
    # account root: IAM then needs no identity policy for a same-account caller.
    explicit: bool = False
    reasons: list[str] = field(default_factory=list)


def as_list(value: t.Any) -> list[t.Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def load_document(document: t.Any) -> dict[str, t.Any]:
    if isinstance(document, dict):
        return document
    if not document:
        return {}
    try:
        loaded = json.loads(document)
    except (TypeError, ValueError):
        from urllib.parse import unquote

        try:
            loaded = json.loads(unquote(document))
        except (TypeError, ValueError):
            return {}
    return loaded if isinstance(loaded, dict) else {}


def statements(document: t.Any) -> list[dict[str, t.Any]]:
    return [s for s in as_list(load_document(document).get("Statement")) if isinstance(s, dict)]


_WILDCARD_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    key = (pattern, ignore_case)
    compiled = _WILDCARD_CACHE.get(key)
    if compiled is None:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        compiled = re.compile("^" + regex + "$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))
        _WILDCARD_CACHE[key] = compiled
    return bool(compiled.match(value))


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike/ArnEquals compare the six colon-separated parts one by one, each with wildcards.
    p_parts = pattern.split(":", 5)
    v_parts = value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(p_parts, v_parts))


def _numeric(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _positive(base: str, ctx_value: str, cond_value: str) -> bool:
    if base == "StringEquals":
        return ctx_value == cond_value
    if base == "StringEqualsIgnoreCase":
        return ctx_value.lower() == cond_value.lower()
    if base == "StringLike":
        return wildcard_match(cond_value, ctx_value)
    if base in ("ArnEquals", "ArnLike"):
        return _arn_like(cond_value, ctx_value)
    if base == "Bool":
        return ctx_value.lower() == cond_value.lower()
    if base.startswith("Numeric"):
        left, right = _numeric(ctx_value), _numeric(cond_value)
        if left is None or right is None:
            return False
        return {
            "NumericEquals": left == right,
            "NumericLessThan": left < right,
            "NumericLessThanEquals": left <= right,
            "NumericGreaterThan": left > right,
            "NumericGreaterThanEquals": left >= right,
        }.get(base, False)
    return False


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
_KNOWN = {
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "Null",
    "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
} | set(_NEGATED)


def _scalar(value: t.Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_matches(operator: str, key: str, cond_values: t.Any, context: t.Mapping[str, list[str]]) -> bool:
    qualifier = ""
    base = operator
    if ":" in base:
        qualifier, base = base.split(":", 1)
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in _KNOWN:
        # An operator this evaluator does not know never matches: an Allow fails closed.
        return False
    wanted = [_scalar(v) for v in as_list(cond_values)]
    ctx_values = None
    for ctx_key, values in context.items():
        if ctx_key.lower() == key.lower():
            ctx_values = values
            break
    present = bool(ctx_values)
    if base == "Null":
        return any((not present) == (w.lower() == "true") for w in wanted)
    if not present:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        if if_exists:
            return True
        # IAM: a negated operator on a missing key is true ("not equal to anything").
        return base in _NEGATED
    assert ctx_values is not None
    negated_of = _NEGATED.get(base)

    def one(value: str) -> bool:
        if negated_of:
            return not any(_positive(negated_of, value, w) for w in wanted)
        return any(_positive(base, value, w) for w in wanted)

    if qualifier == "ForAllValues":
        return all(one(v) for v in ctx_values)
    return any(one(v) for v in ctx_values)


def conditions_match(block: t.Any, context: t.Mapping[str, list[str]]) -> bool:
    if not block:
        return True
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, values in keys.items():
            if not condition_matches(operator, key, values, context):
                return False
    return True


def principal_match(block: t.Any, caller: Caller) -> str | None:
    """'explicit' (caller named by ARN, unique id or '*'), 'account' (account root) or None.

    A service (kind "service") is matched by ``Service``, a web identity (kind "federated") by
    ``Federated`` (its OIDC provider ARN); IAM users and sessions by ``AWS``.
    """
    if block == "*":
        return "explicit"
    if not isinstance(block, dict):
        return None
    if caller.kind in ("service", "federated"):
        key = "Service" if caller.kind == "service" else "Federated"
        return "explicit" if caller.principal_arn in [str(v) for v in as_list(block.get(key))] else None
    best: str | None = None
    for value in as_list(block.get("AWS")):
        value = str(value)
        if value == "*":
            return "explicit"
        if value in (caller.arn, caller.principal_arn, caller.unique_id):
            return "explicit"
        if ACCOUNT_RE.match(value) and value == caller.account:
            best = "account"
        elif re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):root$", value) and value.split(":")[4] == caller.account:
            best = "account"
    return best


def _action_matches(statement: dict[str, t.Any], action: str) -> bool:
    if "Action" in statement:
        return any(wildcard_match(str(p), action, ignore_case=True) for p in as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(wildcard_match(str(p), action, ignore_case=True) for p in as_list(statement["NotAction"]))
    return False


def _resource_matches(statement: dict[str, t.Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(wildcard_match(str(p), resource) for p in as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(wildcard_match(str(p), resource) for p in as_list(statement["NotResource"]))
    return False


def statement_applies(statement: dict[str, t.Any], action: str, resource: str, context: t.Mapping[str, list[str]]) -> bool:
    """Whether one statement of an organization policy (SCP / RCP) covers the request: its action, resource
    (a statement without Resource or NotResource covers every resource) and conditions."""
    if not _action_matches(statement, action):
        return False
    if ("Resource" in statement or "NotResource" in statement) and not _resource_matches(statement, resource):
        return False
    return conditions_match(statement.get("Condition"), context)


def evaluate_trust(document: t.Any, action: str, caller: Caller, context: t.Mapping[str, list[str]]) -> Decision:
    """Evaluate a role trust (resource) policy for one action."""
    decision = Decision()
    for stmt in statements(document):
        if "Principal" in stmt:
            how = principal_match(stmt["Principal"], caller)
        elif "NotPrincipal" in stmt:
            how = None if principal_match(stmt["NotPrincipal"], caller) else "account"
        else:
            how = None
        if how is None or not _action_matches(stmt, action) or not conditions_match(stmt.get("Condition"), context):
            continue
        if stmt.get("Effect") == "Deny":
            decision.denied = True
            decision.reasons.append("explicit Deny in the trust policy")
        elif stmt.get("Effect") == "Allow":
            decision.allowed = True
            decision.explicit = decision.explicit or how == "explicit"
    return decision


def evaluate_identity(documents: t.Iterable[t.Any], action: str, resource: str, context: t.Mapping[str, list[str]]) -> Decision:
    """Evaluate the caller's identity policies (all of them together) for one action on one resource."""
    decision = Decision()
    for document in documents:
        for stmt in statements(document):
            if not _action_matches(stmt, action) or not _resource_matches(stmt, resource):
                continue
            if not conditions_match(stmt.get("Condition"), context):
                continue
            if stmt.get("Effect") == "Deny":
                decision.denied = True
                decision.reasons.append("explicit Deny in an identity policy")
            elif stmt.get("Effect") == "Allow":
                decision.allowed = True
    return decision
