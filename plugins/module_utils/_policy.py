# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the pure IAM policy engine.

Build trust and source documents from intent, normalise and compare them by meaning, merge and
remove trust principals statement by statement, find principals that AWS replaced by unique ids.
Lint (findings, size quota, wildcard narrowing) lives in ``_policy_lint``, evaluating documents (the
verify_access diagnosis) in ``_policy_eval``, trust intents beyond account ids in ``_policy_intents``.

Every function is pure: no AWS call, no I/O, inputs are never mutated. Documents are plain dicts
as boto3 returns them (``GetRole`` already URL-decodes ``AssumeRolePolicyDocument``).

Why so much normalisation: IAM rewrites what it stores (account ids become ``arn:<partition>:iam::ID:root``,
one-item lists may come back as scalars, key and list order change), so comparing text or dicts
literally reports "changed" on every run.
"""

from __future__ import annotations

import copy
import json
import re
import typing as t
import urllib.parse

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import (
    PARTITIONS,
    is_unique_id,
    root_arn,
)

DEFAULT_VERSION = "2012-10-17"
# What IAM assumes when a document has no Version: policy variables are then plain text.
IMPLICIT_VERSION = "2008-10-17"

ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
TRUST_ACTIONS = (ASSUME_ROLE,)
_TRUST_ACTIONS_LOWER = frozenset(a.lower() for a in (ASSUME_ROLE, TAG_SESSION, SET_SOURCE_IDENTITY))

TRUST_SID = "CrossAccountAssumeRole"
SOURCE_SID = "AllowAssumeCrossAccountRole"

_ACCOUNT_RE = re.compile(r"[0-9]{12}", re.ASCII)
_ARN_PARTITION_RE = re.compile(r"arn:(aws|aws-cn|aws-us-gov):")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")

Document = t.Dict[str, t.Any]


# --------------------------------------------------------------------------------------------
# Loading and normalisation
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


def _as_doc(doc: t.Any) -> Document:
    if doc is None:
        return {}
    return load(doc)


def _as_list(value: t.Any) -> list[t.Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _statements(doc: Document) -> list[dict[str, t.Any]]:
    """The statements of a document as a list of dicts (IAM accepts a single statement object)."""
    raw = doc.get("Statement")
    return [st for st in _as_list(raw) if isinstance(st, dict)]


def _scalar_text(value: t.Any) -> str:
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


def _sorted_unique(values: t.Iterable[str]) -> list[str]:
    return sorted(set(values))


def _json_key(value: t.Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _find_partition(*docs: t.Any) -> str | None:
    """The partition of the first ARN met in the documents (to turn bare account ids into ARNs)."""
    for doc in docs:
        found = _find_partition_in(doc)
        if found:
            return found
    return None


def _find_partition_in(value: t.Any) -> str | None:
    if isinstance(value, str):
        match = _ARN_PARTITION_RE.match(value)
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


def _canon_aws_principal(value: t.Any, partition: str) -> str:
    text = _scalar_text(value).strip()
    if _ACCOUNT_RE.fullmatch(text):
        # IAM stores a bare account id as the account's root ARN, in the document's own partition.
        return root_arn(text, partition)
    return text


def _canon_principal(value: t.Any, partition: str) -> dict[str, list[str]]:
    if isinstance(value, str):
        # "Principal": "*" is IAM shorthand for {"AWS": "*"}.
        return {"AWS": [_canon_aws_principal(value, partition)]}
    if not isinstance(value, t.Mapping):
        return {"AWS": [_scalar_text(value)]}
    result: dict[str, list[str]] = {}
    for kind, raw in value.items():
        items = [_scalar_text(v).strip() for v in _as_list(raw)]
        if kind == "AWS":
            items = [_canon_aws_principal(v, partition) for v in items]
        elif kind == "Service":
            # Service principal names are DNS names: case does not matter.
            items = [v.lower() for v in items]
        elif kind == "Federated":
            items = [v if v.startswith("arn:") else v.lower() for v in items]
        if items:
            result[kind] = _sorted_unique(items)
    return result


def _condition_value_text(operator: str, value: t.Any) -> str:
    text = _scalar_text(value)
    base = _base_operator(operator)
    if base in ("Bool", "Null"):
        return text.lower()
    return text


def _canon_condition(value: t.Any) -> dict[str, dict[str, list[str]]]:
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
            values = [_condition_value_text(operator, v) for v in _as_list(raw)]
            keys[lowered] = _sorted_unique(keys.get(lowered, []) + values)
        if keys:
            result[str(operator)] = keys
    return result


def _canon_generic(value: t.Any) -> t.Any:
    if isinstance(value, t.Mapping):
        return {str(k): _canon_generic(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_canon_generic(v) for v in value]
        unique = {_json_key(v): v for v in items}
        return [unique[k] for k in sorted(unique)]
    return value


def _canon_statement(statement: t.Mapping[str, t.Any], partition: str) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {}
    for key, value in statement.items():
        if key == "Sid":
            # An empty Sid and a missing Sid mean the same thing.
            if value not in (None, ""):
                result["Sid"] = _scalar_text(value)
        elif key in ("Action", "NotAction"):
            result[key] = _sorted_unique(_scalar_text(v).lower() for v in _as_list(value))
        elif key in ("Resource", "NotResource"):
            result[key] = _sorted_unique(_scalar_text(v) for v in _as_list(value))
        elif key in _PRINCIPAL_KEYS:
            result[key] = _canon_principal(value, partition)
        elif key == "Condition":
            condition = _canon_condition(value)
            if condition:
                result["Condition"] = condition
        elif key == "Effect":
            result["Effect"] = _scalar_text(value)
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
    source = _as_doc(doc)
    partition = partition or _find_partition(source) or "aws"
    result: Document = {}
    for key, value in source.items():
        if key == "Statement":
            continue
        if key == "Version":
            result["Version"] = _scalar_text(value)
        elif key == "Id":
            if value not in (None, ""):
                result["Id"] = _scalar_text(value)
        else:
            result[str(key)] = _canon_generic(value)
    result.setdefault("Version", IMPLICIT_VERSION)
    unique = {}
    for statement in _statements(source):
        canon = _canon_statement(statement, partition)
        unique[_json_key(canon)] = canon
    result["Statement"] = [unique[k] for k in sorted(unique)]
    return result


def equivalent(a: t.Any, b: t.Any, partition: str | None = None) -> bool:
    """True when two documents mean the same thing (see normalize()).

    A bare account id is read in the partition of the first ARN found in either document, so
    ``"111111111111"`` equals ``arn:aws-cn:iam::111111111111:root`` when compared with an aws-cn policy.
    """
    if a is None or b is None:
        return a is None and b is None
    doc_a, doc_b = _as_doc(a), _as_doc(b)
    partition = partition or _find_partition(doc_a, doc_b) or "aws"
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
                result[key] = _tidy(_as_list(item), top=False)
            elif key == "Sid" and item in (None, ""):
                continue
            else:
                result[str(key)] = _tidy(item, top=False)
        return result
    if isinstance(value, (list, tuple)):
        items = [_tidy(v, top=False) for v in value]
        unique = {_json_key(v): v for v in items}
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
    return json.dumps(_tidy(_as_doc(doc)), sort_keys=True, indent=2)


def policy_diff(before: t.Any, after: t.Any) -> dict[str, str]:
    """Ansible diff for one document; a missing document is an empty string."""
    return {
        "before": canonical_json(before) if before else "",
        "after": canonical_json(after) if after else "",
    }


# --------------------------------------------------------------------------------------------
# Building documents from intent
# --------------------------------------------------------------------------------------------

def _check_partition(partition: str) -> str:
    if partition not in PARTITIONS:
        raise ValueError(f"unknown partition {partition!r}, expected one of {', '.join(PARTITIONS)}")
    return partition


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
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    return condition


def _principal_arns(account_ids: t.Iterable[str], principal_arns: t.Iterable[str], partition: str) -> list[str]:
    result = []
    for account in account_ids or ():
        text = str(account).strip()
        if not _ACCOUNT_RE.fullmatch(text):
            raise ValueError(f"account id {text!r} is not 12 digits")
        result.append(root_arn(text, partition))
    for arn in principal_arns or ():
        result.append(_canon_aws_principal(arn, partition))
    return _sorted_unique(result)


def _trust_statement(sid: str, principals: list[str], actions: list[str], condition: dict[str, t.Any]) -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": list(actions),
    }
    if condition:
        statement["Condition"] = copy.deepcopy(condition)
    return statement


def build_trust_policy(
    trusted_account_ids: t.Iterable[str] = (),
    trusted_principal_arns: t.Iterable[str] = (),
    external_id: str | None = None,
    require_mfa: bool = False,
    allow_session_tags: bool = False,
    allow_source_identity: bool = False,
    partition: str = "aws",
) -> Document:
    """A trust policy with one Allow statement for the given accounts and principals.

    Lists are used for ``Principal.AWS`` and ``Action`` even with one item, so callers can rely on
    the shape. Raises ValueError when no principal is given or an account id is malformed.
    """
    _check_partition(partition)
    principals = _principal_arns(trusted_account_ids, trusted_principal_arns, partition)
    if not principals:
        raise ValueError("a trust policy needs at least one trusted account id or principal ARN")
    statement = _trust_statement(
        TRUST_SID, principals, trust_actions(allow_session_tags, allow_source_identity), trust_condition(external_id, require_mfa)
    )
    if "*" in principals:
        # Anyone in any AWS account could assume the role: never built, whatever the caller validated.
        # (The only conditions built here, sts:ExternalId and MFA, narrow nothing: see _policy_lint.narrowing_keys.)
        raise ValueError("a trust policy must not trust principal '*' without a condition")
    return {"Version": DEFAULT_VERSION, "Statement": [statement]}


def build_source_policy(
    target_role_arns: t.Iterable[str], allow_session_tags: bool = False, allow_source_identity: bool = False
) -> Document:
    """The least-privilege identity policy: sts:AssumeRole (plus opted-in actions) on exactly these roles."""
    if isinstance(target_role_arns, str):
        target_role_arns = [target_role_arns]
    resources = _sorted_unique(str(arn).strip() for arn in target_role_arns or ())
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


SOURCE_ORG_SID = "AllowAssumeRoleInOrganization"


def build_source_org_policy(organization_id: str, role_name: str, role_path: str = "/", partition: str = "aws",
                            allow_session_tags: bool = False, allow_source_identity: bool = False) -> Document:
    """sts:AssumeRole on the role named ``role_path + role_name`` in any account, only under
    ``StringEquals aws:ResourceOrgID``: one constant-size policy for every account of an organization."""
    _check_partition(partition)
    path = "/" if not role_path or role_path == "/" else "/" + role_path.strip("/") + "/"
    if any(char in role_name + path for char in "*?$"):
        raise ValueError("role name and path must not contain '*', '?' or '$' (wildcards or variables in a Resource)")
    statement = {
        "Sid": SOURCE_ORG_SID,
        "Effect": "Allow",
        "Action": trust_actions(allow_session_tags, allow_source_identity),
        "Resource": f"arn:{partition}:iam::*:role{path}{role_name}",
        "Condition": {"StringEquals": {"aws:ResourceOrgID": organization_id}},
    }
    return {"Version": DEFAULT_VERSION, "Statement": [statement]}


# --------------------------------------------------------------------------------------------
# Statement-level editing of trust policies
# --------------------------------------------------------------------------------------------

def _aws_values(statement: t.Mapping[str, t.Any], key: str = "Principal") -> list[str] | None:
    """The AWS principals of a statement as raw strings, or None when it has no AWS principal."""
    principal = statement.get(key)
    if principal == "*":
        return ["*"]
    if isinstance(principal, t.Mapping) and "AWS" in principal:
        return [_scalar_text(v).strip() for v in _as_list(principal["AWS"])]
    return None


def _action_set(statement: t.Mapping[str, t.Any]) -> frozenset[str]:
    return frozenset(_scalar_text(a).lower() for a in _as_list(statement.get("Action")))


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
    actions = _action_set(statement)
    if not (actions and actions <= _TRUST_ACTIONS_LOWER and ASSUME_ROLE.lower() in actions):
        return False
    # Wildcards, organization and principal-pattern statements belong to other intents (_policy_intents).
    return "*" not in (_aws_values(statement) or []) and not _belongs_to_other_intent(statement)


def _belongs_to_other_intent(statement: t.Mapping[str, t.Any]) -> bool:
    return bool(set(_condition_keys(statement)) & _OTHER_INTENT_KEYS)


_OTHER_INTENT_KEYS = frozenset({"aws:principalarn", "aws:principalorgid", "aws:principalorgpaths"})


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
        canon = _canon_aws_principal(principal, partition)
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
    doc = _as_doc(current) if current else _empty_trust_doc()
    principals = [principals] if isinstance(principals, str) else list(principals or ())
    if partition is None:
        partition = _find_partition(principals, doc) or "aws"
    wanted = _wanted_principals(principals, partition)
    if not wanted:
        raise ValueError("merge_trust needs at least one principal")
    actions = trust_actions(allow_session_tags, allow_source_identity)
    action_key = frozenset(a.lower() for a in actions)
    condition = trust_condition(external_id, require_mfa)
    condition_key = _canon_condition(condition)

    statements = [copy.deepcopy(st) for st in _statements(doc)]
    # Statements that already grant exactly the requested actions under exactly these conditions. A
    # principal found in any of them is already where it belongs (even if such statements are
    # duplicated), so it is neither added nor moved: that keeps a converged document a no-op.
    same = [
        index for index, statement in enumerate(statements)
        if _is_plain_aws_trust(statement) and _action_set(statement) == action_key and _canon_condition(statement.get("Condition")) == condition_key
    ]
    present = {_canon_aws_principal(v, partition) for index in same for v in _aws_values(statements[index]) or []}
    missing = [p for p in wanted if p not in present]
    target = same[0] if same else None

    result: list[dict[str, t.Any]] = []
    for index, statement in enumerate(statements):
        if index == target:
            if missing:
                principal = dict(statement["Principal"])
                principal["AWS"] = sorted((_aws_values(statement) or []) + missing)
                statement["Principal"] = principal
            result.append(statement)
        elif index not in same and _is_plain_aws_trust(statement):
            values = _aws_values(statement) or []
            kept = [v for v in values if _canon_aws_principal(v, partition) not in wanted]
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
        result.append(_trust_statement(sid, sorted(wanted), actions, condition))

    merged = dict(doc)
    merged["Statement"] = result
    if current and equivalent(merged, current, partition):
        return _as_doc(current)
    return merged


def _remove_principals(doc: Document, doomed: t.Callable[[str], bool], effects: tuple[str, ...] | None,
                       skip: t.Callable[[t.Mapping[str, t.Any]], bool] | None = None) -> Document:
    result: list[dict[str, t.Any]] = []
    for statement in _statements(doc):
        values = _aws_values(statement)
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
    roots are how a pattern is written, see _policy_intents) and every other principal are kept. When no statement is
    left the result has an empty ``Statement`` list: IAM refuses to store such a trust policy
    (``MalformedPolicyDocument``), so the caller must decide what to do (fail, or delete the role).
    """
    doc = _as_doc(current) if current else _empty_trust_doc()
    principals = [principals] if isinstance(principals, str) else list(principals or ())
    if partition is None:
        partition = _find_partition(principals, doc) or "aws"
    wanted = set(_wanted_principals(principals, partition))
    if not wanted:
        return doc
    removed = _remove_principals(doc, lambda v: _canon_aws_principal(v, partition) in wanted, ("Allow",), _belongs_to_other_intent)
    if equivalent(removed, doc, partition):
        return doc
    return removed


