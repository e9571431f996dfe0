# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: validators of AWS CLI profiles (aws_profile): profile names and files, values
written as ``key = value``, and the options of each kind of profile.

Validators as in ``_validators`` (one value and the option name in, the cleaned value out, a
ValidationFailure "<option>: must be ..., got ..." otherwise); the shared helpers come from there.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._validators import choice, role_arn, show
from ansible_collections.crossaccount.aws.plugins.module_utils._validators_session import (
    access_key_id,
    duration,
    external_id,
    mfa_serial,
    session_name,
)

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
