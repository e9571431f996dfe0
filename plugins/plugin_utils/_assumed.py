# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection (controller only): credentials of a role chain through the lookup's cache.

Shared by the ``assumed_credentials`` lookup and by the ``credential_process`` command that a
``format: profile`` result points the AWS CLI and SDKs at, so that both read and fill the same
cache entries:

* every step of a chain (web identity, ``via`` hops, ``role_arn``) has its own entry, keyed by the
  source and the steps up to it, so a hub role assumed once serves every account behind it;
* AWS is called at most once per step and lookup, whatever the cache does (an MFA code is
  one-time: a second AssumeRole with it would fail, or worse, be a replay);
* ``format: profile`` writes a 0600 AWS config file whose profile runs ``credential_process``, and
  a 0600 file describing the source; none of them (nor the command line) holds a secret. A source that
  only a secret describes (explicit keys, an inline web identity token) is not written down: its
  profile serves the cached session until it expires, then says how to get one that refreshes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import stat
import sys
import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials, assume_chain
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import (
    AssumeRoleRequest,
    chain_requests,
    request_from_options,
)
from ansible_collections.crossaccount.aws.plugins.plugin_utils._credential_cache import (
    CacheUnusable,
    CredentialCache,
    cache_key,
    source_fields,
)
from ansible_collections.crossaccount.aws.plugins.plugin_utils._source import SOURCE_ENV, resolved_principal

# v2: no secret in it (v1, of 0.2, held explicit keys and inline tokens).
DESCRIPTOR_FORMAT = "crossaccount.aws/profile-source/v2"
PROFILE_PREFIX = "crossaccount-"
# The descriptions of 0.2 held secrets; they are removed (see _remove_secret_descriptors).
_LEGACY_DESCRIPTION_RE = re.compile(r"profile-[0-9a-f]{32}\.source\.json", re.ASCII)
# Environment that decides the source principal when the lookup ran; the credential_process runs
# inside a command whose AWS_CONFIG_FILE / AWS_PROFILE point at the generated profile instead.
_RESTORED_ENV = (*SOURCE_ENV, "AWS_REGION", "AWS_DEFAULT_REGION")
# Placeholders: they let the credential_process rebuild the request (and its cache keys, which never
# include these values) without ever being sent; the first step, the one that would send them, is refused.
_NO_MFA_CODE = "000000"
_NOT_STORED = "not-stored-on-disk"
# Options never written to the source description (SPEC "Secrets at rest"): long-lived secrets and the MFA code.
UNSTORED_OPTIONS = ("secret_key", "session_token", "web_identity_token", "mfa_token")
_REFRESH_HINT = ("for a profile that refreshes, give the lookup a profile, the environment's credentials or web_identity_token_file; "
                 "or run the play (the lookup) again")
# botocore refreshes credential_process credentials from 15 minutes before expiry on, and runs the
# command again on every call meanwhile: serving fresh ones from that point saves those runs.
SDK_REFRESH_WINDOW = 900.0

Warn = t.Callable[[str], None]


class Once:
    """Calls ``func`` at most once; later calls return its result or raise its error again."""

    def __init__(self, func: t.Callable[[], AssumedCredentials]) -> None:
        self._func = func
        self.called = False
        self._result: AssumedCredentials | None = None
        self._error: BaseException | None = None

    def __call__(self) -> AssumedCredentials:
        if not self.called:
            self.called = True
            try:
                self._result = self._func()
            except BaseException as exc:
                self._error = exc
                raise
        if self._error is not None:
            raise self._error
        return t.cast(AssumedCredentials, self._result)


def _token_digest(request: AssumeRoleRequest) -> str | None:
    token = request.web_identity_token
    return hashlib.sha256(token.encode("utf-8")).hexdigest() if token else None


def step_keys(source: t.Mapping[str, t.Any], request: AssumeRoleRequest, token_digest: str | None = None) -> list[str]:
    """One cache key per step: the source plus the steps up to and including it.

    ``token_digest`` stands for the request's web identity token when only its digest is known (the
    credential_process of a profile whose token was given inline and so never written down).
    """
    steps = chain_requests(request)
    digest = token_digest or _token_digest(request)
    if len(steps) == 1 and digest is None:
        return [cache_key(source, steps[0].cache_fields())]
    fields: list[dict[str, t.Any]] = []
    keys = []
    for index, step in enumerate(steps):
        step_fields = step.cache_fields()
        if index == 0 and digest is not None:
            # Which token, never the token: a new token may carry another subject.
            step_fields["web_identity_token_sha256"] = digest
        fields.append(step_fields)
        keys.append(cache_key(source, {"chain": list(fields)}))
    return keys


def _tls(connection: AwsConnection) -> dict[str, t.Any]:
    """How the endpoint's certificate is checked: credentials fetched without a check never serve a lookup that checks."""
    verify = connection.settings.verify
    if verify is False:
        return {"validate_certs": False, "ca_bundle": None}
    if isinstance(verify, str):
        return {"validate_certs": True, "ca_bundle": verify}
    try:
        # AWS_CA_BUNDLE or the profile's ca_bundle, as botocore will use them; read from config, no network.
        bundle = connection.session.get_config_variable("ca_bundle")
    except Exception:
        bundle = None
    return {"validate_certs": True, "ca_bundle": str(bundle) if bundle else None}


