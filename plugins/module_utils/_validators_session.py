# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: validators of what it takes to get a session: the sts:AssumeRole and
AssumeRoleWithWebIdentity parameters (names, durations, MFA, session policies and tags, secrets, web identity
tokens, role-chaining hops), endpoints, regions and connection options, and the assumed_credentials lookup's
own options (result format, refresh window, terms).

Validators as in ``_validators`` (one value and the option name in, the cleaned value out, a
ValidationFailure "<option>: must be ..., got ..." otherwise); the shared helpers come from there.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
import typing as t
import urllib.parse

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import ACCOUNT_ID_RE, parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._validators import (
    DIGITS_RE,
    IAM_NAME_RE,
    PRINTABLE_RE,
    TAG_COUNT_MAX,
    TAG_KEY_MAX,
    boolean,
    bounded_pattern,
    choice,
    known_keys,
    list_items,
    path_problem,
    policy_arn,
    role_arn,
    show,
    show_sized,
    string,
    tag_pairs,
    tag_text,
    unique,
    whole_number,
)

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
    return bounded_pattern(value, option, "an external id", _EXTERNAL_ID_RE, EXTERNAL_ID_MIN, EXTERNAL_ID_MAX, "[A-Za-z0-9_+=,.@:/-]")


def session_name(value: t.Any, option: str) -> str:
    return bounded_pattern(value, option, "a role session name", IAM_NAME_RE, SESSION_NAME_MIN, SESSION_NAME_MAX, "[A-Za-z0-9_+=,.@-]")


def source_identity(value: t.Any, option: str) -> str:
    return bounded_pattern(value, option, "a source identity", IAM_NAME_RE, SESSION_NAME_MIN, SESSION_NAME_MAX, "[A-Za-z0-9_+=,.@-]")


def duration(value: t.Any, option: str, minimum: int = 900, maximum: int = 43200) -> int:
    """Whole seconds between ``minimum`` and ``maximum``; ints, integral floats and digit strings."""
    expected = f"a whole number of seconds from {minimum} to {maximum}"
    number = whole_number(value)
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
    number = whole_number(value)
    if number is None or not 0 <= number <= WAIT_TIMEOUT_MAX:
        raise ValidationFailure(option, f"must be a whole number of seconds from 0 to {WAIT_TIMEOUT_MAX}, got {show(value)}")
    return number


def mfa_serial(value: t.Any, option: str) -> str:
    """A virtual MFA device ARN (``arn:aws:iam::ACCT:mfa/NAME``) or a hardware device serial number."""
    what = "an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) or serial number"
    text = string(value, option, what)
    if text.startswith("arn:"):
        parsed = parse_arn(text)
        if parsed is None or parsed.service != "iam" or parsed.resource_type != "mfa" or parsed.region or not ACCOUNT_ID_RE.fullmatch(parsed.account):
            raise ValidationFailure(option, f"must be {what}, got {show(value)}")
        name = parsed.resource_name
        # STS limits SerialNumber to 256 characters whether it is an ARN or a device serial.
        well_formed = parsed.resource.startswith("mfa/") and not parsed.resource.endswith("/") and len(text) <= 256
        if not well_formed or IAM_NAME_RE.fullmatch(name) is None or (parsed.path != "/" and path_problem(parsed.path)):
            raise ValidationFailure(option, f"must be {what}, got {show(value)}")
        return text
    return bounded_pattern(value, option, what, _MFA_SERIAL_RE, 9, 256, "[A-Za-z0-9_+=/:,.@-]")


def mfa_token(value: t.Any, option: str) -> str:
    """The 6-digit MFA code. Never echoed: it is a (short-lived) secret."""
    if isinstance(value, int) and not isinstance(value, bool) and 100000 <= value <= 999999:
        return str(value)
    if isinstance(value, str) and DIGITS_RE.fullmatch(value) and len(value) == 6:
        return value
    hint = "; quote the code in YAML so leading zeros survive" if isinstance(value, int) and not isinstance(value, bool) else ""
    raise ValidationFailure(option, f"must be the 6-digit code shown by the MFA device; the value given is not{hint}")


def policy_arns(values: t.Any, option: str, max_count: int = POLICY_ARNS_MAX) -> list[str]:
    """Managed policy ARNs used as session policies: at most ten."""
    items = list_items(values, option)
    if len(items) > max_count:
        raise ValidationFailure(option, f"must list at most {max_count} policies, got {len(items)}")
    return unique(policy_arn(item, f"{option}[{index}]") for index, item in enumerate(items))


def secret_text(value: t.Any, option: str) -> str:
    """A secret key or session token: one word of printable ASCII. Never echoed.

    A newline or a control character would go into an HTTP header (X-Amz-Security-Token), where the
    HTTP client's error quotes the whole value.
    """
    if not isinstance(value, str):
        raise ValidationFailure(option, f"must be a string, got a {type(value).__name__} (the value is not shown: it is a secret)")
    if PRINTABLE_RE.fullmatch(value) is None:
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
    return string(value, option, "the path of a file holding an OpenID Connect token")


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
    for index, item in enumerate(list_items(values, option)):
        where = f"{option}[{index}]"
        if isinstance(item, str):
            item = {"role_arn": item}
        if not isinstance(item, t.Mapping):
            raise ValidationFailure(where, f"must be a role ARN or a dict with {', '.join(HOP_KEYS)}, got {show(item)}")
        known_keys(item, where, HOP_KEYS)
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
    cleaned = tag_pairs(pairs, option, TAG_COUNT_MAX)
    return [{"Key": key, "Value": val} for key, val in cleaned.items()]


def transitive_tag_keys(values: t.Any, option: str, session_tag_keys: t.Iterable[str]) -> list[str]:
    """Keys that must each be one of the session tags being passed (matched case-insensitively, as STS does)."""
    known = {key.lower() for key in session_tag_keys}
    result = []
    for index, item in enumerate(list_items(values, option)):
        key = tag_text(item, f"{option}[{index}]", "tag key", 1, TAG_KEY_MAX)
        if key.lower() not in known:
            raise ValidationFailure(f"{option}[{index}]", f"{show(key)} is not one of the session tags; only session tag keys can be transitive")
        result.append(key)
    return unique(result)


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
    text = string(value, option, what)
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
    known_keys(value, option, aliases, "connection option", shown=sorted(set(aliases.values())))
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
    return unique(s3_bucket(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option, "bucket names")))


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
    number = whole_number(value)
    if number is None or number < 0:
        raise ValidationFailure(option, f"must be 0 or more seconds, got {show(value)}")
    return number


def role_arn_terms(terms: t.Sequence[t.Any], option: str = "role_arn") -> list[t.Any]:
    """The lookup's terms: at least one (each is checked as ``role_arn`` by the STS request)."""
    if not terms:
        raise ValidationFailure(option, "is required: pass the ARN of the role to assume as the lookup term")
    return list(terms)
