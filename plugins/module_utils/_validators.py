# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: THE validation layer, pure input validators grouped by domain.

Each validator takes one value (a list, a dict or a document counts as one value) and the public option
name, returns the cleaned value, and raises ValidationFailure("<option>: must be <what was expected>, got
<value>") otherwise; a value that may be a secret is never echoed. They run before the first AWS call, so a
typo costs no API round trip and never leaves a half-applied change. What depends on several options or
on AWS state (``type=inline`` needs principals, an ARN in the caller's partition) is the logic files' to
check; the registry of kinds the roles reach through the ``option_problems`` filter is ``_option_kinds``.

Domains, in order: shared helpers; AWS account ids and ARNs; IAM names and paths; policy documents;
tags; STS sessions; endpoints and connection options; Organizations; trust beyond account ids and OIDC;
AWS CLI profiles.

The limits follow the IAM, STS and Organizations API references. Patterns are compiled with re.ASCII
because AWS's ``\\w`` means ``[A-Za-z0-9_]``: Python's Unicode ``\\w`` would let "rôle" or Arabic-Indic
digits through, only for AWS to reject them later.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import stat
import typing as t
import unicodedata
import urllib.parse

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import (
    ACCOUNT_ID_RE,
    ORGANIZATION_ID_RE,
    PARTITION_PATTERN,
    PARTITIONS,
    Arn,
    parse_arn,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._policy import (
    POLICY_SIZE_MAX,
    SESSION_POLICY_SIZE_MAX,
    TRUST_POLICY_SIZE_MAX,
    has_unconditioned_wildcard,
)

# ============================================================================================
# Shared helpers: how a bad value is shown, strings, lists, numbers, choices, known keys
# ============================================================================================

_DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)
_SHOW_MAX = 48


def show(value: t.Any) -> str:
    """A one-line, length-bounded repr of a bad value for a message.

    repr() escapes newlines and control characters, so a hostile value cannot forge extra
    output lines; long values are cut so a pasted policy cannot flood the terminal.
    """
    if isinstance(value, str) and len(value) > _SHOW_MAX:
        return f"{value[:_SHOW_MAX - 8]!r}... ({len(value)} characters)"
    text = repr(value)
    if len(text) > _SHOW_MAX:
        text = text[:_SHOW_MAX - 8] + "..."
    # isinstance, not type(): Ansible hands plugins tagged subclasses of str and int (data tagging, 2.19+).
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return text
    return f"{text} ({type(value).__name__})"


def show_sized(value: str) -> str:
    """show() plus the length, which show() already adds for values it cuts."""
    return show(value) if len(value) > _SHOW_MAX else f"{show(value)} ({len(value)} characters)"


def _string(value: t.Any, option: str, expected: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be {expected}, got {show(value)}")
    return value


def _bounded_pattern(value: t.Any, option: str, what: str, pattern: re.Pattern[str], low: int, high: int, chars: str) -> str:
    text = _string(value, option, what)
    if not low <= len(text) <= high:
        raise ValidationFailure(option, f"must be {what} of {low} to {high} characters, got {show_sized(text)}")
    if pattern.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be {what} made of {chars}, got {show(value)}")
    return text


def _items(values: t.Any, option: str, what: str = "") -> list[t.Any]:
    """THE list check: the items of a list option, [] when it is not given.

    None means "not given" for optional list options; a bare string is refused rather than split, because
    "111111111111,222222222222" vs a single id is exactly the ambiguity to avoid.
    """
    if values is None:
        return []
    if isinstance(values, (list, tuple)):
        return list(values)
    raise ValidationFailure(option, f"must be a list{' of ' + what if what else ''}, got {show(values)}")


def _unique(values: t.Iterable[str], key: t.Callable[[str], str] | None = None) -> list[str]:
    """Duplicates removed, first-seen order kept; ``key`` says when two values are the same (IAM names: any case)."""
    seen: set[str] = set()
    result = []
    for value in values:
        marker = key(value) if key is not None else value
        if marker not in seen:
            seen.add(marker)
            result.append(value)
    return result


def _known_keys(value: t.Mapping[t.Any, t.Any], option: str, valid: t.Iterable[str], what: str = "key",
                shown: t.Iterable[str] | None = None) -> None:
    """Every key of a dict option is one of ``valid`` (listed as ``shown``, by default ``valid``); only the key
    is named, its value may be a secret."""
    allowed = tuple(valid)
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValidationFailure(f"{option}.{unknown[0]}", f"unknown {what}; must be one of {', '.join(shown or allowed)}")


def _whole_number(value: t.Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value.strip()) and len(value.strip()) <= 12:
        return int(value.strip())
    return None


def choice(value: t.Any, option: str, choices: t.Iterable[t.Any]) -> t.Any:
    allowed = tuple(choices)
    # Compare types too: True == 1 and 1.0 == 1 would otherwise slip a bool or float past an int choice. isinstance,
    # not type(): Ansible hands plugins tagged subclasses of str and int (data tagging, 2.19+).
    if not any(isinstance(value, type(item)) and isinstance(value, bool) == isinstance(item, bool) and item == value for item in allowed):
        raise ValidationFailure(option, f"must be one of {', '.join(map(str, allowed))}, got {show(value)}")
    return value


def choice_list(values: t.Any, option: str, allowed: t.Iterable[str]) -> list[str]:
    """A list whose items are each one of ``allowed``; duplicates removed."""
    options = tuple(allowed)
    return _unique(choice(item, f"{option}[{index}]", options) for index, item in enumerate(_items(values, option)))


def boolean(value: t.Any, option: str, spellings: bool = True) -> bool:
    """A boolean, or (``spellings``) its YAML/INI spellings as text (true/false, yes/no, 1/0).

    Without ``spellings`` only a real boolean passes, and anything else is shown: for an option ansible-core has
    converted already, a string there is a mistake to name.
    """
    if isinstance(value, bool):
        return value
    if not spellings:
        raise ValidationFailure(option, f"must be a boolean, got {show(value)}")
    text = str(value).lower()
    if text not in ("true", "false", "yes", "no", "1", "0"):
        # Not echoed: a connection dict's values are never shown, whichever key they came under.
        raise ValidationFailure(option, "must be a boolean")
    return text in ("true", "yes", "1")


# ============================================================================================
# AWS account ids and ARNs
# ============================================================================================

def account_id(value: t.Any, option: str) -> str:
    """Exactly 12 ASCII digits; an int is accepted when it has 12 digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 10 ** 11:
            # YAML turns an unquoted 012345678901 into an int and the leading zero is gone for good.
            raise ValidationFailure(
                option, f"must be a 12-digit AWS account id, got the number {value}; quote account ids in YAML so leading zeros survive"
            )
        value = str(value)
    text = _string(value, option, "a 12-digit AWS account id")
    if ACCOUNT_ID_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be a 12-digit AWS account id, got {show(value)}")
    return text


def account_ids(values: t.Any, option: str) -> list[str]:
    """A list of account ids, duplicates removed, first-seen order kept."""
    return _unique(account_id(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def arn(
    value: t.Any,
    option: str,
    service: str | t.Iterable[str] | None = None,
    resource_types: t.Iterable[str] | None = None,
    partition: str | None = None,
) -> Arn:
    """Any well-formed ARN, optionally restricted to a service, resource types and a partition."""
    expected = "an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
    text = _string(value, option, expected)
    parsed = parse_arn(text)
    if parsed is None:
        fields = text.split(":")
        hint = ""
        if fields[0] == "arn" and len(fields) > 1 and fields[1] not in PARTITIONS:
            hint = f"; the partition must be one of {', '.join(PARTITIONS)}"
        raise ValidationFailure(option, f"must be {expected}, got {show(value)}{hint}")
    if service is not None:
        services = (service,) if isinstance(service, str) else tuple(service)
        if parsed.service not in services:
            raise ValidationFailure(option, f"must be an ARN of service {' or '.join(services)}, got {show(value)}")
    if resource_types is not None:
        types = tuple(resource_types)
        if parsed.resource_type not in types:
            raise ValidationFailure(option, f"must be an ARN of a {' or '.join(types)}, got {show(value)}")
    if partition is not None and parsed.partition != partition:
        raise ValidationFailure(option, f"must be an ARN in partition {partition}, got {show(value)}")
    return parsed


def _iam_arn(value: t.Any, option: str, what: str, types: tuple[str, ...], allow_aws_account: bool = False) -> Arn:
    """An IAM ARN of one of ``types`` whose account, path and name are themselves valid."""
    parsed = arn(value, option, service="iam", resource_types=types)
    if parsed.region:
        raise ValidationFailure(option, f"must be {what} (IAM ARNs have no region), got {show(value)}")
    if not parsed.account or (parsed.account == "aws" and not allow_aws_account):
        raise ValidationFailure(option, f"must be {what} with a 12-digit account id, got {show(value)}")
    return parsed


def _check_path_and_name(parsed: Arn, value: t.Any, option: str, what: str, kind: str) -> None:
    name = parsed.resource_name
    path = parsed.path
    limit = IAM_NAME_MAX[kind]
    # "role/NAME" only: "role", "role:NAME" and "role/" parse as ARNs but name no role.
    # The resource must read back as TYPE + PATH + NAME: "role//Target" parses to path "/" but names no role AWS would report.
    well_formed = (parsed.resource.startswith(parsed.resource_type + "/") and not parsed.resource.endswith("/")
                   and parsed.resource == f"{parsed.resource_type}{path}{name}")
    if not well_formed or not 1 <= len(name) <= limit or _IAM_NAME_RE.fullmatch(name) is None:
        raise ValidationFailure(option, f"must be {what} whose name has 1 to {limit} characters of [A-Za-z0-9_+=,.@-], got {show(value)}")
    if path != "/" and _path_problem(path) is not None:
        raise ValidationFailure(option, f"must be {what} with a valid path ({_path_problem(path)}), got {show(value)}")


def role_arn(value: t.Any, option: str) -> str:
    """An IAM role ARN in any partition: ``arn:aws:iam::123456789012:role/PATH/NAME``."""
    what = "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
    parsed = _iam_arn(value, option, what, ("role",))
    _check_path_and_name(parsed, value, option, what, "role")
    return str(parsed)


def role_arns(values: t.Any, option: str) -> list[str]:
    """A list of role ARNs, duplicates removed, first-seen order kept."""
    return _unique(role_arn(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def principal_arn(value: t.Any, option: str) -> str:
    """An ARN that can stand in a trust policy's AWS principal: user, role, account root,
    assumed-role session or federated user. Account ids are converted by the caller."""
    what = "an IAM user, role or root ARN, or an STS assumed-role ARN"
    text = _string(value, option, what)
    parsed = parse_arn(text)
    if parsed is None:
        extra = "; pass account ids through the account id option" if ACCOUNT_ID_RE.fullmatch(text) else ""
        raise ValidationFailure(option, f"must be {what}, got {show(value)}{extra}")
    if parsed.service == "sts" and parsed.resource_type in ("assumed-role", "federated-user") and not parsed.region:
        parts = parsed.resource.split("/")
        expected_parts = 3 if parsed.resource_type == "assumed-role" else 2
        if (
            ACCOUNT_ID_RE.fullmatch(parsed.account)
            and len(parts) == expected_parts
            and all(_IAM_NAME_RE.fullmatch(part) and len(part) <= 64 for part in parts[1:])
        ):
            return str(parsed)
        raise ValidationFailure(option, f"must be {what}; malformed STS ARN {show(value)}")
    if parsed.service == "iam" and parsed.resource_type == "group":
        raise ValidationFailure(option, f"must be {what}; IAM groups cannot be principals, got {show(value)}")
    if parsed.service != "iam" or parsed.resource_type not in ("user", "role", "root"):
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    parsed = _iam_arn(value, option, what, ("user", "role", "root"))
    if parsed.resource_type == "root":
        if parsed.resource != "root":
            raise ValidationFailure(option, f"must be {what}; a root ARN ends in ':root', got {show(value)}")
        return str(parsed)
    _check_path_and_name(parsed, value, option, what, parsed.resource_type)
    return str(parsed)


def principal_arns(values: t.Any, option: str) -> list[str]:
    """Trust policy principals: a list of principal_arn values, duplicates removed."""
    return _unique(principal_arn(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def policy_arn(value: t.Any, option: str) -> str:
    """A managed policy ARN: customer (12-digit account) or AWS managed (account ``aws``)."""
    what = "an IAM managed policy ARN (arn:aws:iam::123456789012:policy/NAME)"
    parsed = _iam_arn(value, option, what, ("policy",), allow_aws_account=True)
    _check_path_and_name(parsed, value, option, what, "policy")
    return str(parsed)


_POLICY_WILDCARDS = "*?$"


def _no_policy_wildcards(text: str, option: str) -> str:
    # IAM paths may hold these characters, but in a policy's Resource they are wildcards or policy
    # variables: the policy would grant sts:AssumeRole on more roles than this one.
    if any(char in text for char in _POLICY_WILDCARDS):
        raise ValidationFailure(option, f"must not contain '*', '?' or '$' (IAM reads them as wildcards or variables), got {show(text)}")
    return text


def resource_role_arns(values: t.Any, option: str) -> list[str]:
    """Role ARNs that an identity policy grants as its Resource: exact (no wildcard), in one partition."""
    arns = _unique(role_arn(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option, "IAM role ARNs")))
    for index, value in enumerate(arns):
        _no_policy_wildcards(value, f"{option}[{index}]")
    partitions = sorted({t.cast(Arn, parse_arn(value)).partition for value in arns})
    if len(partitions) > 1:
        # One identity policy lives in one partition; an ARN from another partition could never match.
        raise ValidationFailure(option, f"must all be in the same partition, got {', '.join(partitions)}")
    return arns


# ============================================================================================
# IAM names and paths
# ============================================================================================

_IAM_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
# CreateRole/CreateUser: 64; CreateGroup, CreatePolicy, CreateInstanceProfile: 128.
IAM_NAME_MAX = {"role": 64, "user": 64, "group": 128, "policy": 128, "instance_profile": 128}
IAM_PATH_MAX = 512
_PATH_PREFIX_RE = re.compile(r"/[\x21-\x7e]*", re.ASCII)
_POLICY_NAME_RE = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
_PATH_SEGMENT_RE = re.compile(r"[\x21-\x2e\x30-\x7e]+", re.ASCII)
DESCRIPTION_MAX = 1000
_DESCRIPTION_RE = re.compile(r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*")


def iam_name(value: t.Any, option: str, kind: str = "role") -> str:
    """A role, user, group or policy name: [A-Za-z0-9_+=,.@-], 1-64 (role, user) or 1-128 characters."""
    limit = IAM_NAME_MAX[kind]
    return _bounded_pattern(value, option, f"an IAM {kind.replace('_', ' ')} name", _IAM_NAME_RE, 1, limit, "[A-Za-z0-9_+=,.@-]")


def iam_names(values: t.Any, option: str, kind: str = "role") -> list[str]:
    """A list of IAM names of one kind (users, groups, roles, policies), duplicates removed.

    IAM names are unique regardless of case: "Alice" and "alice" are one principal, kept as first written.
    """
    names = (iam_name(item, f"{option}[{index}]", kind) for index, item in enumerate(_items(values, option, f"IAM {kind} names")))
    return _unique(names, key=str.lower)


def _path_problem(text: str) -> str | None:
    if text == "/":
        return None
    if len(text) > IAM_PATH_MAX:
        return f"at most {IAM_PATH_MAX} characters"
    if not (text.startswith("/") and text.endswith("/")):
        return "it must begin and end with '/', e.g. '/team/'"
    if any(not 0x21 <= ord(char) <= 0x7E for char in text):
        return "only printable ASCII characters without spaces"
    # AWS would store "/a//b/" or "/../" literally, but they are always typos (or a path-traversal
    # habit carried over from file systems) and make ARN comparison surprising.
    if any(segment in ("", ".", "..") for segment in text[1:-1].split("/")):
        return "no empty, '.' or '..' segments"
    return None


def iam_path(value: t.Any, option: str) -> str:
    """"/" or "/a/b/": at most 512 printable ASCII characters, beginning and ending with "/"."""
    text = _string(value, option, "an IAM path such as '/' or '/team/'")
    problem = _path_problem(text)
    if problem is not None:
        raise ValidationFailure(option, f"must be an IAM path such as '/' or '/team/' ({problem}), got {show(value)}")
    return text


def iam_path_prefix(value: t.Any, option: str) -> str:
    """A ListRoles path prefix: "/" followed by printable ASCII, at most 512 characters ("/team" matches "/team-a/")."""
    return _bounded_pattern(value, option, "an IAM path prefix beginning with '/'", _PATH_PREFIX_RE, 1, IAM_PATH_MAX, "'/' then printable ASCII")


def policy_resource_path(value: t.Any, option: str) -> str:
    """The IAM path of roles that a policy's Resource names: a valid path without wildcards or variables."""
    return _no_policy_wildcards(iam_path(value, option), option)


def managed_policy_ref(value: t.Any, option: str) -> str:
    """A managed policy ARN, or a name that may carry a path (``service-role/AWSLambdaRole``)."""
    if not isinstance(value, str) or not value:
        raise ValidationFailure(option, f"must be a managed policy name or ARN, got {show(value)}")
    if value.startswith("arn:"):
        return policy_arn(value, option)
    parts = value.strip("/").split("/")
    if _POLICY_NAME_RE.fullmatch(parts[-1]) is None or not all(_PATH_SEGMENT_RE.fullmatch(part) for part in parts[:-1]):
        raise ValidationFailure(
            option, f"must be a managed policy name (1 to 128 characters of [A-Za-z0-9_+=,.@-], optionally after a path) or ARN, got {show(value)}"
        )
    return "/".join(parts)


def managed_policy_refs(values: t.Any, option: str) -> list[str]:
    return _unique(managed_policy_ref(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def role_description(value: t.Any, option: str) -> str:
    """A role description: at most 1000 printable Latin-1 characters, tabs and newlines."""
    text = _string(value, option, "a role description")
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailure(option, f"must have at most {DESCRIPTION_MAX} characters, got {len(text)}")
    if _DESCRIPTION_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must contain only printable Latin-1 characters, tabs and newlines, got {show(text)}")
    return text


# ============================================================================================
# Policy documents
# ============================================================================================

POLICY_VERSIONS = ("2012-10-17", "2008-10-17")


def _reject_constant(name: str) -> t.NoReturn:
    # Python's json accepts NaN and Infinity; JSON (and IAM) do not.
    raise ValueError(f"{name} is not a JSON value")


def _json_error(option: str, text: str, exc: json.JSONDecodeError) -> ValidationFailure:
    return ValidationFailure(option, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (character {exc.pos} of {len(text)})")


def policy_document(value: t.Any, option: str, max_size: int = POLICY_SIZE_MAX) -> dict[str, t.Any]:
    """An IAM policy document, as a dict or JSON text, returned as a dict.

    Size is counted the way IAM counts it: the compact JSON without whitespace.
    """
    if isinstance(value, (str, bytes)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if not text.strip():
            raise ValidationFailure(option, "must be a policy document (a JSON object with a Statement), got an empty string")
        if len(text) > 8 * max_size:
            # Even with generous indentation this cannot shrink under the limit; do not parse megabytes.
            raise ValidationFailure(option, f"is {len(text)} characters long; IAM accepts at most {max_size} without whitespace")
        try:
            document = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise _json_error(option, text, exc) from None
        except ValueError as exc:
            raise ValidationFailure(option, f"is not valid JSON: {exc}") from None
        except RecursionError:
            raise ValidationFailure(option, "must be a policy document, got JSON nested too deeply to be one") from None
    else:
        document = value
    if not isinstance(document, dict):
        raise ValidationFailure(option, f"must be a policy document (a JSON object with a Statement), got {show(document)}")
    try:
        compact = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValidationFailure(option, f"cannot be written as JSON: {exc}") from None
    if len(compact) > max_size:
        raise ValidationFailure(option, f"must have at most {max_size} characters without whitespace (as IAM counts them), got {len(compact)}")
    version = document.get("Version")
    if version is not None and version not in POLICY_VERSIONS:
        raise ValidationFailure(option, f"Version must be one of {', '.join(POLICY_VERSIONS)}, got {show(version)}")
    if "Statement" not in document:
        raise ValidationFailure(option, "must have a Statement")
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValidationFailure(option, f"Statement must be a statement object or a non-empty list of them, got {show(statements)}")
    for index, statement in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(statement, dict):
            raise ValidationFailure(option, f"{where} must be an object, got {show(statement)}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValidationFailure(option, f"{where}.Effect must be 'Allow' or 'Deny', got {show(statement.get('Effect'))}")
        if "Action" not in statement and "NotAction" not in statement:
            raise ValidationFailure(option, f"{where} must have an Action or NotAction")
    return document


def session_policy(value: t.Any, option: str) -> dict[str, t.Any]:
    """An inline session policy: a policy document of at most 2048 characters without whitespace."""
    return policy_document(value, option, max_size=SESSION_POLICY_SIZE_MAX)


def trust_document(value: t.Any, option: str) -> dict[str, t.Any]:
    """A whole trust policy: a policy document whose statements name a Principal, have no Resource, and do
    not open the role to everyone.

    Only documents from options are refused for a wildcard: one already stored by someone else is a lint
    finding, since refusing it would block every unrelated edit of that role.
    """
    document = policy_document(value, option, max_size=TRUST_POLICY_SIZE_MAX)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    for index, statement in enumerate(statements):
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise ValidationFailure(option, f"Statement[{index}] must name a Principal; a trust policy says who may assume the role")
        if "Resource" in statement or "NotResource" in statement:
            raise ValidationFailure(option, f"Statement[{index}] must not have a Resource; trust policies apply to the role itself")
    if has_unconditioned_wildcard(document):
        raise ValidationFailure(
            option,
            'trusts Principal "*" without a condition that narrows it, so any AWS principal in any account could assume the role; '
            "add aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:PrincipalArn with a concrete account, "
            "aws:SourceAccount or aws:SourceArn (sts:ExternalId alone does not narrow it), or name the principals",
        )
    return document


def inline_policies(value: t.Any, option: str) -> dict[str, dict[str, t.Any]]:
    """Inline policy name -> document (a dict or JSON text), returned with dict documents."""
    if not isinstance(value, dict):
        raise ValidationFailure(option, f"must be a dict of policy name to document, got {show(value)}")
    result = {}
    for name, document in value.items():
        if not isinstance(name, str) or _POLICY_NAME_RE.fullmatch(name) is None:
            raise ValidationFailure(option, f"must name each policy with 1 to 128 characters of [A-Za-z0-9_+=,.@-], got {show(name)}")
        result[name] = policy_document(document, f"{option}.{name}")
    return result


# ============================================================================================
# Tags
# ============================================================================================

TAG_KEY_MAX, TAG_VALUE_MAX, TAG_COUNT_MAX = 128, 256, 50
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _tag_text(value: t.Any, option: str, what: str, low: int, high: int) -> str:
    if isinstance(value, bool):
        raise ValidationFailure(option, f"{what} must be a string, got {show(value)}; quote 'yes'/'true' in YAML to keep them as text")
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationFailure(option, f"{what} must be a string, got {show(value)}")
    if not low <= len(value) <= high:
        raise ValidationFailure(option, f"{what} must have {low} to {high} characters, got {show_sized(value)}")
    for char in value:
        # AWS allows Unicode letters, numbers and separators plus _.:/=+-@: exactly categories L*, N*, Z*.
        if char not in _TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LNZ":
            raise ValidationFailure(option, f"{what} must contain only letters, digits, spaces and _.:/=+-@, got {show(value)}")
    return value


def _tag_pairs(pairs: t.Iterable[tuple[t.Any, t.Any]], option: str, max_count: int) -> dict[str, str]:
    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for raw_key, raw_value in pairs:
        key = _tag_text(raw_key, option, "tag key", 1, TAG_KEY_MAX)
        if key.lower().startswith("aws:"):
            raise ValidationFailure(option, f"tag key {show(key)} uses the reserved 'aws:' prefix")
        # IAM and STS treat tag keys case-insensitively: "Team" and "team" are the same tag.
        if key.lower() in seen:
            if seen[key.lower()] == key:
                raise ValidationFailure(option, f"must name each tag key once, got {show(key)} given twice")
            raise ValidationFailure(option, f"tag keys {show(seen[key.lower()])} and {show(key)} differ only in case; AWS treats them as one key")
        seen[key.lower()] = key
        result[key] = _tag_text("" if raw_value is None else raw_value, f"{option}.{key}", "tag value", 0, TAG_VALUE_MAX)
    if len(result) > max_count:
        raise ValidationFailure(option, f"must hold at most {max_count} tags, got {len(result)}")
    return result


def tags(value: t.Any, option: str, max_count: int = TAG_COUNT_MAX) -> dict[str, str]:
    """A dict of tag key -> value; a None value means the empty string."""
    if value is None:
        return {}
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict of tag keys to values, got {show(value)}")
    return _tag_pairs(value.items(), option, max_count)


def session_tags(value: t.Any, option: str) -> list[dict[str, str]]:
    """Session tags as STS wants them (``[{"Key": k, "Value": v}]``) from a dict or such a list."""
    if value is None:
        return []
    if isinstance(value, t.Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = []
        for index, item in enumerate(value):
            if not isinstance(item, t.Mapping):
                raise ValidationFailure(f"{option}[{index}]", f"must be a dict with Key and Value, got {show(item)}")
            key = item.get("Key", item.get("key"))
            if key is None or set(item) - {"Key", "Value", "key", "value"}:
                raise ValidationFailure(f"{option}[{index}]", f"must be a dict with Key and Value, got {show(item)}")
            pairs.append((key, item.get("Value", item.get("value"))))
    else:
        raise ValidationFailure(option, f"must be a dict of tag keys to values or a list of Key/Value dicts, got {show(value)}")
    cleaned = _tag_pairs(pairs, option, TAG_COUNT_MAX)
    return [{"Key": key, "Value": val} for key, val in cleaned.items()]


def transitive_tag_keys(values: t.Any, option: str, session_tag_keys: t.Iterable[str]) -> list[str]:
    """Keys that must each be one of the session tags being passed (matched case-insensitively, as STS does)."""
    known = {key.lower() for key in session_tag_keys}
    result = []
    for index, item in enumerate(_items(values, option)):
        key = _tag_text(item, f"{option}[{index}]", "tag key", 1, TAG_KEY_MAX)
        if key.lower() not in known:
            raise ValidationFailure(f"{option}[{index}]", f"{show(key)} is not one of the session tags; only session tag keys can be transitive")
        result.append(key)
    return _unique(result)


# ============================================================================================
# STS sessions: AssumeRole parameters
# ============================================================================================

_EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]+", re.ASCII)
_MFA_SERIAL_RE = re.compile(r"[\w+=/:,.@-]+", re.ASCII)
EXTERNAL_ID_MIN, EXTERNAL_ID_MAX = 2, 1224
SESSION_NAME_MIN, SESSION_NAME_MAX = 2, 64
# AWS refuses DurationSeconds above one hour when the caller is itself an assumed-role session.
CHAINING_MAX_DURATION = 3600
WAIT_TIMEOUT_MAX = 3600
POLICY_ARNS_MAX = 10
# sts:AssumeRoleWithWebIdentity: WebIdentityToken is 4 to 20000 characters.
WEB_IDENTITY_TOKEN_MIN, WEB_IDENTITY_TOKEN_MAX = 4, 20000
HOP_KEYS = ("role_arn", "external_id", "role_session_name", "duration_seconds")


def external_id(value: t.Any, option: str) -> str:
    return _bounded_pattern(value, option, "an external id", _EXTERNAL_ID_RE, EXTERNAL_ID_MIN, EXTERNAL_ID_MAX, "[A-Za-z0-9_+=,.@:/-]")


def session_name(value: t.Any, option: str) -> str:
    return _bounded_pattern(value, option, "a role session name", _IAM_NAME_RE, SESSION_NAME_MIN, SESSION_NAME_MAX, "[A-Za-z0-9_+=,.@-]")


def source_identity(value: t.Any, option: str) -> str:
    return _bounded_pattern(value, option, "a source identity", _IAM_NAME_RE, SESSION_NAME_MIN, SESSION_NAME_MAX, "[A-Za-z0-9_+=,.@-]")


def duration(value: t.Any, option: str, minimum: int = 900, maximum: int = 43200) -> int:
    """Whole seconds between ``minimum`` and ``maximum``; ints, integral floats and digit strings."""
    expected = f"a whole number of seconds from {minimum} to {maximum}"
    number = _whole_number(value)
    if number is None:
        raise ValidationFailure(option, f"must be {expected}, got {show(value)}")
    if not minimum <= number <= maximum:
        raise ValidationFailure(option, f"must be {expected}, got {show(value)}")
    return number


def max_session_duration(value: t.Any, option: str) -> int:
    return duration(value, option, minimum=3600, maximum=43200)


def chained_duration(value: int | None, option: str, reason: str) -> int | None:
    """AWS caps a session assumed with role credentials (role chaining) at one hour."""
    if value is not None and value > CHAINING_MAX_DURATION:
        raise ValidationFailure(
            option, f"{value} is too long: {reason}, and role chaining is limited to {CHAINING_MAX_DURATION} seconds by AWS"
        )
    return value


def wait_timeout(value: t.Any, option: str) -> int:
    """Seconds to keep retrying a denial while IAM propagates: 0 (fail at once) to one hour."""
    number = _whole_number(value)
    if number is None or not 0 <= number <= WAIT_TIMEOUT_MAX:
        raise ValidationFailure(option, f"must be a whole number of seconds from 0 to {WAIT_TIMEOUT_MAX}, got {show(value)}")
    return number


def mfa_serial(value: t.Any, option: str) -> str:
    """A virtual MFA device ARN (``arn:aws:iam::ACCT:mfa/NAME``) or a hardware device serial number."""
    what = "an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) or serial number"
    text = _string(value, option, what)
    if text.startswith("arn:"):
        parsed = parse_arn(text)
        if parsed is None or parsed.service != "iam" or parsed.resource_type != "mfa" or parsed.region or not ACCOUNT_ID_RE.fullmatch(parsed.account):
            raise ValidationFailure(option, f"must be {what}, got {show(value)}")
        name = parsed.resource_name
        # STS limits SerialNumber to 256 characters whether it is an ARN or a device serial.
        well_formed = parsed.resource.startswith("mfa/") and not parsed.resource.endswith("/") and len(text) <= 256
        if not well_formed or _IAM_NAME_RE.fullmatch(name) is None or (parsed.path != "/" and _path_problem(parsed.path)):
            raise ValidationFailure(option, f"must be {what}, got {show(value)}")
        return text
    return _bounded_pattern(value, option, what, _MFA_SERIAL_RE, 9, 256, "[A-Za-z0-9_+=/:,.@-]")


def mfa_token(value: t.Any, option: str) -> str:
    """The 6-digit MFA code. Never echoed: it is a (short-lived) secret."""
    if isinstance(value, int) and not isinstance(value, bool) and 100000 <= value <= 999999:
        return str(value)
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value) and len(value) == 6:
        return value
    hint = "; quote the code in YAML so leading zeros survive" if isinstance(value, int) and not isinstance(value, bool) else ""
    raise ValidationFailure(option, f"must be the 6-digit code shown by the MFA device; the value given is not{hint}")


def policy_arns(values: t.Any, option: str, max_count: int = POLICY_ARNS_MAX) -> list[str]:
    """Managed policy ARNs used as session policies: at most ten."""
    items = _items(values, option)
    if len(items) > max_count:
        raise ValidationFailure(option, f"must list at most {max_count} policies, got {len(items)}")
    return _unique(policy_arn(item, f"{option}[{index}]") for index, item in enumerate(items))


def secret_text(value: t.Any, option: str) -> str:
    """A secret key or session token: one word of printable ASCII. Never echoed.

    A newline or a control character would go into an HTTP header (X-Amz-Security-Token), where the
    HTTP client's error quotes the whole value.
    """
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be a string, got a {type(value).__name__} (the value is not shown: it is a secret)")
    if _PRINTABLE_RE.fullmatch(value) is None:
        raise ValidationFailure(option, "must be one line of printable characters without spaces; the value given is not (it is not shown)")
    return value


def secret_shape(value: t.Any, option: str) -> None:
    """A secret plugin option is text (or a number, which becomes text), never a structure; named by type only.

    ansible-core checks a plugin option's type itself and quotes the value in its message: a secret given as a list
    or a dict (an indentation slip, a ``{{ }}`` that rendered a structure) must be refused before that.
    """
    if isinstance(value, t.Mapping):
        shape = "dict"
    elif isinstance(value, (list, tuple)):
        shape = "list"
    elif isinstance(value, (set, frozenset)):
        shape = "set"
    elif isinstance(value, (bytes, bytearray)):
        shape = "bytes"
    else:
        return
    raise ValidationFailure(option, f"must be a string, got a {shape} (the value is not shown: it is a secret)")


def web_identity_token(value: t.Any, option: str) -> str:
    """An OIDC token (JWT) for sts:AssumeRoleWithWebIdentity. Never echoed: it is a bearer secret."""
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be the text of an OpenID Connect token, got a {type(value).__name__}")
    text = value.strip()
    if not WEB_IDENTITY_TOKEN_MIN <= len(text) <= WEB_IDENTITY_TOKEN_MAX:
        raise ValidationFailure(
            option, f"must be an OpenID Connect token of {WEB_IDENTITY_TOKEN_MIN} to {WEB_IDENTITY_TOKEN_MAX} characters, got {len(text)} characters"
        )
    if any(not 0x21 <= ord(char) <= 0x7E for char in text):
        raise ValidationFailure(option, "must be an OpenID Connect token of printable ASCII characters without spaces; the value given is not")
    return text


# A file holding a token is read (by the STS layer) only up to this size: anything larger is no token.
TOKEN_FILE_MAX = 4 * WEB_IDENTITY_TOKEN_MAX


def token_file_path(value: t.Any, option: str) -> str:
    return _string(value, option, "the path of a file holding an OpenID Connect token")


def token_file_info(info: os.stat_result, path: str, option: str) -> None:
    """The file's stat: a regular file (a FIFO or device would block or stream forever) of a token's size."""
    if not stat.S_ISREG(info.st_mode):
        raise ValidationFailure(option, f"must be a regular file, got {show(path)}")
    if info.st_size > TOKEN_FILE_MAX:
        raise ValidationFailure(option, f"is {info.st_size} bytes long; a token has at most {WEB_IDENTITY_TOKEN_MAX} characters ({show(path)})")


def token_file_text(data: bytes, path: str, option: str) -> str:
    """The token read from a file, checked like web_identity_token; the file is named, the token never shown."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ValidationFailure(option, f"must hold an OpenID Connect token of printable ASCII characters ({show(path)})") from None
    try:
        return web_identity_token(text, option)
    except ValidationFailure as exc:
        problem = exc.msg[len(option) + 2:].replace("must be", "must hold", 1)
        raise ValidationFailure(option, f"{problem} ({show(path)})") from None


def via(values: t.Any, option: str) -> list[dict[str, t.Any]]:
    """Role-chaining hops: each a role ARN or a dict with role_arn and optional external_id,
    role_session_name, duration_seconds. Returns dicts with all four keys (None when not given)."""
    hops = []
    for index, item in enumerate(_items(values, option)):
        where = f"{option}[{index}]"
        if isinstance(item, str):
            item = {"role_arn": item}
        if not isinstance(item, t.Mapping):
            raise ValidationFailure(where, f"must be a role ARN or a dict with {', '.join(HOP_KEYS)}, got {show(item)}")
        _known_keys(item, where, HOP_KEYS)
        if item.get("role_arn") in (None, ""):
            raise ValidationFailure(f"{where}.role_arn", "is required: the ARN of the role of this hop")
        hop: dict[str, t.Any] = {key: None for key in HOP_KEYS}
        hop["role_arn"] = role_arn(item["role_arn"], f"{where}.role_arn")
        if item.get("external_id") not in (None, ""):
            hop["external_id"] = external_id(item["external_id"], f"{where}.external_id")
        if item.get("role_session_name") not in (None, ""):
            hop["role_session_name"] = session_name(item["role_session_name"], f"{where}.role_session_name")
        if item.get("duration_seconds") not in (None, ""):
            hop["duration_seconds"] = duration(item["duration_seconds"], f"{where}.duration_seconds")
        hops.append(hop)
    return hops


# ============================================================================================
# Endpoints, regions, access key ids, connection options and S3 buckets
# ============================================================================================

URL_MAX = 2048
_HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)", re.ASCII)
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z0-9]+)+-[0-9]+", re.ASCII)
_ACCESS_KEY_ID_RE = re.compile(r"[A-Z0-9]{16,128}", re.ASCII)
_BUCKET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]", re.ASCII)
ALL_BUCKETS = "*"


def endpoint_url(value: t.Any, option: str) -> str:
    """An http(s) URL with a host: no spaces, no credentials, a port from 1 to 65535."""
    what = "an http:// or https:// URL such as https://sts.us-east-1.amazonaws.com"
    text = _string(value, option, what)
    authority = text.split("://", 1)[-1].split("/", 1)[0]
    if "@" in authority:
        # user:password@host: the value is not echoed, as it may hold a password.
        raise ValidationFailure(option, f"must be {what} without user name or password; the value given has them")
    if len(text) > URL_MAX:
        raise ValidationFailure(option, f"must be {what} of at most {URL_MAX} characters, got {show_sized(text)}")
    if any(not 0x21 <= ord(char) <= 0x7E for char in text):
        raise ValidationFailure(option, f"must be {what} without spaces or control characters, got {show(value)}")
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationFailure(option, f"must be {what} ({exc}), got {show(value)}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    host = parts.hostname or ""
    if not _valid_host(host, parts.netloc):
        raise ValidationFailure(option, f"must be {what} with a valid host name, got {show(value)}")
    if port is not None and not 1 <= port <= 65535:
        raise ValidationFailure(option, f"must be {what} with a port from 1 to 65535, got {show(value)}")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValidationFailure(option, f"must be {what} without a query or fragment, got {show(value)}")
    return text


def _valid_host(host: str, netloc: str) -> bool:
    if not host:
        return False
    if netloc.startswith("["):
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    if len(host) > 253:
        return False
    return all(_HOST_LABEL_RE.fullmatch(label) for label in host.rstrip(".").split("."))


def region(value: t.Any, option: str = "region") -> str:
    if not isinstance(value, str) or not _REGION_RE.fullmatch(value):
        raise ValidationFailure(option, f"must be an AWS region name such as us-east-1, got {show(value)}")
    return value


def access_key_id(value: t.Any, option: str = "access_key") -> str:
    # An access key id is not secret, but it is echoed neither: it names a principal.
    if not isinstance(value, str) or not _ACCESS_KEY_ID_RE.fullmatch(value):
        raise ValidationFailure(option, "must be an AWS access key id (16-128 upper-case letters and digits)")
    return value


def connection_options(value: t.Any, option: str, aliases: t.Mapping[str, str]) -> dict[str, t.Any]:
    """A dict of connection options (``target_aws``) under their canonical names (``aliases``: every name ->
    canonical). Values are named by type only: secret_key and session_token are among them."""
    if value is None:
        return {}
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict of connection options, got {type(value).__name__}")
    _known_keys(value, option, aliases, "connection option", shown=sorted(set(aliases.values())))
    result = {aliases[key]: item for key, item in value.items()}
    if "validate_certs" in result:
        result["validate_certs"] = boolean(result["validate_certs"], f"{option}.validate_certs")
    for key, item in result.items():
        if key != "validate_certs" and item is not None and not isinstance(item, str):
            raise ValidationFailure(f"{option}.{key}", f"must be a string, got {type(item).__name__}")
    return result


def s3_bucket(value: t.Any, option: str) -> str:
    """A bucket name, ``s3://NAME`` or ``*`` (every bucket: ListBuckets); returns the bare name."""
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be a bucket name, got {show(value)}")
    name = value[len("s3://"):] if value.startswith("s3://") else value
    name = name.rstrip("/")
    if name == ALL_BUCKETS:
        return name
    if not _BUCKET_RE.fullmatch(name) or ".." in name:
        raise ValidationFailure(option, f"must be an S3 bucket name (or s3://NAME, or '*' for ListBuckets), got {show(value)}")
    return name


def s3_buckets(values: t.Any, option: str) -> list[str]:
    return _unique(s3_bucket(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option, "bucket names")))


# ============================================================================================
# AWS Organizations: organization ids and paths, OUs, account states, tag filters
# ============================================================================================

# o-…/r-…/ then any number of ou-…/ segments; a final "*" takes in the sub-OUs too.
_ORG_PATH_RE = re.compile(r"o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}/(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}/)*\*?", re.ASCII)


def organization_id(value: t.Any, option: str) -> str:
    """An AWS Organizations id: ``o-`` and 10 to 32 lower-case letters or digits."""
    text = _string(value, option, "an organization id (o-xxxxxxxxxx)")
    if ORGANIZATION_ID_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be an organization id (o- and 10 to 32 lower-case letters or digits), got {show(value)}")
    return text


def organization_path(value: t.Any, option: str, org_id: str | None = None) -> str:
    """An aws:PrincipalOrgPaths value ``o-…/r-…/ou-…/`` (a trailing ``*`` adds the sub-OUs)."""
    what = "an organization path o-xxxxxxxxxx/r-xxxx/ou-xxxx-xxxxxxxx/ (ending in / or /*)"
    text = _string(value, option, what)
    if _ORG_PATH_RE.fullmatch(text) is None or not (text.endswith("/") or text.endswith("/*")):
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    if org_id is not None and not text.startswith(f"{org_id}/"):
        raise ValidationFailure(option, f"must be a path of organization {org_id} (trusted_org_id), got {show(value)}")
    return text


def organization_paths(values: t.Any, option: str, org_id: str | None = None) -> list[str]:
    paths = _unique(organization_path(item, f"{option}[{index}]", org_id) for index, item in enumerate(_items(values, option)))
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
    text = _string(value, option, "an OU path such as 'Root/Workloads/Prod' or an OU id such as 'ou-ab12-cdef3456'")
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
    return list(dict.fromkeys(ou_selector(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option))))


def account_states(values: t.Any, option: str) -> list[str]:
    """Account states or statuses, case-insensitive, at least one."""
    items = _items(values, option)
    if not items:
        raise ValidationFailure(option, f"must list at least one of {', '.join(ACCOUNT_STATES)}")
    result = []
    for index, item in enumerate(items):
        where = f"{option}[{index}]"
        text = _string(item, where, f"one of {', '.join(ACCOUNT_STATES)}").strip().upper()
        if text not in ACCOUNT_STATES:
            raise ValidationFailure(where, f"must be one of {', '.join(ACCOUNT_STATES)}, got {show(item)}")
        result.append(text)
    return _unique(result)


def tag_filters(value: t.Any, option: str) -> dict[str, tuple[str, ...]]:
    """Tag key -> one value or a non-empty list of values (any of them matches)."""
    if value is None:
        return {}
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict of tag key to a value or a list of values, got {show(value)}")
    result: dict[str, tuple[str, ...]] = {}
    for raw_key, raw_values in value.items():
        key = _tag_text(raw_key, option, "tag key", 1, TAG_KEY_MAX)
        where = f"{option}.{key}"
        candidates = list(raw_values) if isinstance(raw_values, (list, tuple)) else [raw_values]
        if not candidates:
            raise ValidationFailure(where, "must be a tag value or a non-empty list of tag values")
        cleaned = []
        for index, candidate in enumerate(candidates):
            item_where = f"{where}[{index}]" if isinstance(raw_values, (list, tuple)) else where
            if candidate is None:
                raise ValidationFailure(item_where, "must be a tag value; write '' to match an empty value")
            cleaned.append(_tag_text(candidate, item_where, "tag value", 0, TAG_VALUE_MAX))
        result[key] = tuple(_unique(cleaned))
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
    found = _unique(source_principal(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option, "principals")))
    if not found:
        raise ValidationFailure(option, "must name at least one principal (an IAM ARN or an account id)")
    return found


# ============================================================================================
# Trust beyond account ids: principal patterns, services, OIDC providers, lint
# ============================================================================================

_PATTERN_RE = re.compile(rf"arn:(?P<partition>{PARTITION_PATTERN}):iam::(?P<account>[^:]*):(?P<resource>[\x21-\x7e]+)", re.ASCII)
_PATTERN_RESOURCE_RE = re.compile(r"(?:role|user)/[\w+=,.@/*?-]+", re.ASCII)
_SERVICE_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)", re.ASCII)
_SOURCE_ARN_RE = re.compile(rf"arn:(?:{PARTITION_PATTERN}):[a-z0-9*][a-z0-9*-]*:[a-z0-9*-]*:(?:[0-9]{{12}}|\*|):[\x21-\x7e]+", re.ASCII)
_OIDC_ARN_RE = re.compile(rf"arn:(?:{PARTITION_PATTERN}):iam::[0-9]{{12}}:oidc-provider/[A-Za-z0-9.-]+(?:/[\x21-\x7e]*)?", re.ASCII)
_CONDITION_TEXT_RE = re.compile(r"[\x20-\x7e]{1,1024}", re.ASCII)
LINT_MODES = ("warn", "error", "off")
OIDC_URL_MAX = 255
OIDC_CLIENT_ID_MAX, OIDC_CLIENT_ID_COUNT_MAX = 255, 100
OIDC_THUMBPRINT_COUNT_MAX = 5
_OIDC_KEYS = ("provider", "audience", "subjects")


_OIDC_HOST_RE = re.compile(r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*", re.ASCII)
_OIDC_PATH_RE = re.compile(r"(?:/[\x21-\x22\x24-\x3e\x40-\x7e]*)*", re.ASCII)  # printable, no '?' or '#'
_THUMBPRINT_RE = re.compile(r"[0-9A-Fa-f]{40}", re.ASCII)
_PRINTABLE_RE = re.compile(r"[\x21-\x7e]+", re.ASCII)


def principal_pattern(value: t.Any, option: str) -> str:
    """An IAM role or user ARN pattern (``*``/``?`` wildcards) naming one concrete 12-digit account."""
    what = "an IAM role or user ARN pattern such as arn:aws:iam::123456789012:role/ci-*"
    text = _string(value, option, what)
    match = _PATTERN_RE.fullmatch(text)
    if match is None:
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    if ACCOUNT_ID_RE.fullmatch(match.group("account")) is None:
        raise ValidationFailure(option, f"must name one concrete 12-digit account (no wildcard in the account field), got {show(value)}")
    if _PATTERN_RESOURCE_RE.fullmatch(match.group("resource")) is None:
        raise ValidationFailure(option, f"must be {what} (role/… or user/… with IAM name characters and * ?), got {show(value)}")
    return text


def principal_patterns(values: t.Any, option: str) -> list[str]:
    return _unique(principal_pattern(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def service_principal(value: t.Any, option: str) -> str:
    """An AWS service principal (``ec2.amazonaws.com``, ``ec2.amazonaws.com.cn``), lower-cased."""
    what = "an AWS service principal such as ec2.amazonaws.com"
    text = _string(value, option, what).strip().lower()
    if len(text) > 128 or _SERVICE_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    return text


def service_principals(values: t.Any, option: str) -> list[str]:
    return _unique(service_principal(item, f"{option}[{index}]") for index, item in enumerate(_items(values, option)))


def source_arn(value: t.Any, option: str) -> str:
    """An aws:SourceArn value: an ARN, ``*`` and ``?`` allowed (ArnLike)."""
    what = "an ARN such as arn:aws:sns:us-east-1:123456789012:topic (wildcards allowed)"
    text = _string(value, option, what)
    if _SOURCE_ARN_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    return text


_ISSUER = "an https URL of an OpenID Connect issuer such as 'https://token.actions.githubusercontent.com'"


def oidc_issuer(value: t.Any, option: str, what: str = _ISSUER) -> str:
    """``https://HOST[/PATH]``, the issuer (``iss``) of the provider's tokens; returned with a lower-case host.

    A trailing "/" is dropped: IAM names the provider ``oidc-provider/HOST[/PATH]`` either way, and
    issuers such as Auth0 put one in ``iss``. Ports, query strings, fragments and user info are refused
    because IAM matches the issuer on host and path only.
    """
    text = _string(value, option, what)
    if not text.lower().startswith("https://"):
        raise ValidationFailure(option, f"must be {what} (https only: IAM fetches the issuer's keys over TLS), got {show(value)}")
    rest = text[len("https://"):]
    host, slash, path = rest.partition("/")
    path = (slash + path).rstrip("/")
    if "@" in host or ":" in host:
        raise ValidationFailure(option, f"must be {what} without user info or port, got {show(value)}")
    if _OIDC_HOST_RE.fullmatch(host) is None:
        raise ValidationFailure(option, f"must be {what}; {show(host)} is not a host name")
    if _OIDC_PATH_RE.fullmatch(path) is None or "//" in path:
        raise ValidationFailure(option, f"must be {what} without query string, fragment, spaces or empty path segments, got {show(value)}")
    url = f"https://{host.lower()}{path}"
    if len(url) > OIDC_URL_MAX:
        raise ValidationFailure(option, f"must have at most {OIDC_URL_MAX} characters, got {len(url)}")
    return url


def oidc_provider(value: t.Any, option: str) -> str:
    """An OIDC provider as an issuer URL (see oidc_issuer) or an IAM ``oidc-provider`` ARN.

    Returns the ARN as given, or the issuer without its scheme (``host/path``): that is the provider's
    name in its ARN and the prefix of its condition keys (``host:aud``).
    """
    what = f"{_ISSUER} or an IAM OIDC provider ARN (arn:aws:iam::123456789012:oidc-provider/HOST)"
    text = _string(value, option, what).strip()
    if text.startswith("arn:"):
        if _OIDC_ARN_RE.fullmatch(text) is None:
            raise ValidationFailure(option, f"must be {what}, got {show(value)}")
        return text
    return oidc_issuer(text, option, what)[len("https://"):]


# Subjects whose value is OWNER/NAME on a shared CI service (GitHub "repo:", GitLab "project_path:"): the owner
# part is what keeps every other account of that service out.
OIDC_PATH_SUBJECT_PREFIXES = ("repo:", "project_path:")
_OIDC_WILDCARDS = "*?"


def oidc_subject_problem(text: str) -> str | None:
    """Why a token subject pattern lets in identities nobody meant to trust, or None.

    - nothing but wildcards and separators (``*``, ``*:*``, ``*/*``): every identity of the provider;
    - a wildcard in the first field, before the first ``:`` (``*:ref:refs/heads/main``): whatever claim
      comes first, ``repo:`` of every repository included;
    - for ``repo:`` (GitHub) and ``project_path:`` (GitLab), a wildcard or nothing before the first ``/``
      (``repo:*``, ``repo:*:*``, ``repo:my-org*/app``): repositories of every owner on that service.
    """
    if not text.strip(_OIDC_WILDCARDS + ":/ "):
        return "is only wildcards and separators: every identity of the provider could assume the role"
    first, colon, _rest = text.partition(":")
    if colon and any(char in first for char in _OIDC_WILDCARDS):
        return (f"has a wildcard in its first field ({first!r}), before the first ':': subjects of any kind and owner, "
                "such as repo: subjects of every repository, would match")
    for prefix in OIDC_PATH_SUBJECT_PREFIXES:
        if text.startswith(prefix):
            owner, slash, _name = text[len(prefix):].partition("/")
            if not slash or not owner or any(char in owner for char in _OIDC_WILDCARDS):
                return (f"must name a concrete owner before the first '/' ({prefix}OWNER/NAME...): without one, repositories "
                        "of every account on the CI service could assume the role")
    return None


def oidc_subject(value: t.Any, option: str) -> str:
    """A token subject pattern that names who may assume the role (see oidc_subject_problem)."""
    text = _string(value, option, "a token subject pattern such as repo:ORG/REPO:ref:refs/heads/main")
    if _CONDITION_TEXT_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be 1 to 1024 printable ASCII characters, got {show(value)}")
    problem = oidc_subject_problem(text)
    if problem is not None:
        raise ValidationFailure(option, f"{show(value)} {problem}")
    return text


def oidc_audience(value: t.Any, option: str) -> str:
    text = _string(value, option, "a token audience (client id) such as sts.amazonaws.com")
    if _CONDITION_TEXT_RE.fullmatch(text) is None or "*" in text:
        raise ValidationFailure(option, f"must be 1 to 1024 printable ASCII characters without '*', got {show(value)}")
    return text


def trusted_oidc(value: t.Any, option: str, present: bool = True) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """``{provider, audience, subjects}`` -> (provider as oidc_provider returns it, audiences, subjects).

    ``present`` (state=present) needs an audience and a subject; removing a provider's trust needs only it.
    """
    if value is None:
        return None, (), ()
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict with provider, audience and subjects, got {show(value)}")
    _known_keys(value, option, _OIDC_KEYS)
    if value.get("provider") is None:
        raise ValidationFailure(f"{option}.provider", "is required: the issuer URL (https://...) or the OIDC provider ARN")
    provider = oidc_provider(value["provider"], f"{option}.provider")
    audience = value.get("audience")
    audiences = [audience] if isinstance(audience, str) else _items(audience, f"{option}.audience")
    found_audiences = tuple(_unique(oidc_audience(item, f"{option}.audience" if isinstance(audience, str) else f"{option}.audience[{index}]")
                                    for index, item in enumerate(audiences)))
    subjects = tuple(_unique(oidc_subject(item, f"{option}.subjects[{index}]")
                             for index, item in enumerate(_items(value.get("subjects"), f"{option}.subjects"))))
    if present and not found_audiences:
        raise ValidationFailure(f"{option}.audience", "is required: the client id the tokens are issued to (sts.amazonaws.com for GitHub Actions)")
    if present and not subjects:
        raise ValidationFailure(f"{option}.subjects", "needs at least one subject pattern (such as repo:ORG/REPO:ref:refs/heads/main)")
    return provider, found_audiences, subjects


def oidc_client_ids(values: t.Any, option: str) -> list[str]:
    """Audiences (``aud``) the provider issues tokens for: 1 to 100 printable values of up to 255 characters."""
    result = _unique(
        _bounded_pattern(item, f"{option}[{index}]", "a client id (audience)", _PRINTABLE_RE, 1, OIDC_CLIENT_ID_MAX, "printable ASCII without spaces")
        for index, item in enumerate(_items(values, option))
    )
    if len(result) > OIDC_CLIENT_ID_COUNT_MAX:
        raise ValidationFailure(option, f"at most {OIDC_CLIENT_ID_COUNT_MAX} client ids are allowed, got {len(result)}")
    return result


def oidc_thumbprints(values: t.Any, option: str) -> list[str]:
    """SHA-1 certificate thumbprints: 40 hex characters each, at most 5; returned in lower case."""
    result = []
    for index, item in enumerate(_items(values, option)):
        where = f"{option}[{index}]"
        text = _string(item, where, "a certificate thumbprint of 40 hex characters")
        if _THUMBPRINT_RE.fullmatch(text) is None:
            raise ValidationFailure(where, f"must be a certificate thumbprint of 40 hex characters (the SHA-1 of the certificate), got {show_sized(text)}")
        result.append(text.lower())
    result = _unique(result)
    if len(result) > OIDC_THUMBPRINT_COUNT_MAX:
        raise ValidationFailure(option, f"at most {OIDC_THUMBPRINT_COUNT_MAX} thumbprints are allowed, got {len(result)}")
    return result


def lint_mode(value: t.Any, option: str = "lint") -> str:
    return t.cast(str, choice("warn" if value is None else value, option, LINT_MODES))


# ============================================================================================
# The assumed_credentials lookup: result formats, its cache, its terms
# ============================================================================================

CREDENTIAL_FORMATS = ("module_args", "env", "credential_process", "profile")


def credential_format(value: t.Any, cache: bool, option: str = "format") -> str:
    """One of CREDENTIAL_FORMATS; ``profile`` serves the credentials from the cache (``cache``: whether there is one)."""
    fmt = t.cast(str, choice(value, option, CREDENTIAL_FORMATS))
    if fmt == "profile" and not cache:
        raise ValidationFailure(option, "profile serves the credentials from the cache: it needs cache=true")
    return fmt


def refresh_window(value: t.Any, option: str = "refresh_window") -> int | None:
    """Seconds before expiry at which a cached entry stops being served: 0 or more; None leaves it to the cache."""
    if value is None:
        return None
    number = _whole_number(value)
    if number is None or number < 0:
        raise ValidationFailure(option, f"must be 0 or more seconds, got {show(value)}")
    return number


def role_arn_terms(terms: t.Sequence[t.Any], option: str = "role_arn") -> list[t.Any]:
    """The lookup's terms: at least one (each is checked as ``role_arn`` by the STS request)."""
    if not terms:
        raise ValidationFailure(option, "is required: pass the ARN of the role to assume as the lookup term")
    return list(terms)


# ============================================================================================
# AWS CLI profiles
# ============================================================================================

_PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@:/-]{1,128}", re.ASCII)
PROFILE_KINDS = ("role", "credentials")
# Where the AWS CLI takes the credentials that assume a profile's role from, when no source_profile names them.
CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
# The options of one kind of profile only: giving them to the other kind is a mistake, not a no-op.
PROFILE_ROLE_OPTIONS = ("role_arn", "source_profile", "credential_source", "external_id", "mfa_serial", "duration_seconds", "role_session_name")
PROFILE_CREDENTIAL_OPTIONS = ("access_key", "secret_key", "session_token")


def profile_name(value: t.Any, option: str = "name") -> str:
    """An AWS CLI profile name that can be written as a section header and read back unchanged."""
    if not isinstance(value, str) or not _PROFILE_NAME_RE.fullmatch(value):
        raise ValidationFailure(
            option,
            "must be a profile name of 1 to 128 letters, digits and _+=,.@:/- (no spaces, brackets, quotes, comment characters "
            f"or newlines), got {show(value)}",
        )
    return value


def profile_file(value: t.Any, option: str) -> str:
    """The path of an AWS config or credentials file, before ``~`` and variables are expanded."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationFailure(option, "must be a file path")
    return value


def profile_value(value: str, option: str) -> str:
    """A value written as ``key = value``: one line, no surrounding blanks, not empty.

    A newline would start a new key or section in the file; surrounding blanks are lost on reading.
    """
    if "\n" in value or "\r" in value:
        raise ValidationFailure(option, "must be a single line")
    if value != value.strip():
        raise ValidationFailure(option, "must not start or end with whitespace")
    if not value:
        raise ValidationFailure(option, "must not be empty")
    return value


def profile_secret(value: t.Any, option: str) -> str:
    """A secret key or session token written to a credentials file: as profile_value, and never echoed."""
    if not isinstance(value, str) or not value or value != value.strip() or "\n" in value or "\r" in value:
        raise ValidationFailure(option, "must be a single line without surrounding whitespace")
    return value


def profile_options_of_kind(given: t.Mapping[str, t.Any], kind: str) -> None:
    """None of the options of the other kind of profile is given (``given``: option -> value, None when not given).

    Secrets in a config-file profile would sit next to role settings the CLI ignores for them.
    """
    wrong = PROFILE_CREDENTIAL_OPTIONS if kind == "role" else PROFILE_ROLE_OPTIONS
    for option in wrong:
        if given.get(option) is not None:
            raise ValidationFailure(option, f"is not valid with kind={kind}; use kind={'credentials' if kind == 'role' else 'role'}")


def profile_role_settings(given: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The role settings of a ``kind=role`` profile (``given``: PROFILE_ROLE_OPTIONS -> value), checked and cleaned.

    The role ARN and exactly one source of the credentials that assume it are required.
    """
    if not given.get("role_arn"):
        raise ValidationFailure("role_arn", "is required when kind=role and state=present")
    values: dict[str, t.Any] = {"role_arn": role_arn(given.get("role_arn"), "role_arn")}
    source_profile = given.get("source_profile")
    credential_source = given.get("credential_source")
    if bool(source_profile) == bool(credential_source):
        raise ValidationFailure(
            "source_profile",
            "exactly one of source_profile and credential_source is required when kind=role "
            "(they tell the AWS CLI where the credentials that assume the role come from)",
        )
    if source_profile:
        values["source_profile"] = profile_name(source_profile, "source_profile")
    if credential_source:
        values["credential_source"] = choice(credential_source, "credential_source", CREDENTIAL_SOURCES)
    checks: dict[str, t.Callable[[t.Any, str], t.Any]] = {
        "external_id": external_id,
        "mfa_serial": mfa_serial,
        "duration_seconds": duration,
        "role_session_name": session_name,
    }
    for option, check in checks.items():
        if given.get(option) is not None:
            values[option] = check(given.get(option), option)
    return values


def profile_credentials(given: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The keys of a ``kind=credentials`` profile (``given``: PROFILE_CREDENTIAL_OPTIONS -> value); secrets never echoed."""
    access_key = given.get("access_key")
    secret_key = given.get("secret_key")
    if not access_key or not secret_key:
        missing = "access_key" if not access_key else "secret_key"
        raise ValidationFailure(missing, "access_key and secret_key are both required when kind=credentials and state=present")
    access_key_id(str(access_key), "access_key")
    for option in ("secret_key", "session_token"):
        if given.get(option) is not None:
            profile_secret(given.get(option), option)
    return {option: value for option, value in given.items() if value is not None}