def source_of(connection: AwsConnection, request: AssumeRoleRequest) -> dict[str, t.Any]:
    """Cache key material of the source principal and of the connection to STS (no network call)."""
    settings = {**connection.settings.public(), **_tls(connection)}
    if request.web_identity_token:
        # The token is the source; configured credentials take no part.
        return source_fields(settings)
    return source_fields(settings, principal=resolved_principal(connection.session))


def fetch_chain(
    connection: AwsConnection,
    request: AssumeRoleRequest,
    cache: CredentialCache | None,
    warn: Warn,
    keys: list[str] | None = None,
    refuse_step: t.Callable[[int], None] | None = None,
    wait_timeout: float | None = None,
) -> tuple[AssumedCredentials, list[bool]]:
    """The chain's final credentials and, per step served, whether AWS was called for it."""
    fetched: list[bool] = []
    if cache is None:
        return assume_chain(connection, request, wait_timeout=wait_timeout), fetched
    step_key = keys if keys is not None else step_keys(source_of(connection, request), request)
    state = {"cache": True}

    def through(index: int, _step: AssumeRoleRequest, call: t.Callable[[], AssumedCredentials]) -> AssumedCredentials:
        def guarded() -> AssumedCredentials:
            if refuse_step is not None:
                refuse_step(index)
            return call()

        once = Once(guarded)
        if state["cache"]:
            try:
                creds, was_fetched = cache.get_or_fetch(step_key[index], once)
                fetched.append(was_fetched)
                return creds
            except CacheUnusable as exc:
                if not once.called:
                    warn(f"not caching credentials: {exc}")
                state["cache"] = False
        fetched.append(True)
        return once()

    return assume_chain(connection, request, through=through, wait_timeout=wait_timeout), fetched


# --- format: profile ---------------------------------------------------------------------------


def _script_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_credential_process.py")


def profile_paths(cache: CredentialCache, key: str) -> tuple[str, str, str]:
    """(profile name, config file, source description file) of the final cache key ``key``."""
    stem = f"profile-{key[:32]}"
    return (f"{PROFILE_PREFIX}{key[:16]}", os.path.join(cache.directory, f"{stem}.config"),
            os.path.join(cache.directory, f"{stem}.description.json"))


def write_profile(
    cache: CredentialCache,
    key: str,
    options: t.Mapping[str, t.Any],
    region: str | None,
    endpoint_url: str | None,
    ca_bundle: str | None,
) -> dict[str, str]:
    """Write the source description and the config file; returns the environment for a command."""
    name, config_path, source_path = profile_paths(cache, key)
    descriptor = {
        "format": DESCRIPTOR_FORMAT,
        "options": {option: value for option, value in options.items() if option not in UNSTORED_OPTIONS},
        "env": {variable: os.environ[variable] for variable in _RESTORED_ENV if variable in os.environ},
        "cache_dir": cache.directory,
        "refresh_window": cache.refresh_window,
    }
    # Only the interpreter, the script and the description's path: nothing secret on a command line.
    command = " ".join(shlex.quote(part) for part in (sys.executable, _script_path(), source_path))
    lines = [f"[profile {name}]", f"credential_process = {command}"]
    if region:
        lines.append(f"region = {region}")
    if endpoint_url:
        lines.append(f"endpoint_url = {endpoint_url}")
    if ca_bundle:
        lines.append(f"ca_bundle = {ca_bundle}")
    profile_cache_ready(cache)
    _remove_secret_descriptors(cache)
    _write_if_changed(cache, source_path, json.dumps(descriptor, sort_keys=True).encode("utf-8"))
    _write_if_changed(cache, config_path, ("\n".join(lines) + "\n").encode("utf-8"))
    # Checked again last: whatever reads the config file runs its credential_process.
    profile_cache_ready(cache)
    return {"AWS_CONFIG_FILE": config_path, "AWS_PROFILE": name, "AWS_SDK_LOAD_CONFIG": "1"}


def profile_cache_ready(cache: CredentialCache) -> None:
    """The cache directory a format=profile result's credential_process reads, made or checked; refused by option.

    What is checked is the directory on disk (owner, mode, its parents), not a value: hence here, not a validator.
    """
    try:
        cache.ensure_directory()
    except CacheUnusable as exc:
        raise ValidationFailure("cache_dir", f"format=profile needs a usable cache directory: {exc}") from None


def _remove_secret_descriptors(cache: CredentialCache) -> None:
    """Delete the source descriptions of crossaccount.aws 0.2, which held the source's secrets: none stays at rest.

    They are known by their name alone (``profile-<key>.source.json``), so no lookup reads hundreds of files.
    """
    try:
        names = os.listdir(cache.directory)
    except OSError:
        return
    uid = os.geteuid()
    for name in names:
        if _LEGACY_DESCRIPTION_RE.fullmatch(name):
            path = os.path.join(cache.directory, name)
            try:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and info.st_uid == uid:
                    os.unlink(path)
            except OSError:
                continue


