# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the core of the pure IAM policy engine, public to the other policy files.

The document model (load, the statements of a document, the principals and conditions of a statement),
normalisation and comparison by meaning, IAM's condition operators and patterns, the condition keys that
really narrow a wildcard principal, and how IAM counts a document's size. The rest of the engine is built
on these names: ``_policy_build`` (documents from intent), ``_policy_merge`` (statement-level editing of
trust policies), ``_policy_lint`` (findings), ``_policy_eval`` (evaluation for the verify_access diagnosis).

Every function is pure: no AWS call, no I/O, inputs are never mutated. Documents are plain dicts
as boto3 returns them (``GetRole`` already URL-decodes ``AssumeRolePolicyDocument``).

Why so much normalisation: IAM rewrites what it stores (account ids become ``arn:<partition>:iam::ID:root``,
one-item lists may come back as scalars, key and list order change), so comparing text or dicts
literally reports "changed" on every run.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import typing as t
import urllib.parse

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import (
    ACCOUNT_ID_RE,
    ARN_PARTITION_RE,
    ORGANIZATION_ID_RE,
    PARTITIONS,
    is_unique_id,
    parse_arn,
    root_arn,
)

DEFAULT_VERSION = "2012-10-17"
# What IAM assumes when a document has no Version: policy variables are then plain text.
IMPLICIT_VERSION = "2008-10-17"

ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
# What a trust statement of AWS or service principals may grant, and one of OIDC tokens (lower case: IAM
# matches actions case-insensitively). Anything else in a statement is not the collection's to edit.
AWS_TRUST_ACTIONS = frozenset(action.lower() for action in (ASSUME_ROLE, TAG_SESSION, SET_SOURCE_IDENTITY))
WEB_IDENTITY_ACTIONS = frozenset(action.lower() for action in (WEB_IDENTITY, TAG_SESSION, SET_SOURCE_IDENTITY))

# Condition keys as the collection writes them. IAM matches key names case-insensitively, so the sets
# below, which documents are compared against, are lower case.
EXTERNAL_ID_KEY = "sts:ExternalId"
MFA_KEY = "aws:MultiFactorAuthPresent"
ORG_ID_KEY = "aws:PrincipalOrgID"
ORG_PATHS_KEY = "aws:PrincipalOrgPaths"
PRINCIPAL_ARN_KEY = "aws:PrincipalArn"
PRINCIPAL_ACCOUNT_KEY = "aws:PrincipalAccount"
SOURCE_ACCOUNT_KEY = "aws:SourceAccount"
SOURCE_ARN_KEY = "aws:SourceArn"
RESOURCE_ORG_ID_KEY = "aws:ResourceOrgID"
# The keys that limit callers to an organization (or some of its OUs).
ORG_KEYS = frozenset({ORG_ID_KEY.lower(), ORG_PATHS_KEY.lower()})
# The conditions an account-principal statement carries (external id, MFA).
PRINCIPAL_CONDITION_KEYS = frozenset({EXTERNAL_ID_KEY.lower(), MFA_KEY.lower()})
# Condition keys that can limit a wildcard principal to known principals (SPEC "Trust beyond account ids").
NARROWING_KEYS = (
    ORG_ID_KEY.lower(), ORG_PATHS_KEY.lower(), PRINCIPAL_ACCOUNT_KEY.lower(), PRINCIPAL_ARN_KEY.lower(), SOURCE_ACCOUNT_KEY.lower(),
    SOURCE_ARN_KEY.lower(),
)

# Size limits as IAM counts them (policy_size: the JSON without whitespace). A trust policy holds 2048
# characters by default and 4096 after a quota increase (the account's AssumeRolePolicySizeQuota); a managed
# policy version 6144; the inline policies of one principal share 2048 (user), 5120 (group) or 10240 (role),
# the largest document AWS stores; a session policy of AssumeRole 2048.
TRUST_POLICY_SIZE_MAX = 4096
MANAGED_POLICY_SIZE_MAX = 6144
INLINE_POLICY_SIZE_MAX = {"user": 2048, "group": 5120, "role": 10240}
POLICY_SIZE_MAX = 10240
SESSION_POLICY_SIZE_MAX = 2048

_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")

Document = t.Dict[str, t.Any]


# --------------------------------------------------------------------------------------------
# Loading, normalisation and comparison
# --------------------------------------------------------------------------------------------

