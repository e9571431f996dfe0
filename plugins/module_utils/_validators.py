# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: THE validation layer, pure input validators grouped by domain; this file holds the
shared helpers and the identifiers every domain uses.

Each validator takes one value (a list, a dict or a document counts as one value) and the public option
name, returns the cleaned value, and raises ValidationFailure("<option>: must be <what was expected>, got
<value>") otherwise; a value that may be a secret is never echoed. They run before the first AWS call, so a
typo costs no API round trip and never leaves a half-applied change. What depends on several options or
on AWS state (``type=inline`` needs principals, an ARN in the caller's partition) is the logic files' to
check; the registry of kinds the roles reach through the ``option_problems`` filter is ``_option_kinds``.

The layer is one file per domain, so the file name says where an option is checked:

- ``_validators.py`` (this file): shared helpers (how a bad value is shown, strings, lists, numbers, choices,
  known keys), AWS account ids and ARNs, IAM names and paths, policy documents, resource tags (and the tag key and
  value rules that session tags and tag filters share);
- ``_validators_session.py``: STS sessions (AssumeRole and web identity parameters, session tags, secrets),
  endpoints, regions and connection options, the assumed_credentials lookup's own options;
- ``_validators_organizations.py``: organization ids and paths, OUs, account states, tag filters, the principals of
  the SCP pre-flight;
- ``_validators_trust.py``: trust beyond account ids: principal patterns, service principals, source ARNs, OIDC;
- ``_validators_profiles.py``: AWS CLI profiles.

The domain files import the helpers below under their public names; this file imports none of them, so
the graph stays acyclic.

The limits follow the IAM, STS and Organizations API references. Patterns are compiled with re.ASCII
because AWS's ``\\w`` means ``[A-Za-z0-9_]``: Python's Unicode ``\\w`` would let "rôle" or Arabic-Indic
digits through, only for AWS to reject them later.
"""

from __future__ import annotations

import json
import re
import typing as t
import unicodedata

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import (
    ACCOUNT_ID_RE,
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

DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)
PRINTABLE_RE = re.compile(r"[\x21-\x7e]+", re.ASCII)
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


def string(value: t.Any, option: str, expected: str) -> str:
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be {expected}, got {show(value)}")
    return value


def bounded_pattern(value: t.Any, option: str, what: str, pattern: re.Pattern[str], low: int, high: int, chars: str) -> str:
    text = string(value, option, what)
    if not low <= len(text) <= high:
        raise ValidationFailure(option, f"must be {what} of {low} to {high} characters, got {show_sized(text)}")
    if pattern.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be {what} made of {chars}, got {show(value)}")
    return text


def list_items(values: t.Any, option: str, what: str = "") -> list[t.Any]:
    """THE list check: the items of a list option, [] when it is not given.

    None means "not given" for optional list options; a bare string is refused rather than split, because
    "111111111111,222222222222" vs a single id is exactly the ambiguity to avoid.
    """
    if values is None:
        return []
    if isinstance(values, (list, tuple)):
        return list(values)
    raise ValidationFailure(option, f"must be a list{' of ' + what if what else ''}, got {show(values)}")


def unique(values: t.Iterable[str], key: t.Callable[[str], str] | None = None) -> list[str]:
    """Duplicates removed, first-seen order kept; ``key`` says when two values are the same (IAM names: any case)."""
    seen: set[str] = set()
    result = []
    for value in values:
        marker = key(value) if key is not None else value
        if marker not in seen:
            seen.add(marker)
            result.append(value)
    return result


def known_keys(value: t.Mapping[t.Any, t.Any], option: str, valid: t.Iterable[str], what: str = "key",
               shown: t.Iterable[str] | None = None) -> None:
    """Every key of a dict option is one of ``valid`` (listed as ``shown``, by default ``valid``); only the key
    is named, its value may be a secret."""
    allowed = tuple(valid)
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ValidationFailure(f"{option}.{unknown[0]}", f"unknown {what}; must be one of {', '.join(shown or allowed)}")


def whole_number(value: t.Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and DIGITS_RE.fullmatch(value.strip()) and len(value.strip()) <= 12:
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
    return unique(choice(item, f"{option}[{index}]", options) for index, item in enumerate(list_items(values, option)))


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
    text = string(value, option, "a 12-digit AWS account id")
    if ACCOUNT_ID_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be a 12-digit AWS account id, got {show(value)}")
    return text


def account_ids(values: t.Any, option: str) -> list[str]:
    """A list of account ids, duplicates removed, first-seen order kept."""
    return unique(account_id(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


def arn(
    value: t.Any,
    option: str,
    service: str | t.Iterable[str] | None = None,
    resource_types: t.Iterable[str] | None = None,
    partition: str | None = None,
) -> Arn:
    """Any well-formed ARN, optionally restricted to a service, resource types and a partition."""
    expected = "an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
    text = string(value, option, expected)
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
    if not well_formed or not 1 <= len(name) <= limit or IAM_NAME_RE.fullmatch(name) is None:
        raise ValidationFailure(option, f"must be {what} whose name has 1 to {limit} characters of [A-Za-z0-9_+=,.@-], got {show(value)}")
    if path != "/" and path_problem(path) is not None:
        raise ValidationFailure(option, f"must be {what} with a valid path ({path_problem(path)}), got {show(value)}")


def role_arn(value: t.Any, option: str) -> str:
    """An IAM role ARN in any partition: ``arn:aws:iam::123456789012:role/PATH/NAME``."""
    what = "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
    parsed = _iam_arn(value, option, what, ("role",))
    _check_path_and_name(parsed, value, option, what, "role")
    return str(parsed)


def role_arns(values: t.Any, option: str) -> list[str]:
    """A list of role ARNs, duplicates removed, first-seen order kept."""
    return unique(role_arn(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


def principal_arn(value: t.Any, option: str) -> str:
    """An ARN that can stand in a trust policy's AWS principal: user, role, account root,
    assumed-role session or federated user. Account ids are converted by the caller."""
    what = "an IAM user, role or root ARN, or an STS assumed-role ARN"
    text = string(value, option, what)
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
            and all(IAM_NAME_RE.fullmatch(part) and len(part) <= 64 for part in parts[1:])
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
    return unique(principal_arn(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


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
    arns = unique(role_arn(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option, "IAM role ARNs")))
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

IAM_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
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
    return bounded_pattern(value, option, f"an IAM {kind.replace('_', ' ')} name", IAM_NAME_RE, 1, limit, "[A-Za-z0-9_+=,.@-]")


def iam_names(values: t.Any, option: str, kind: str = "role") -> list[str]:
    """A list of IAM names of one kind (users, groups, roles, policies), duplicates removed.

    IAM names are unique regardless of case: "Alice" and "alice" are one principal, kept as first written.
    """
    names = (iam_name(item, f"{option}[{index}]", kind) for index, item in enumerate(list_items(values, option, f"IAM {kind} names")))
    return unique(names, key=str.lower)


def path_problem(text: str) -> str | None:
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
    text = string(value, option, "an IAM path such as '/' or '/team/'")
    problem = path_problem(text)
    if problem is not None:
        raise ValidationFailure(option, f"must be an IAM path such as '/' or '/team/' ({problem}), got {show(value)}")
    return text


def iam_path_prefix(value: t.Any, option: str) -> str:
    """A ListRoles path prefix: "/" followed by printable ASCII, at most 512 characters ("/team" matches "/team-a/")."""
    return bounded_pattern(value, option, "an IAM path prefix beginning with '/'", _PATH_PREFIX_RE, 1, IAM_PATH_MAX, "'/' then printable ASCII")


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
    return unique(managed_policy_ref(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


def role_description(value: t.Any, option: str) -> str:
    """A role description: at most 1000 printable Latin-1 characters, tabs and newlines."""
    text = string(value, option, "a role description")
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


def tag_text(value: t.Any, option: str, what: str, low: int, high: int) -> str:
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


def tag_pairs(pairs: t.Iterable[tuple[t.Any, t.Any]], option: str, max_count: int) -> dict[str, str]:
    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for raw_key, raw_value in pairs:
        key = tag_text(raw_key, option, "tag key", 1, TAG_KEY_MAX)
        if key.lower().startswith("aws:"):
            raise ValidationFailure(option, f"tag key {show(key)} uses the reserved 'aws:' prefix")
        # IAM and STS treat tag keys case-insensitively: "Team" and "team" are the same tag.
        if key.lower() in seen:
            if seen[key.lower()] == key:
                raise ValidationFailure(option, f"must name each tag key once, got {show(key)} given twice")
            raise ValidationFailure(option, f"tag keys {show(seen[key.lower()])} and {show(key)} differ only in case; AWS treats them as one key")
        seen[key.lower()] = key
        result[key] = tag_text("" if raw_value is None else raw_value, f"{option}.{key}", "tag value", 0, TAG_VALUE_MAX)
    if len(result) > max_count:
        raise ValidationFailure(option, f"must hold at most {max_count} tags, got {len(result)}")
    return result


def tags(value: t.Any, option: str, max_count: int = TAG_COUNT_MAX) -> dict[str, str]:
    """A dict of tag key -> value; a None value means the empty string."""
    if value is None:
        return {}
    if not isinstance(value, t.Mapping):
        raise ValidationFailure(option, f"must be a dict of tag keys to values, got {show(value)}")
    return tag_pairs(value.items(), option, max_count)
