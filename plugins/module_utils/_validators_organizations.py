# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: validators of AWS Organizations values: organization ids and paths, OU
selectors, account states and tag filters (organization_accounts inventory), and the source principals of the
SCP/RCP pre-flight (guardrail_check).

Validators as in ``_validators`` (one value and the option name in, the cleaned value out, a
ValidationFailure "<option>: must be ..., got ..." otherwise); the shared helpers come from there.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import ACCOUNT_ID_RE, ORGANIZATION_ID_RE, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._validators import (
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
    list_items,
    principal_arn,
    show,
    show_sized,
    string,
    tag_text,
    unique,
)

# ============================================================================================
# AWS Organizations: organization ids and paths, OUs, account states, tag filters
# ============================================================================================

# o-…/r-…/ then any number of ou-…/ segments; a final "*" takes in the sub-OUs too.
_ORG_PATH_RE = re.compile(r"o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}/(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}/)*\*?", re.ASCII)


def organization_id(value: t.Any, option: str) -> str:
    """An AWS Organizations id: ``o-`` and 10 to 32 lower-case letters or digits."""
    text = string(value, option, "an organization id (o-xxxxxxxxxx)")
    if ORGANIZATION_ID_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be an organization id (o- and 10 to 32 lower-case letters or digits), got {show(value)}")
    return text


def organization_path(value: t.Any, option: str, org_id: str | None = None) -> str:
    """An aws:PrincipalOrgPaths value ``o-…/r-…/ou-…/`` (a trailing ``*`` adds the sub-OUs)."""
    what = "an organization path o-xxxxxxxxxx/r-xxxx/ou-xxxx-xxxxxxxx/ (ending in / or /*)"
    text = string(value, option, what)
    if _ORG_PATH_RE.fullmatch(text) is None or not (text.endswith("/") or text.endswith("/*")):
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    if org_id is not None and not text.startswith(f"{org_id}/"):
        raise ValidationFailure(option, f"must be a path of organization {org_id} (trusted_org_id), got {show(value)}")
    return text


def organization_paths(values: t.Any, option: str, org_id: str | None = None) -> list[str]:
    paths = unique(organization_path(item, f"{option}[{index}]", org_id) for index, item in enumerate(list_items(values, option)))
    orgs = sorted({path.split("/", 1)[0] for path in paths})
    if len(orgs) > 1:
        raise ValidationFailure(option, f"must all be paths of one organization, got {', '.join(orgs)}")
    return paths


# --- organization_accounts inventory ---
# Organizations ids per the API reference: OU ou-<root part 4-32>-<8-32>, root r-<4-32>.
_OU_ID_RE = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}", re.ASCII)
_OU_NAME_MAX = 128
# Status (ACTIVE, SUSPENDED, PENDING_CLOSURE) is being retired in favour of State, which adds
# PENDING_ACTIVATION and CLOSED; a filter accepts the values of both.
ACCOUNT_STATES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "PENDING_ACTIVATION", "CLOSED")


def ou_selector(value: t.Any, option: str) -> tuple[str, str | tuple[str, ...]]:
    """An OU id (``ou-…``) or a path of OU names from the root (``Root/Workloads/Prod``).

    Returns ``("id", "ou-…")`` or ``("path", ("Root", "Workloads", "Prod"))``. A path is split on
    ``/``; a leading or trailing slash is tolerated, an empty segment (``Root//Prod``) is not.
    """
    text = string(value, option, "an OU path such as 'Root/Workloads/Prod' or an OU id such as 'ou-ab12-cdef3456'")
    text = text.strip()
    if text.startswith("ou-"):
        if _OU_ID_RE.fullmatch(text) is None:
            raise ValidationFailure(option, f"must be an OU id like 'ou-ab12-cdef3456' (lowercase letters and digits), got {show(value)}")
        return ("id", text)
    segments = text.strip("/").split("/")
    if not text.strip("/") or any(not segment for segment in segments):
        raise ValidationFailure(option, f"must be an OU path of names separated by '/' such as 'Root/Workloads/Prod', got {show(value)}")
    for segment in segments:
        if len(segment) > _OU_NAME_MAX:
            raise ValidationFailure(option, f"must have OU names of at most {_OU_NAME_MAX} characters, got {show_sized(segment)}")
    return ("path", tuple(segments))


def ou_selectors(values: t.Any, option: str) -> list[tuple[str, str | tuple[str, ...]]]:
    """OU selectors, duplicates removed, first-seen order kept."""
    return list(dict.fromkeys(ou_selector(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option))))


def account_states(values: t.Any, option: str) -> list[str]:
    """Account states or statuses, case-insensitive, at least one."""
    items = list_items(values, option)
    if not items:
        raise ValidationFailure(option, f"must list at least one of {', '.join(ACCOUNT_STATES)}")
    result = []
    for index, item in enumerate(items):
        where = f"{option}[{index}]"
        text = string(item, where, f"one of {', '.join(ACCOUNT_STATES)}").strip().upper()
        if text not in ACCOUNT_STATES:
            raise ValidationFailure(where, f"must be one of {', '.join(ACCOUNT_STATES)}, got {show(item)}")
        result.append(text)
    return unique(result)


def tag_filters(value: t.Any, option: str) -> dict[str, tuple[str, ...]]:
    """Tag key -> one value or a non-empty list of values (any of them matches)."""
    if value is None:
        return {}
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict of tag key to a value or a list of values, got {show(value)}")
    result: dict[str, tuple[str, ...]] = {}
    for raw_key, raw_values in value.items():
        key = tag_text(raw_key, option, "tag key", 1, TAG_KEY_MAX)
        where = f"{option}.{key}"
        candidates = list(raw_values) if isinstance(raw_values, (list, tuple)) else [raw_values]
        if not candidates:
            raise ValidationFailure(where, "must be a tag value or a non-empty list of tag values")
        cleaned = []
        for index, candidate in enumerate(candidates):
            item_where = f"{where}[{index}]" if isinstance(raw_values, (list, tuple)) else where
            if candidate is None:
                raise ValidationFailure(item_where, "must be a tag value; write '' to match an empty value")
            cleaned.append(tag_text(candidate, item_where, "tag value", 0, TAG_VALUE_MAX))
        result[key] = tuple(unique(cleaned))
    return result


# --- guardrails: the SCP/RCP pre-flight (guardrail_check) ---


def source_principal(value: t.Any, option: str) -> str:
    """A principal whose sts:AssumeRole calls the SCPs limit: an IAM user, role or assumed-role ARN, an account root ARN,
    or a 12-digit account id (any principal of that account)."""
    if isinstance(value, str) and ACCOUNT_ID_RE.fullmatch(value):
        return value
    parsed = parse_arn(value) if isinstance(value, str) else None
    if parsed is not None and parsed.service == "sts" and parsed.resource_type == "federated-user":
        raise ValidationFailure(option, f"must be an IAM user, role or root ARN, an STS assumed-role ARN or an account id, got {show(value)}")
    return principal_arn(value, option)


def source_principals(values: t.Any, option: str) -> list[str]:
    """At least one source principal, duplicates removed."""
    found = unique(source_principal(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option, "principals")))
    if not found:
        raise ValidationFailure(option, "must name at least one principal (an IAM ARN or an account id)")
    return found