def load(value: t.Any) -> Document:
    """Return a fresh dict from a dict, a JSON string, or URL-encoded JSON.

    Raises ValueError with a short reason when the value is not a JSON object.
    """
    if isinstance(value, t.Mapping):
        return copy.deepcopy(dict(value))
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"policy document is not UTF-8 text: {exc}") from None
    if not isinstance(value, str):
        raise ValueError(f"policy document must be a JSON object or a JSON string, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise ValueError("policy document is empty")
    try:
        loaded = json.loads(text)
    except ValueError as first:
        # Some SDKs hand the document back URL-encoded ("%7B%22Version%22..."); plain JSON never
        # starts with "%", so decoding is tried only when the text does not parse as it is.
        if "%" not in text:
            raise ValueError(f"policy document is not valid JSON: {first}") from None
        try:
            loaded = json.loads(urllib.parse.unquote(text))
        except ValueError as second:
            raise ValueError(f"policy document is not valid JSON (nor URL-encoded JSON): {second}") from None
    if not isinstance(loaded, dict):
        raise ValueError(f"policy document must be a JSON object, not {type(loaded).__name__}")
    return loaded


def as_doc(doc: t.Any) -> Document:
    if doc is None:
        return {}
    return load(doc)


def as_list(value: t.Any) -> list[t.Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def statements_of(doc: Document) -> list[dict[str, t.Any]]:
    """The statements of a document as a list of dicts (IAM accepts a single statement object)."""
    raw = doc.get("Statement")
    return [st for st in as_list(raw) if isinstance(st, dict)]


def scalar_text(value: t.Any) -> str:
    # IAM stores condition values as strings; JSON true/false and numbers mean the same thing.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def sorted_unique(values: t.Iterable[str]) -> list[str]:
    return sorted(set(values))


def json_key(value: t.Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def find_partition(*docs: t.Any) -> str | None:
    """The partition of the first ARN met in the documents (to turn bare account ids into ARNs)."""
    for doc in docs:
        found = _find_partition_in(doc)
        if found:
            return found
    return None


def _find_partition_in(value: t.Any) -> str | None:
    if isinstance(value, str):
        match = ARN_PARTITION_RE.match(value)
        return match.group(1) if match else None
    if isinstance(value, t.Mapping):
        items: t.Iterable[t.Any] = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return None
    for item in items:
        found = _find_partition_in(item)
        if found:
            return found
    return None


def canon_aws_principal(value: t.Any, partition: str) -> str:
    text = scalar_text(value).strip()
    if ACCOUNT_ID_RE.fullmatch(text):
        # IAM stores a bare account id as the account's root ARN, in the document's own partition.
        return root_arn(text, partition)
    return text


def _canon_principal(value: t.Any, partition: str) -> dict[str, list[str]]:
    if isinstance(value, str):
        # "Principal": "*" is IAM shorthand for {"AWS": "*"}.
        return {"AWS": [canon_aws_principal(value, partition)]}
    if not isinstance(value, t.Mapping):
        return {"AWS": [scalar_text(value)]}
    result: dict[str, list[str]] = {}
    for kind, raw in value.items():
        items = [scalar_text(v).strip() for v in as_list(raw)]
        if kind == "AWS":
            items = [canon_aws_principal(v, partition) for v in items]
        elif kind == "Service":
            # Service principal names are DNS names: case does not matter.
            items = [v.lower() for v in items]
        elif kind == "Federated":
            items = [v if v.startswith("arn:") else v.lower() for v in items]
        if items:
            result[kind] = sorted_unique(items)
    return result


def condition_value_text(operator: str, value: t.Any) -> str:
    text = scalar_text(value)
    base = base_operator(operator)
    if base in ("Bool", "Null"):
        return text.lower()
    return text


def canon_condition(value: t.Any) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {}
    if not isinstance(value, t.Mapping):
        return result
    for operator, block in value.items():
        if not isinstance(block, t.Mapping):
            continue
        keys: dict[str, list[str]] = {}
        for key, raw in block.items():
            # Condition key names are case-insensitive in IAM; the operator names are not.
            lowered = str(key).lower()
            values = [condition_value_text(operator, v) for v in as_list(raw)]
            keys[lowered] = sorted_unique(keys.get(lowered, []) + values)
        if keys:
            result[str(operator)] = keys
    return result


def _canon_generic(value: t.Any) -> t.Any:
    if isinstance(value, t.Mapping):
        return {str(k): _canon_generic(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_canon_generic(v) for v in value]
        unique = {json_key(v): v for v in items}
        return [unique[k] for k in sorted(unique)]
    return value


def canon_statement(statement: t.Mapping[str, t.Any], partition: str) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {}
    for key, value in statement.items():
        if key == "Sid":
            # An empty Sid and a missing Sid mean the same thing.
            if value not in (None, ""):
                result["Sid"] = scalar_text(value)
        elif key in ("Action", "NotAction"):
            result[key] = sorted_unique(scalar_text(v).lower() for v in as_list(value))
        elif key in ("Resource", "NotResource"):
            result[key] = sorted_unique(scalar_text(v) for v in as_list(value))
        elif key in _PRINCIPAL_KEYS:
            result[key] = _canon_principal(value, partition)
        elif key == "Condition":
            condition = canon_condition(value)
            if condition:
                result["Condition"] = condition
        elif key == "Effect":
            result["Effect"] = scalar_text(value)
        else:
            result[str(key)] = _canon_generic(value)
    return result


def normalize(doc: t.Any, partition: str | None = None) -> Document:
    """The canonical form of a policy document, for comparison.

    Representation: ``Version`` always present (missing means ``2008-10-17``, as in IAM), ``Statement`` a
    list of statements sorted and de-duplicated, every multi-valued field a sorted, de-duplicated list
    (also single values), actions and service principals lower case, condition key names lower case,
    condition values strings (``true``/``false``, numbers as text), ``Principal: "*"`` as
    ``{"AWS": ["*"]}``, bare account ids as ``arn:<partition>:iam::ID:root``, empty ``Sid`` dropped.

    ``partition`` decides which root ARN a bare account id means; by default the partition of the first
    ARN in the document, else ``aws``.
    """
    source = as_doc(doc)
    partition = partition or find_partition(source) or "aws"
    result: Document = {}
    for key, value in source.items():
        if key == "Statement":
            continue
        if key == "Version":
            result["Version"] = scalar_text(value)
        elif key == "Id":
            if value not in (None, ""):
                result["Id"] = scalar_text(value)
        else:
            result[str(key)] = _canon_generic(value)
    result.setdefault("Version", IMPLICIT_VERSION)
    unique = {}
    for statement in statements_of(source):
        canon = canon_statement(statement, partition)
        unique[json_key(canon)] = canon
    result["Statement"] = [unique[k] for k in sorted(unique)]
    return result


def equivalent(a: t.Any, b: t.Any, partition: str | None = None) -> bool:
    """True when two documents mean the same thing (see normalize()).

    A bare account id is read in the partition of the first ARN found in either document, so
    ``"111111111111"`` equals ``arn:aws-cn:iam::111111111111:root`` when compared with an aws-cn policy.
    """
    if a is None or b is None:
        return a is None and b is None
    doc_a, doc_b = as_doc(a), as_doc(b)
    partition = partition or find_partition(doc_a, doc_b) or "aws"
    return normalize(doc_a, partition) == normalize(doc_b, partition)


def _tidy(value: t.Any, top: bool = True) -> t.Any:
    """Display form: keys sorted (by json), statements a list, lists of text sorted and de-duplicated.

    Unlike normalize() it keeps the case and the scalar/list shape the author chose, so a diff shows
    the document the user recognises.
    """
    if isinstance(value, t.Mapping):
        result = {}
        for key, item in value.items():
            if top and key == "Statement":
                result[key] = _tidy(as_list(item), top=False)
            elif key == "Sid" and item in (None, ""):
                continue
            else:
                result[str(key)] = _tidy(item, top=False)
        return result
    if isinstance(value, (list, tuple)):
        items = [_tidy(v, top=False) for v in value]
        unique = {json_key(v): v for v in items}
        return [unique[k] for k in sorted(unique)]
    return value


def canonical_json(doc: t.Any) -> str:
    """Stable JSON text for diffs and cache keys: sorted keys, sorted lists, two-space indent.

    Documents that differ only in key order, list order, duplicates or single statement object vs.
    list produce the same text; case and scalar-vs-list are kept as written (use equivalent() to
    compare by meaning).
    """
    if doc is None:
        return ""
    return json.dumps(_tidy(as_doc(doc)), sort_keys=True, indent=2)


def policy_diff(before: t.Any, after: t.Any) -> dict[str, str]:
    """Ansible diff for one document; a missing document is an empty string."""
    return {
        "before": canonical_json(before) if before else "",
        "after": canonical_json(after) if after else "",
    }


def check_partition(partition: str) -> str:
    if partition not in PARTITIONS:
        raise ValueError(f"unknown partition {partition!r}, expected one of {', '.join(PARTITIONS)}")
    return partition


# --------------------------------------------------------------------------------------------
# Reading statements
# --------------------------------------------------------------------------------------------

def aws_values(statement: t.Mapping[str, t.Any], key: str = "Principal") -> list[str] | None:
    """The AWS principals of a statement as raw strings, or None when it has no AWS principal."""
    principal = statement.get(key)
    if principal == "*":
        return ["*"]
    if isinstance(principal, t.Mapping) and "AWS" in principal:
        return [scalar_text(v).strip() for v in as_list(principal["AWS"])]
    return None


def action_set(statement: t.Mapping[str, t.Any]) -> frozenset[str]:
    return frozenset(scalar_text(a).lower() for a in as_list(statement.get("Action")))


def statement_label(statement: t.Mapping[str, t.Any], index: int) -> str:
    sid = statement.get("Sid")
    return f'statement "{sid}"' if sid else f"statement #{index + 1}"


def condition_keys(statement: t.Mapping[str, t.Any]) -> dict[str, set[str]]:
    """Lower-case condition key -> set of operator names using it."""
    keys: dict[str, set[str]] = {}
    condition = statement.get("Condition")
    if isinstance(condition, t.Mapping):
        for operator, block in condition.items():
            if isinstance(block, t.Mapping):
                for key in block:
                    keys.setdefault(str(key).lower(), set()).add(str(operator))
    return keys


def find_dangling_principals(doc: t.Any) -> list[str]:
    """Unique ids (``AIDA…``, ``AROA…``) that IAM put in place of deleted users and roles, sorted."""
    found = set()
    for statement in statements_of(as_doc(doc)):
        for value in aws_values(statement) or []:
            if is_unique_id(value):
                found.add(value)
    return sorted(found)


def trust_principals(doc: t.Any, partition: str | None = None) -> list[str]:
    """All AWS principals of Allow statements granting sts:AssumeRole (wildcards included), sorted.

    Bare account ids come back as root ARNs; ``*`` and unique ids (deleted principals) verbatim.
    """
    source = as_doc(doc)
    partition = partition or find_partition(source) or "aws"
    found = set()
    for statement in statements_of(source):
        if statement.get("Effect") != "Allow" or not action_matches(statement, ASSUME_ROLE):
            continue
        for value in aws_values(statement) or []:
            found.add(canon_aws_principal(value, partition))
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Condition operators and IAM patterns
# --------------------------------------------------------------------------------------------

_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")


def context_lookup(context: t.Mapping[str, t.Any], key: str) -> list[str] | None:
    """Values of a context key (case-insensitive), as a list of strings; None when absent."""
    wanted = key.lower()
    for name, value in context.items():
        if str(name).lower() == wanted:
            if value is None:
                return None
            return [scalar_text(v) for v in as_list(value)]
    return None


def _pattern_regex(pattern: str, context: t.Mapping[str, t.Any], wildcards: bool, ignore_case: bool, variables: bool) -> re.Pattern[str] | None:
    """Compile an IAM pattern (``*``/``?`` wildcards, ``${key}`` policy variables) to a regex.

    Returns None when a policy variable has no value in the context (IAM then treats the
    element as not matching).
    """
    parts: list[str] = []
    position = 0
    text = pattern
    while position < len(text):
        match = _VARIABLE_RE.match(text, position) if variables else None
        if match:
            inner = match.group(1).strip()
            if inner in ("*", "?", "$"):
                parts.append(re.escape(inner))
            else:
                name, _sep, default = inner.partition(",")
                values = context_lookup(context, name.strip())
                if values and len(values) == 1:
                    parts.append(re.escape(values[0]))
                elif default.strip():
                    parts.append(re.escape(default.strip().strip("'\"")))
                else:
                    return None
            position = match.end()
            continue
        char = text[position]
        if wildcards and char == "*":
            parts.append(".*")
        elif wildcards and char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches_pattern(pattern: str, value: str, context: t.Mapping[str, t.Any] | None = None, *, wildcards: bool = True,
                    ignore_case: bool = False, variables: bool = False) -> bool:
    regex = _pattern_regex(pattern, context or {}, wildcards, ignore_case, variables)
    return regex is not None and regex.fullmatch(value) is not None


def action_matches(statement: t.Mapping[str, t.Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(matches_pattern(scalar_text(a), action, ignore_case=True) for a in as_list(statement["NotAction"]))
    return any(matches_pattern(scalar_text(a), action, ignore_case=True) for a in as_list(statement.get("Action")))


_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> ("ForAnyValue", "StringLike", True)."""
    prefix = None
    for candidate in _SET_PREFIXES:
        if operator.startswith(candidate):
            prefix = candidate[:-1]
            operator = operator[len(candidate):]
            break
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    return prefix, operator, if_exists


def condition_number(text: str) -> float | None:
    """The number a Numeric condition value stands for, or None when it is none."""
    try:
        return float(text)
    except ValueError:
        return None


def condition_instant(text: str) -> float | None:
    """Seconds since the epoch of a Date condition value: an epoch number or an ISO 8601 date, as IAM accepts both."""
    number = condition_number(text)
    if number is not None:
        return number
    try:
        # fromisoformat() before Python 3.11 does not read a "Z" suffix.
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)).timestamp()


def base_operator(operator: str) -> str:
    return split_operator(operator)[1]


# The negated operators: they exclude callers, and hold when the key is absent (Null aside, which tests presence).
NEGATED_OPERATORS = frozenset({
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress",
})


# --------------------------------------------------------------------------------------------
# Condition keys that narrow a wildcard principal
# --------------------------------------------------------------------------------------------

_POSITIVE_STRING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})
_POSITIVE_ARN_OPERATORS = frozenset({"ArnEquals", "ArnLike", "StringEquals", "StringLike"})
_WILDCARD_CHARS = ("*", "?", "${")
# Narrowing keys whose values are ARNs (ArnEquals/ArnLike apply to them as well as the string operators).
_ARN_VALUED_KEYS = frozenset({PRINCIPAL_ARN_KEY.lower(), SOURCE_ARN_KEY.lower()})


def _concrete(text: str) -> bool:
    return bool(text) and not any(char in text for char in _WILDCARD_CHARS)


def _narrowing_value(key: str, value: str) -> bool:
    """Does this one condition value limit the principal to something concrete?"""
    if key == ORG_ID_KEY.lower():
        return _concrete(value) and ORGANIZATION_ID_RE.fullmatch(value) is not None
    if key == ORG_PATHS_KEY.lower():
        # o-…/ then anything: the organization is fixed even when the OU part is a pattern.
        org, sep, _rest = value.partition("/")
        return bool(sep) and _concrete(org) and ORGANIZATION_ID_RE.fullmatch(org) is not None
    if key in (PRINCIPAL_ACCOUNT_KEY.lower(), SOURCE_ACCOUNT_KEY.lower()):
        return ACCOUNT_ID_RE.fullmatch(value) is not None
    if key == PRINCIPAL_ARN_KEY.lower():
        parsed = parse_arn(value)
        return parsed is not None and ACCOUNT_ID_RE.fullmatch(parsed.account) is not None
    if key == SOURCE_ARN_KEY.lower():
        parsed = parse_arn(value)
        if parsed is None:
            return False
        # A concrete account, or a resource without any wildcard (S3 bucket ARNs have no account).
        return ACCOUNT_ID_RE.fullmatch(parsed.account) is not None or _concrete(value)
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
        prefix, base, if_exists = split_operator(str(operator))
        if if_exists or prefix == "ForAllValues":
            continue
        for raw_key, raw in block.items():
            key = str(raw_key).lower()
            if key not in NARROWING_KEYS:
                continue
            allowed = _POSITIVE_ARN_OPERATORS if key in _ARN_VALUED_KEYS else _POSITIVE_STRING_OPERATORS
            if base not in allowed:
                continue
            values = [scalar_text(v).strip() for v in as_list(raw)]
            if values and all(_narrowing_value(key, value) for value in values):
                found.add(key)
    return found


def is_wildcard_statement(statement: t.Mapping[str, t.Any]) -> bool:
    """An Allow statement whose principal is everybody: ``*`` (also among AWS principals) or NotPrincipal."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, t.Mapping):
        return any(scalar_text(v).strip() == "*" for values in principal.values() for v in as_list(values))
    return False


def unnarrowed_wildcards(doc: t.Any) -> list[int]:
    """Indexes of Allow statements that trust everybody without a condition that narrows it."""
    return [
        index for index, statement in enumerate(statements_of(as_doc(doc)))
        if is_wildcard_statement(statement) and not narrowing_keys(statement)
    ]


def has_unconditioned_wildcard(doc: t.Any) -> bool:
    """True when an Allow statement trusts everybody (``*`` or NotPrincipal) without a narrowing condition."""
    return bool(unnarrowed_wildcards(doc))


# --------------------------------------------------------------------------------------------
# Size
# --------------------------------------------------------------------------------------------

def policy_size(doc: t.Any) -> int:
    """Characters IAM counts against a size quota: the JSON without whitespace."""
    return len(re.sub(r"\s", "", json.dumps(as_doc(doc), separators=(",", ":"))))
