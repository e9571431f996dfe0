# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): which keys botocore resolved for the lookup's source.

The credential cache keys entries by the source principal. Names alone (a profile, a credentials
file) are not enough: when the keys behind a profile change, the new principal must not be served
the previous principal's role credentials. botocore's resolved credentials carry the access key id
without any network call, except credentials botocore would itself have to fetch first (a profile
that assumes a role, SSO): for those the profile's own source is followed instead, recursively.
"""

from __future__ import annotations

import typing as t

try:
    import botocore.session
    from botocore.credentials import DeferredRefreshableCredentials, RefreshableCredentials
except ImportError:  # pragma: no cover - the lookup reports missing boto3 through AwsConnection
    pass

# Environment that changes which principal boto3 resolves when no explicit option is given: part of the cache key
# of the source, and restored for the credential_process of a format=profile result.
SOURCE_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CA_BUNDLE",
)

# A profile chain longer than this is a loop (botocore refuses it too).
MAX_PROFILE_DEPTH = 5
# Keys of a profile that name its source without being secret.
_PROFILE_SOURCE_KEYS = ("role_arn", "source_profile", "credential_source", "web_identity_token_file", "sso_session",
                        "sso_account_id", "sso_role_name", "credential_process", "external_id")


def resolved_principal(session: t.Any, depth: int = 0) -> dict[str, t.Any]:
    """``{"method", "access_key_id"}`` of the session's credentials, or of the profile chain behind them."""
    try:
        creds = session.get_credentials()
    except Exception as exc:
        return {"unresolved": type(exc).__name__}
    if creds is None:
        return {"method": None}
    method = getattr(creds, "method", None)
    if isinstance(creds, DeferredRefreshableCredentials) and getattr(creds, "_frozen_credentials", None) is None:
        # Reading the key would make botocore call AWS now (AssumeRole, SSO): name the source instead.
        return {"method": method, "profile": _profile_source(session, depth)}
    if isinstance(creds, RefreshableCredentials):
        # The private attribute: the public property would refresh credentials near expiry.
        return {"method": method, "access_key_id": getattr(creds, "_access_key", None)}
    return {"method": method, "access_key_id": getattr(creds, "access_key", None)}


def _profile_source(session: t.Any, depth: int) -> dict[str, t.Any]:
    name = session.profile
    try:
        config = session.full_config.get("profiles", {}).get(name) or {}
    except Exception:
        return {"name": name}
    result: dict[str, t.Any] = {"name": name}
    result.update({key: config[key] for key in _PROFILE_SOURCE_KEYS if key in config})
    source = config.get("source_profile")
    if source and source != name and depth < MAX_PROFILE_DEPTH:
        result["source"] = resolved_principal(botocore.session.Session(profile=source), depth + 1)
    return result
