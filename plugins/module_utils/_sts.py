# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the STS calls, for assume_role, verify_access and the lookup.

``assume_role()`` calls sts:AssumeRole and rides out IAM's eventual consistency (a role or trust policy
written seconds ago is denied for a while) with a bounded, jittered backoff; AssumeRoleWithWebIdentity
likewise; ``assume_chain`` executes a request's chain of calls (``_sts_request.chain_requests``), and
``AssumedCredentials`` is what they return. The request itself and its validation are ``_sts_request``'s.
"""

from __future__ import annotations

import datetime
import random
import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, aws_operation
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import (
    DEFAULT_WAIT_TIMEOUT,
    AssumeRoleRequest,
    chain_requests,
    chaining_cap_applies,
    check_chaining,
    check_web_identity_step,
    step_label,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection

# Backoff while a fresh role propagates (typically 5-15 s): start at 0.5 s, grow by a quarter, never more than 1 s
# between tries. A 3 s cap overshot a 5 s propagation by up to 2 s (measured: 1.9 s of an 8.3 s cold bench run); at
# 1 s the wait ends within one second of the role becoming usable, at the pace of amazon.aws's documented
# `until`/`delay: 1` loop: at most about 75 AssumeRole calls a minute, far under STS's request-rate quota.
BACKOFF_FIRST = 0.5
BACKOFF_GROWTH = 1.25
BACKOFF_MAX = 1.0


def ensure_chaining_allowed(conn: AwsConnection, request: AssumeRoleRequest) -> None:
    """check_chaining with the connection's caller, read (one GetCallerIdentity) only when the cap could apply."""
    if chaining_cap_applies(request):
        check_chaining(request, conn.identity()["arn"])