def find_dangling_principals(doc: t.Any) -> list[str]:
    """Unique ids (``AIDA…``, ``AROA…``) that IAM put in place of deleted users and roles, sorted."""
    found = set()
    for statement in _statements(_as_doc(doc)):
        for value in _aws_values(statement) or []:
            if is_unique_id(value):
                found.add(value)
    return sorted(found)


def remove_dangling_principals(doc: t.Any) -> Document:
    """Drop unique-id principals from every statement (a deleted principal can never match again)."""
    source = _as_doc(doc)
    if not find_dangling_principals(source):
        return source
    return _remove_principals(source, is_unique_id, None)


def trust_principals(doc: t.Any, partition: str | None = None) -> list[str]:
    """All AWS principals of Allow statements granting sts:AssumeRole (wildcards included), sorted.

    Bare account ids come back as root ARNs; ``*`` and unique ids (deleted principals) verbatim.
    """
    source = _as_doc(doc)
    partition = partition or _find_partition(source) or "aws"
    found = set()
    for statement in _statements(source):
        if statement.get("Effect") != "Allow" or not _action_matches(statement, ASSUME_ROLE):
            continue
        for value in _aws_values(statement) or []:
            found.add(_canon_aws_principal(value, partition))
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Statement helpers, patterns and condition operators (shared with _policy_lint, _policy_eval, _policy_intents)
# --------------------------------------------------------------------------------------------

