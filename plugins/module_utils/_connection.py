# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the connection options shared by every module and plugin.

One argument spec (CONNECTION_SPEC, documented by the ``crossaccount.aws.connection`` doc
fragment), one adapter so the same code reads options from a module, a plugin or a plain dict,
and one place that builds SDK sessions and clients with botocore's own retry modes.
"""

from __future__ import annotations

import copy
import logging
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import (
    CrossAccountError,
    ValidationFailure,
    describe,
)

try:
    # botocore alone: boto3 (a runtime dependency all the same) adds resources and s3transfer, about a third of a
    # module's start-up, and we only ever need low-level clients.
    import botocore
    import botocore.exceptions
    import botocore.session
    from botocore.config import Config

    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR: ImportError | None = None
except ImportError as _exc:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = _exc

COLLECTION_VERSION = "0.3.0"

# Both read sides (IAM is global, STS regional) work from us-east-1 when nothing else is configured.
DEFAULT_REGION = "us-east-1"
# botocore "standard" mode retries throttling, 5xx and transient connection errors with jittered
# exponential backoff and a retry quota; 10 attempts ride out a throttled account without a loop here.
RETRY_CONFIG = {"mode": "standard", "total_max_attempts": 10}

CONNECTION_ARGSPEC: dict[str, dict[str, t.Any]] = {
    "profile": {"type": "str", "aliases": ["aws_profile"]},
    "access_key": {"type": "str", "aliases": ["aws_access_key_id", "aws_access_key"], "no_log": False},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key", "aws_secret_key"], "no_log": True},
    "session_token": {"type": "str", "aliases": ["aws_session_token"], "no_log": True},
    "region": {"type": "str", "aliases": ["aws_region"]},
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url"]},
    "validate_certs": {"type": "bool", "default": True},
    "aws_ca_bundle": {"type": "path"},
}
CONNECTION_OPTIONS = tuple(CONNECTION_ARGSPEC)
# The option group every AWS module merges into its ARGSPEC.
CONNECTION_SPEC = ArgumentSpec(CONNECTION_ARGSPEC)


def connection_argspec() -> dict[str, dict[str, t.Any]]:
    return copy.deepcopy(CONNECTION_ARGSPEC)


class OptionAdapter:
    """Reads options the same way from an AnsibleModule, a plugin or a dict."""

    def __init__(self, getter: t.Callable[[str], t.Any]) -> None:
        self._getter = getter

    @classmethod
    def from_dict(cls, data: t.Mapping[str, t.Any]) -> OptionAdapter:
        return cls(data.get)

    @classmethod
    def from_module(cls, module: t.Any) -> OptionAdapter:
        return cls(module.params.get)

    @classmethod
    def from_plugin(cls, plugin: t.Any) -> OptionAdapter:
        def getter(name: str) -> t.Any:
            try:
                return plugin.get_option(name)
            except KeyError:
                return None

        return cls(getter)

    def raw(self, name: str) -> t.Any:
        """The value exactly as given, "" included (for options where an empty string means something)."""
        return self._getter(name)

    def get(self, name: str, default: t.Any = None) -> t.Any:
        value = self._getter(name)
        # Ansible passes "" for templated-out values; treat it as unset so boto3's chain applies.
        if value is None or value == "":
            return default
        return value


def _alias_map() -> dict[str, str]:
    names = {}
    for name, spec in CONNECTION_ARGSPEC.items():
        names[name] = name
        for alias in spec.get("aliases", []):
            names[alias] = name
    return names


def normalize_connection_dict(data: t.Mapping[str, t.Any] | None, option: str) -> dict[str, t.Any]:
    """Canonical names for a connection-options dict such as ``target_aws``; unknown keys are errors."""
    return v_session.connection_options(data, option, _alias_map())


@dataclass(frozen=True)
class ConnectionSettings:
    """Validated connection options; secrets are excluded from repr so they never reach a log."""

    profile: str | None = None
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    region: str | None = None
    endpoint_url: str | None = None
    verify: bool | str = True

    def public(self) -> dict[str, t.Any]:
        """The settings safe to show or hash (no secret key, no session token)."""
        return {
            "profile": self.profile,
            "access_key": self.access_key,
            "region": self.region,
            "endpoint_url": self.endpoint_url,
        }


def settings_from(options: OptionAdapter, where: str = "") -> ConnectionSettings:
    """Validate connection options; ``where`` prefixes option names in messages (e.g. ``target_aws.``)."""
    profile = options.get("profile")
    access_key = options.get("access_key")
    secret_key = options.get("secret_key")
    session_token = options.get("session_token")
    if profile and (access_key or secret_key or session_token):
        raise ValidationFailure(
            f"{where}profile",
            "cannot be combined with access_key/secret_key/session_token; pass a profile or explicit keys, not both",
        )
    if bool(access_key) != bool(secret_key):
        missing = "secret_key" if access_key else "access_key"
        raise ValidationFailure(f"{where}{missing}", "access_key and secret_key must be given together")
    if session_token and not access_key:
        raise ValidationFailure(f"{where}session_token", "requires access_key and secret_key")
    if secret_key:
        secret_key = v_session.secret_text(secret_key, f"{where}secret_key")
    if session_token:
        session_token = v_session.secret_text(session_token, f"{where}session_token")
    endpoint_url = options.get("endpoint_url")
    if endpoint_url is not None:
        # botocore raises a bare ValueError (a traceback) for "http://a b" or a port out of range.
        endpoint_url = v_session.endpoint_url(endpoint_url, f"{where}endpoint_url")
    validate_certs = options.get("validate_certs", True)
    ca_bundle = options.get("aws_ca_bundle")
    verify: bool | str = ca_bundle if (validate_certs and ca_bundle) else bool(validate_certs)
    return ConnectionSettings(
        profile=profile,
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
        region=options.get("region"),
        endpoint_url=endpoint_url,
        verify=verify,
    )


# SDK data shared by every session of the process (see share_sdk_data): the service models and endpoint data
# (a loader with its cache), and an event emitter holding botocore's built-in handlers.
_SHARED_LOADER: t.Any = None
_SHARED_EVENTS: t.Any = None
SDK_SERVICES = ("iam", "sts", "organizations", "s3")


def share_sdk_data() -> None:
    """Load the SDK's data files and register its built-in handlers once, for every later session to reuse.

    For the controller's process, before it forks workers: a module process builds one or two sessions and
    gains nothing, but in-process tasks would otherwise parse the same JSON models, and register the same
    ~2,500 event handlers (each checked with inspect), in every forked worker.
    """
    global _SHARED_LOADER, _SHARED_EVENTS
    if _SHARED_LOADER is not None or not HAS_BOTO3:
        return
    template = botocore.session.Session()
    events = template.get_component("event_emitter")
    # Clients are made on another session, so that nothing they register reaches the template's handlers.
    warm = botocore.session.Session(event_hooks=copy.copy(events), include_builtin_handlers=False)
    loader = warm.get_component("data_loader")
    warm.set_credentials("warm-up", "warm-up")
    for service in SDK_SERVICES:
        warm.create_client(service, region_name=DEFAULT_REGION)
    _SHARED_LOADER, _SHARED_EVENTS = loader, events


def _new_session(profile: str | None) -> t.Any:
    if _SHARED_EVENTS is None:
        session = botocore.session.Session(profile=profile)
    else:
        session = botocore.session.Session(profile=profile, event_hooks=copy.copy(_SHARED_EVENTS), include_builtin_handlers=False)
        session.register_component("data_loader", _SHARED_LOADER)
    # The configuration of every client the session makes, the collection's and the STS client botocore's credential
    # providers make for an assume-role or web-identity profile: without the retries that one gives up on throttling
    # after 3 attempts.
    session.set_default_client_config(Config(retries=dict(RETRY_CONFIG), user_agent_extra=f"crossaccount.aws/{COLLECTION_VERSION}"))
    return session


def require_boto3() -> None:
    if not HAS_BOTO3:
        raise CrossAccountError(f"boto3 and botocore are required: {BOTO3_IMPORT_ERROR}")


def quiet_sdk_loggers() -> None:
    # botocore at DEBUG logs signed request headers (x-amz-security-token) and STS response bodies;
    # Ansible's log_path or a user's root logger must never receive them (cf. CVE-2019-14846).
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


class AwsConnection:
    """A botocore session plus lazily created clients and the caller identity, for one principal."""

    def __init__(self, settings: ConnectionSettings) -> None:
        require_boto3()
        quiet_sdk_loggers()
        self.settings = settings
        self._session: t.Any = None
        self._region: str | None = None
        self._clients: dict[str, t.Any] = {}
        self._identity: dict[str, str] | None = None

    def _open_session(self) -> None:
        try:
            session = _new_session(self.settings.profile)
            if self.settings.access_key:
                session.set_credentials(self.settings.access_key, self.settings.secret_key, self.settings.session_token)
            # botocore reads the profile lazily; reading the region now reports a missing profile here, once.
            self._region = session.get_config_variable("region")
        except botocore.exceptions.BotoCoreError as exc:
            raise describe("SDK session", exc) from exc
        self._session = session

    @property
    def session(self) -> t.Any:
        if self._session is None:
            self._open_session()
        return self._session

    @property
    def configured_region(self) -> str | None:
        """The region from the options or the SDK's chain (env, profile); None when nothing sets one."""
        if self.settings.region:
            return self.settings.region
        if self._session is None:
            self._open_session()
        return self._region

    @property
    def region(self) -> str:
        return self.configured_region or DEFAULT_REGION

    def client(self, service: str) -> t.Any:
        if service not in self._clients:
            try:
                # Retries and user agent come from the session's default client configuration (_new_session).
                self._clients[service] = self.session.create_client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.settings.endpoint_url,
                    verify=self.settings.verify,
                )
            except botocore.exceptions.BotoCoreError as exc:
                raise describe(f"create {service} client", exc) from exc
        return self._clients[service]

    @property
    def iam(self) -> t.Any:
        return self.client("iam")

    @property
    def sts(self) -> t.Any:
        return self.client("sts")

    def identity(self) -> dict[str, str]:
        """GetCallerIdentity once per connection: ``account``, ``arn``, ``user_id``, ``partition``."""
        if self._identity is None:
            try:
                response = self.sts.get_caller_identity()
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
                raise describe("sts:GetCallerIdentity", exc) from exc
            arn = response["Arn"]
            self._identity = {
                "account": response["Account"],
                "arn": arn,
                "user_id": response["UserId"],
                "partition": arn.split(":")[1],
            }
        return self._identity

    @property
    def account_id(self) -> str:
        return self.identity()["account"]

    @property
    def partition(self) -> str:
        return self.identity()["partition"]