def _utc(value: t.Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value.astimezone(datetime.UTC)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    return parsed.replace(tzinfo=datetime.UTC) if parsed.tzinfo is None else parsed.astimezone(datetime.UTC)


def iso8601(value: datetime.datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AssumedCredentials:
    """Temporary credentials of one role session. repr never shows the secret key or token."""

    access_key: str
    secret_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime.datetime
    assumed_role_arn: str
    assumed_role_id: str
    account_id: str
    source_identity: str | None = None

    def __post_init__(self) -> None:
        self.expiration = _utc(self.expiration)

    @classmethod
    def from_response(cls, response: t.Mapping[str, t.Any]) -> AssumedCredentials:
        creds = response["Credentials"]
        user = response.get("AssumedRoleUser") or {}
        arn = user.get("Arn", "")
        parsed = parse_arn(arn)
        return cls(
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=creds["Expiration"],
            assumed_role_arn=arn,
            assumed_role_id=user.get("AssumedRoleId", ""),
            account_id=parsed.account if parsed else "",
            source_identity=response.get("SourceIdentity"),
        )

    def seconds_left(self, now: float | None = None) -> float:
        return self.expiration.timestamp() - (time.time() if now is None else now)

    def module_args(self, region: str | None = None) -> dict[str, t.Any]:
        """Connection options of this collection's and amazon.aws modules."""
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "session_token": self.session_token,
            "region": region,
        }

    def env(self, region: str | None = None) -> dict[str, str]:
        result = {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_SESSION_TOKEN": self.session_token,
            # Read by botocore's environment provider and written by `aws configure export-credentials`.
            "AWS_CREDENTIAL_EXPIRATION": iso8601(self.expiration),
        }
        if region:
            result["AWS_REGION"] = region
            result["AWS_DEFAULT_REGION"] = region
        return result

    def credential_process(self) -> dict[str, t.Any]:
        result: dict[str, t.Any] = {
            "Version": 1,
            "AccessKeyId": self.access_key,
            "SecretAccessKey": self.secret_key,
            "SessionToken": self.session_token,
            "Expiration": iso8601(self.expiration),
        }
        if self.account_id:
            result["AccountId"] = self.account_id
        return result

    def to_cache(self) -> dict[str, t.Any]:
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "session_token": self.session_token,
            "expiration": iso8601(self.expiration),
            "assumed_role_arn": self.assumed_role_arn,
            "assumed_role_id": self.assumed_role_id,
            "account_id": self.account_id,
            "source_identity": self.source_identity,
        }

    @classmethod
    def from_cache(cls, data: t.Any) -> AssumedCredentials:
        """Rebuild from ``to_cache()``; raises ValueError on anything else (foreign or corrupt data)."""
        if not isinstance(data, dict):
            raise ValueError("not a credentials object")
        for key in ("access_key", "secret_key", "session_token", "expiration", "assumed_role_arn"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValueError(f"missing {key}")
        try:
            expiration = _utc(data["expiration"])
        except (TypeError, ValueError):
            raise ValueError("bad expiration") from None
        return cls(
            access_key=data["access_key"],
            secret_key=data["secret_key"],
            session_token=data["session_token"],
            expiration=expiration,
            assumed_role_arn=data["assumed_role_arn"],
            assumed_role_id=str(data.get("assumed_role_id") or ""),
            account_id=str(data.get("account_id") or ""),
            source_identity=data.get("source_identity"),
        )


@aws_operation("sts:AssumeRole")
def call_assume_role(client: t.Any, **kwargs: t.Any) -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", client.assume_role(**kwargs))


def _backoff(attempt: int) -> float:
    base = min(BACKOFF_MAX, BACKOFF_FIRST * (BACKOFF_GROWTH ** (attempt - 1)))
    # Jitter so that forks started together do not hammer STS in lockstep.
    return float(base * random.uniform(0.8, 1.0))


def assume_role(
    conn: AwsConnection,
    request: AssumeRoleRequest,
    wait_timeout: float | None = None,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> AssumedCredentials:
    """Call sts:AssumeRole; retry AccessDenied for up to ``request.wait_timeout`` seconds (IAM propagation).

    ``wait_timeout`` overrides the request's for callers that decide the wait themselves (verify_access
    tries once, diagnoses, and only then waits).
    """
    if request.via or request.web_identity_token is not None:
        # One AssumeRole with the source credentials would silently skip the hops or the token.
        raise CrossAccountError("via and web_identity_token need the chain executor (assume_chain), not a single sts:AssumeRole")
    if wait_timeout is None:
        wait_timeout = request.wait_timeout
    kwargs = request.api_kwargs()
    client = conn.sts
    start = clock()
    attempts = 0
    while True:
        attempts += 1
        try:
            response = call_assume_role(client, **kwargs)
            return AssumedCredentials.from_response(response)
        except CrossAccountError as exc:
            if exc.code != "AccessDenied":
                raise
            waited = clock() - start
            remaining = wait_timeout - waited
            if remaining <= 0:
                raise _denied(exc, wait_timeout, attempts, waited) from exc
            sleep(min(_backoff(attempts), remaining))


def _denied(exc: CrossAccountError, wait_timeout: float, attempts: int, waited: float) -> CrossAccountError:
    hint = "run crossaccount.aws.verify_access for a diagnosis"
    if wait_timeout <= 0:
        msg = f"{exc.msg} (denied at once, wait_timeout is 0; {hint})"
    else:
        msg = (
            f"{exc.msg} (still denied after waiting {round(waited)} s over {attempts} attempts: "
            f"the role may still be propagating, or access is really denied; {hint})"
        )
    return CrossAccountError(msg, operation="sts:AssumeRole", code="AccessDenied", attempts=attempts, waited=round(waited, 1))


# --- Execution of chains and web identity ---
#
# A request may name hops (``via``) assumed before ``role_arn``, and a web identity token that
# replaces the source credentials for the first role of the chain. Each step's credentials are the
# source of the next one. ``assume_chain`` walks the steps from the last one backwards and lazily, so
# a caller that caches steps (the lookup) only assumes what its cache does not hold: a hub role
# assumed once serves every member account behind it.

# AssumeRoleWithWebIdentity takes only these of AssumeRole's parameters.
_WEB_IDENTITY_PARAMS = ("RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "PolicyArns")

StepRunner = t.Callable[[int, AssumeRoleRequest, t.Callable[[], AssumedCredentials]], AssumedCredentials]


@aws_operation("sts:AssumeRoleWithWebIdentity")
def call_assume_role_with_web_identity(client: t.Any, **kwargs: t.Any) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], client.assume_role_with_web_identity(**kwargs))


def _unsigned_sts(conn: AwsConnection) -> t.Any:
    # AssumeRoleWithWebIdentity is authenticated by the token alone: an unsigned client works with
    # no source credentials at all, and never sends ones that happen to be configured. Retries and user agent come
    # from the session's default client configuration, which botocore merges under this one.
    from botocore import UNSIGNED
    from botocore.config import Config

    return conn.session.create_client(
        "sts", region_name=conn.region, endpoint_url=conn.settings.endpoint_url, verify=conn.settings.verify,
        config=Config(signature_version=UNSIGNED))


def _without(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def assume_role_with_web_identity(
    conn: AwsConnection,
    request: AssumeRoleRequest,
    token: str,
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> AssumedCredentials:
    """sts:AssumeRoleWithWebIdentity for ``request.role_arn``; AccessDenied is retried like assume_role's."""
    kwargs = {key: value for key, value in request.api_kwargs().items() if key in _WEB_IDENTITY_PARAMS}
    kwargs["WebIdentityToken"] = token
    client = _unsigned_sts(conn)
    start = clock()
    attempts = 0
    while True:
        attempts += 1
        try:
            return AssumedCredentials.from_response(call_assume_role_with_web_identity(client, **kwargs))
        except CrossAccountError as exc:
            # AWS does not echo the token, but a message must never carry it whatever the endpoint says.
            safe = CrossAccountError(_without(exc.msg, token), operation=exc.operation, code=exc.code)
            if exc.code != "AccessDenied":
                raise safe from None
            waited = clock() - start
            remaining = wait_timeout - waited
            if remaining <= 0:
                denied = _denied(safe, wait_timeout, attempts, waited)
                raise CrossAccountError(denied.msg, operation="sts:AssumeRoleWithWebIdentity", code="AccessDenied",
                                        attempts=attempts, waited=round(waited, 1)) from None
            sleep(min(_backoff(attempts), remaining))


def hop_connection(base: AwsConnection, creds: AssumedCredentials) -> AwsConnection:
    """A connection with ``creds`` and the base connection's region, endpoint and CA settings.

    botocore lets explicit keys override a profile's credentials while its region, endpoint_url and CA bundle
    still apply, which is what an emulator or VPC-endpoint profile needs; the user-facing "profile or keys" rule
    is for input, not for this internal pairing.
    """
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection as _Connection
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import ConnectionSettings

    settings = base.settings
    return _Connection(ConnectionSettings(
        profile=settings.profile,
        access_key=creds.access_key,
        secret_key=creds.secret_key,
        session_token=creds.session_token,
        region=base.region,
        endpoint_url=settings.endpoint_url,
        verify=settings.verify,
    ))


def assume_step(conn: AwsConnection, request: AssumeRoleRequest, index: int, step: AssumeRoleRequest,
                wait_timeout: float | None = None) -> AssumedCredentials:
    """One call of the chain with ``conn`` (the source for step 0, the previous step's session after)."""
    timeout = request.wait_timeout if wait_timeout is None else wait_timeout
    token = request.web_identity_token
    if index == 0 and token is not None:
        return assume_role_with_web_identity(conn, step, token, wait_timeout=timeout)
    if index == 0:
        # Only the source principal can be a session that AWS caps; every later step is checked by validation.
        ensure_chaining_allowed(conn, request)
    return assume_role(conn, step, wait_timeout=timeout)


def assume_chain(conn: AwsConnection, request: AssumeRoleRequest, through: StepRunner | None = None,
                 wait_timeout: float | None = None) -> AssumedCredentials:
    """The credentials of ``request.role_arn``, after every ``via`` hop (and the web identity) in order.

    ``through(index, step, call)`` may serve a step without calling AWS (a cache); ``call()`` makes
    the step's call, assuming the earlier steps first, lazily. A failed hop is named in the error.
    """
    check_web_identity_step(request)
    steps = chain_requests(request)

    def run(index: int) -> AssumedCredentials:
        def call() -> AssumedCredentials:
            source = conn if index == 0 else hop_connection(conn, run(index - 1))
            try:
                return assume_step(source, request, index, steps[index], wait_timeout)
            except CrossAccountError as exc:
                if len(steps) == 1:
                    raise
                raise CrossAccountError(f"{step_label(request, index)}: {exc.msg}", operation=exc.operation, code=exc.code,
                                        hop=index, **{k: v for k, v in exc.extra.items() if k != "hop"}) from exc

        return through(index, steps[index], call) if through is not None else call()

    return run(len(steps) - 1)