def _label(statement: t.Mapping[str, t.Any], index: int) -> str:
    sid = statement.get("Sid")
    return f'statement "{sid}"' if sid else f"statement #{index + 1}"


def _condition_keys(statement: t.Mapping[str, t.Any]) -> dict[str, set[str]]:
    """Lower-case condition key -> set of operator names using it."""
    keys: dict[str, set[str]] = {}
    condition = statement.get("Condition")
    if isinstance(condition, t.Mapping):
        for operator, block in condition.items():
            if isinstance(block, t.Mapping):
                for key in block:
                    keys.setdefault(str(key).lower(), set()).add(str(operator))
    return keys


_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")


def _context_lookup(context: t.Mapping[str, t.Any], key: str) -> list[str] | None:
    """Values of a context key (case-insensitive), as a list of strings; None when absent."""
    wanted = key.lower()
    for name, value in context.items():
        if str(name).lower() == wanted:
            if value is None:
                return None
            return [_scalar_text(v) for v in _as_list(value)]
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
                values = _context_lookup(context, name.strip())
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


def _matches(pattern: str, value: str, context: t.Mapping[str, t.Any] | None = None, *, wildcards: bool = True,
             ignore_case: bool = False, variables: bool = False) -> bool:
    regex = _pattern_regex(pattern, context or {}, wildcards, ignore_case, variables)
    return regex is not None and regex.fullmatch(value) is not None


def _action_matches(statement: t.Mapping[str, t.Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_matches(_scalar_text(a), action, ignore_case=True) for a in _as_list(statement["NotAction"]))
    return any(_matches(_scalar_text(a), action, ignore_case=True) for a in _as_list(statement.get("Action")))


_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")


def _split_operator(operator: str) -> tuple[str | None, str, bool]:
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


def _base_operator(operator: str) -> str:
    return _split_operator(operator)[1]
