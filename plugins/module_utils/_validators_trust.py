# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: validators of trust beyond account ids and principal ARNs: principal patterns,
service principals, source ARNs, OpenID Connect issuers, providers, subjects and audiences (trust options and
oidc_provider), and the lint mode.

Validators as in ``_validators`` (one value and the option name in, the cleaned value out, a
ValidationFailure "<option>: must be ..., got ..." otherwise); the shared helpers come from there.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import ACCOUNT_ID_RE, PARTITION_PATTERN
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._validators import (
    PRINTABLE_RE,
    bounded_pattern,
    choice,
    known_keys,
    list_items,
    show,
    show_sized,
    string,
    unique,
)

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


def principal_pattern(value: t.Any, option: str) -> str:
    """An IAM role or user ARN pattern (``*``/``?`` wildcards) naming one concrete 12-digit account."""
    what = "an IAM role or user ARN pattern such as arn:aws:iam::123456789012:role/ci-*"
    text = string(value, option, what)
    match = _PATTERN_RE.fullmatch(text)
    if match is None:
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    if ACCOUNT_ID_RE.fullmatch(match.group("account")) is None:
        raise ValidationFailure(option, f"must name one concrete 12-digit account (no wildcard in the account field), got {show(value)}")
    if _PATTERN_RESOURCE_RE.fullmatch(match.group("resource")) is None:
        raise ValidationFailure(option, f"must be {what} (role/… or user/… with IAM name characters and * ?), got {show(value)}")
    return text


def principal_patterns(values: t.Any, option: str) -> list[str]:
    return unique(principal_pattern(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


def service_principal(value: t.Any, option: str) -> str:
    """An AWS service principal (``ec2.amazonaws.com``, ``ec2.amazonaws.com.cn``), lower-cased."""
    what = "an AWS service principal such as ec2.amazonaws.com"
    text = string(value, option, what).strip().lower()
    if len(text) > 128 or _SERVICE_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be {what}, got {show(value)}")
    return text


def service_principals(values: t.Any, option: str) -> list[str]:
    return unique(service_principal(item, f"{option}[{index}]") for index, item in enumerate(list_items(values, option)))


def source_arn(value: t.Any, option: str) -> str:
    """An aws:SourceArn value: an ARN, ``*`` and ``?`` allowed (ArnLike)."""
    what = "an ARN such as arn:aws:sns:us-east-1:123456789012:topic (wildcards allowed)"
    text = string(value, option, what)
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
    text = string(value, option, what)
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
    text = string(value, option, what).strip()
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
    text = string(value, option, "a token subject pattern such as repo:ORG/REPO:ref:refs/heads/main")
    if _CONDITION_TEXT_RE.fullmatch(text) is None:
        raise ValidationFailure(option, f"must be 1 to 1024 printable ASCII characters, got {show(value)}")
    problem = oidc_subject_problem(text)
    if problem is not None:
        raise ValidationFailure(option, f"{show(value)} {problem}")
    return text


def oidc_audience(value: t.Any, option: str) -> str:
    text = string(value, option, "a token audience (client id) such as sts.amazonaws.com")
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
    known_keys(value, option, _OIDC_KEYS)
    if value.get("provider") is None:
        raise ValidationFailure(f"{option}.provider", "is required: the issuer URL (https://...) or the OIDC provider ARN")
    provider = oidc_provider(value["provider"], f"{option}.provider")
    audience = value.get("audience")
    audiences = [audience] if isinstance(audience, str) else list_items(audience, f"{option}.audience")
    found_audiences = tuple(unique(oidc_audience(item, f"{option}.audience" if isinstance(audience, str) else f"{option}.audience[{index}]")
                                   for index, item in enumerate(audiences)))
    subjects = tuple(unique(oidc_subject(item, f"{option}.subjects[{index}]")
                            for index, item in enumerate(list_items(value.get("subjects"), f"{option}.subjects"))))
    if present and not found_audiences:
        raise ValidationFailure(f"{option}.audience", "is required: the client id the tokens are issued to (sts.amazonaws.com for GitHub Actions)")
    if present and not subjects:
        raise ValidationFailure(f"{option}.subjects", "needs at least one subject pattern (such as repo:ORG/REPO:ref:refs/heads/main)")
    return provider, found_audiences, subjects


def oidc_client_ids(values: t.Any, option: str) -> list[str]:
    """Audiences (``aud``) the provider issues tokens for: 1 to 100 printable values of up to 255 characters."""
    result = unique(
        bounded_pattern(item, f"{option}[{index}]", "a client id (audience)", PRINTABLE_RE, 1, OIDC_CLIENT_ID_MAX, "printable ASCII without spaces")
        for index, item in enumerate(list_items(values, option))
    )
    if len(result) > OIDC_CLIENT_ID_COUNT_MAX:
        raise ValidationFailure(option, f"at most {OIDC_CLIENT_ID_COUNT_MAX} client ids are allowed, got {len(result)}")
    return result


def oidc_thumbprints(values: t.Any, option: str) -> list[str]:
    """SHA-1 certificate thumbprints: 40 hex characters each, at most 5; returned in lower case."""
    result = []
    for index, item in enumerate(list_items(values, option)):
        where = f"{option}[{index}]"
        text = string(item, where, "a certificate thumbprint of 40 hex characters")
        if _THUMBPRINT_RE.fullmatch(text) is None:
            raise ValidationFailure(where, f"must be a certificate thumbprint of 40 hex characters (the SHA-1 of the certificate), got {show_sized(text)}")
        result.append(text.lower())
    result = unique(result)
    if len(result) > OIDC_THUMBPRINT_COUNT_MAX:
        raise ValidationFailure(option, f"at most {OIDC_THUMBPRINT_COUNT_MAX} thumbprints are allowed, got {len(result)}")
    return result


def lint_mode(value: t.Any, option: str = "lint") -> str:
    return t.cast(str, choice("warn" if value is None else value, option, LINT_MODES))