def _private_bytes(path: str) -> bytes | None:
    """The content of a regular 0600 file of ours at ``path`` (never through a symlink), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
            return None
        return handle.read(1024 * 1024)


def _write_if_changed(cache: CredentialCache, path: str, data: bytes) -> None:
    # Every task using the lookup rewrites the same two files: skip the atomic write (and its fsyncs) when nothing changed.
    if _private_bytes(path) != data:
        cache.write_private(path, data)


def _read_private(path: str) -> dict[str, t.Any]:
    """The description file, only when it is a regular 0600 file of ours (never through a symlink)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CrossAccountError(f"cannot read the profile's source description {path}: {exc.strerror}; run the lookup again") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise CrossAccountError(f"{path} is not a private (0600) file of this user; refusing to use it")
        raw = handle.read(1024 * 1024)
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != DESCRIPTOR_FORMAT or not isinstance(data.get("options"), dict):
        raise CrossAccountError(f"{path} is not a source description of crossaccount.aws; run the lookup again")
    return data


class _NotRefreshable(CrossAccountError):
    """The first step of the chain needs what the description does not hold (a secret, an MFA code)."""


def _unstored_source(options: dict[str, t.Any]) -> str | None:
    """Put placeholders where the description holds no value; returns why the first step cannot be assumed, or None."""
    reasons = []
    if options.pop("mfa", False):
        options["mfa_token"] = _NO_MFA_CODE
        reasons.append("a new MFA code is needed")
    if options.pop("explicit_keys", False):
        options["secret_key"] = _NOT_STORED
        reasons.append("the lookup was given explicit keys (secret_key), which are never written to disk")
    if options.get("web_identity_token_sha256"):
        options["web_identity_token"] = _NOT_STORED
        reasons.append("the lookup was given web_identity_token inline, which is never written to disk")
    return "; ".join(reasons) or None


def serve_credential_process(path: str) -> dict[str, t.Any]:
    """The Version 1 credential_process object for the description at ``path``, from the cache or AWS."""
    data = _read_private(path)
    # The command that runs us has the generated profile in its environment; the source was
    # resolved with the controller's environment of the lookup.
    saved = data.get("env") or {}
    for variable in _RESTORED_ENV:
        if variable in saved:
            os.environ[variable] = str(saved[variable])
        else:
            os.environ.pop(variable, None)
    options = dict(data["options"])
    unstored = _unstored_source(options)
    token_digest = options.pop("web_identity_token_sha256", None)
    adapter = OptionAdapter.from_dict(options)
    settings: ConnectionSettings = settings_from(adapter)
    request = request_from_options(adapter)
    connection = AwsConnection(settings)
    window = data.get("refresh_window")
    cache = CredentialCache(str(data.get("cache_dir")), refresh_window=None if window is None else float(window),
                            sdk_window=SDK_REFRESH_WINDOW)
    keys = step_keys(source_of(connection, request), request, token_digest=token_digest)

    def refuse(index: int) -> None:
        if unstored is not None and index == 0:
            raise _NotRefreshable(f"the cached credentials expired and cannot be refreshed: {unstored}")

    def warn(message: str) -> None:
        sys.stderr.write(f"crossaccount.aws credential_process: {message}\n")

    try:
        creds, _fetched = fetch_chain(connection, request, cache, warn, keys=keys, refuse_step=refuse)
    except _NotRefreshable as exc:
        # The session the lookup cached is still served while it lasts, refresh window or not.
        last = cache.unexpired(keys[-1])
        if last is None:
            raise CrossAccountError(f"{exc.msg}; {_REFRESH_HINT}") from None
        creds = last
    return creds.credential_process()


def descriptor_options(options: OptionAdapter, names: t.Iterable[str], role_arn: str) -> dict[str, t.Any]:
    """The lookup options a credential_process needs to assume the chain again: never a secret, never the MFA code.

    What only a secret could rebuild is recorded as a fact instead (``explicit_keys``, the token's digest,
    ``mfa``), so the credential_process computes the same cache keys and knows it cannot refresh the first step.
    """
    result: dict[str, t.Any] = {}
    for name in names:
        if name in (*UNSTORED_OPTIONS, "role_arn"):
            continue
        value = options.get(name)
        if value is not None:
            result[name] = value
    token = options.get("web_identity_token")
    if token and not result.get("web_identity_token_file"):
        # Which token, never the token: the credential_process serves its cached session and no other.
        result["web_identity_token_sha256"] = hashlib.sha256(str(token).strip().encode("utf-8")).hexdigest()
    if options.get("secret_key"):
        result["explicit_keys"] = True
    if options.get("mfa_token") is not None:
        result["mfa"] = True
    result["role_arn"] = role_arn
    return result
