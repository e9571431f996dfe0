# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the STS layer shared by assume_role, verify_access and the lookup.

One argument spec for the AssumeRole options, one validator that turns options into an
``AssumeRoleRequest`` before any AWS call, and ``assume_role()`` which calls ``sts:AssumeRole`` and
rides out IAM's eventual consistency (a role or trust policy written seconds ago is denied for a
while) with a bounded, jittered backoff.
"""

from __future__ import annotations

import copy
import datetime
import getpass
import json
import random
import re
import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import (
    CrossAccountError,
    ValidationFailure,
    aws_operation,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection

DEFAULT_WAIT_TIMEOUT = 60
MIN_DURATION = 900
MAX_DURATION = 43200
# AWS refuses DurationSeconds above one hour when the caller is itself an assumed-role session.
CHAINING_MAX_DURATION = 3600
MAX_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10
MAX_SESSION_TAGS = 50
# Backoff while a fresh role propagates (typically 5-15 s): start at 1 s, grow by a quarter, never more than 3 s
# between tries. Doubling up to 8 s overshot a 5 s propagation by 2-3 s; this gentler curve finds the moment within
# one short step and still makes at most about 25 calls a minute (STS allows far more).
BACKOFF_FIRST = 1.0
BACKOFF_GROWTH = 1.25
BACKOFF_MAX = 3.0

ASSUME_ROLE_ARGSPEC: dict[str, dict[str, t.Any]] = {
    "role_arn": {"type": "str"},
    "role_session_name": {"type": "str"},
    "external_id": {"type": "str"},
    "duration_seconds": {"type": "int"},
    "mfa_serial_number": {"type": "str"},
    "mfa_token": {"type": "str", "no_log": True},
    "policy": {"type": "json"},
    "policy_arns": {"type": "list", "elements": "str"},
    "session_tags": {"type": "dict"},
    "transitive_tag_keys": {"type": "list", "elements": "str", "no_log": False},
    "source_identity": {"type": "str"},
    "wait_timeout": {"type": "int", "default": DEFAULT_WAIT_TIMEOUT},
}

_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)
_EXTERNAL_ID_RE = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_MFA_SERIAL_RE = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_MFA_TOKEN_RE = re.compile(r"[0-9]{6}", re.ASCII)
# Tag keys: letters, digits, spaces and _ . : / = + - @ (IAM's documented set).
_TAG_KEY_RE = re.compile(r"[\w\s.:/=+\-@]{1,128}")
_TAG_VALUE_RE = re.compile(r"[\w\s.:/=+\-@]{0,256}")


def assume_role_argspec() -> dict[str, dict[str, t.Any]]:
    return copy.deepcopy(ASSUME_ROLE_ARGSPEC)


@dataclass
class AssumeRoleRequest:
    """Validated AssumeRole parameters. The MFA token is never part of repr or cache keys."""

    role_arn: str
    session_name: str
    external_id: str | None = None
    duration_seconds: int | None = None
    mfa_serial: str | None = None
    mfa_token: str | None = field(default=None, repr=False)
    policy: dict[str, t.Any] | None = None
    policy_arns: list[str] = field(default_factory=list)
    session_tags: list[dict[str, str]] = field(default_factory=list)
    transitive_tag_keys: list[str] = field(default_factory=list)
    source_identity: str | None = None
    # True when the session name was derived for the user; a derived name carries a timestamp,
    # so it must not take part in cache keys (two runs would never share an entry otherwise).
    session_name_generated: bool = False

    def api_kwargs(self) -> dict[str, t.Any]:
        kwargs: dict[str, t.Any] = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name}
        if self.duration_seconds is not None:
            kwargs["DurationSeconds"] = self.duration_seconds
        if self.external_id is not None:
            kwargs["ExternalId"] = self.external_id
        if self.mfa_serial is not None:
            kwargs["SerialNumber"] = self.mfa_serial
            kwargs["TokenCode"] = self.mfa_token
        if self.policy is not None:
            kwargs["Policy"] = _compact_json(self.policy)
        if self.policy_arns:
            kwargs["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        if self.session_tags:
            kwargs["Tags"] = [dict(tag) for tag in self.session_tags]
        if self.transitive_tag_keys:
            kwargs["TransitiveTagKeys"] = list(self.transitive_tag_keys)
        if self.source_identity is not None:
            kwargs["SourceIdentity"] = self.source_identity
        return kwargs

    def cache_fields(self) -> dict[str, t.Any]:
        """Everything that changes what AssumeRole returns, minus secrets (never the MFA token)."""
        return {
            "role_arn": self.role_arn,
            "session_name": None if self.session_name_generated else self.session_name,
            "external_id": self.external_id,
            "duration_seconds": self.duration_seconds,
            "mfa_serial": self.mfa_serial,
            "policy": self.policy,
            "policy_arns": sorted(self.policy_arns),
            "session_tags": sorted((tag["Key"], tag["Value"]) for tag in self.session_tags),
            "transitive_tag_keys": sorted(self.transitive_tag_keys),
            "source_identity": self.source_identity,
        }


def _compact_json(value: t.Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _caller_name(caller_arn: str | None) -> str | None:
    arn = parse_arn(caller_arn) if caller_arn else None
    if arn is None:
        return None
    if arn.resource_type == "assumed-role":
        # assumed-role/<role>/<session>: the role says more than a (possibly derived) session name.
        parts = arn.resource.split("/")
        return parts[1] if len(parts) > 1 else None
    if arn.resource_type == "root":
        return "root"
    return arn.resource_name


def default_session_name(caller_arn: str | None = None, now: float | None = None) -> str:
    """``ansible-<caller or local user>-<epoch>``: valid, at most 64 characters, traceable in CloudTrail."""
    name = _caller_name(caller_arn)
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no passwd entry (containers): any login name would do
            name = ""
    stamp = str(int(time.time() if now is None else now))
    name = _SESSION_NAME_BAD_CHARS.sub("-", name or "")
    room = 64 - len("ansible--") - len(stamp)
    name = name[:room].strip("-") or "session"
    return f"ansible-{name}-{stamp}"


def _validate_role_arn(value: t.Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailure("role_arn", "is required: the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/Name")
    arn = parse_arn(value)
    if arn is None or arn.service != "iam" or arn.resource_type != "role" or len(arn.account) != 12 or arn.region:
        raise ValidationFailure("role_arn", f"must be an IAM role ARN such as arn:aws:iam::123456789012:role/Name, got {value!r}")
    name = arn.resource_name
    if not name or len(name) > 64 or not re.fullmatch(r"[\w+=,.@-]+", name, re.ASCII):
        raise ValidationFailure("role_arn", f"role name in {value!r} is not a valid IAM role name")
    return value


def _validate_duration(value: t.Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationFailure("duration_seconds", "must be an integer number of seconds")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailure("duration_seconds", f"must be an integer number of seconds, got {value!r}") from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise ValidationFailure("duration_seconds", f"must be an integer number of seconds, got {value!r}")
    if not MIN_DURATION <= number <= MAX_DURATION:
        raise ValidationFailure("duration_seconds", f"must be between {MIN_DURATION} and {MAX_DURATION} seconds, got {number}")
    return number


def _validate_policy(value: t.Any) -> dict[str, t.Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationFailure("policy", f"is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValidationFailure("policy", "must be a JSON object (a session policy document)")
    if "Statement" not in value:
        raise ValidationFailure("policy", "must contain a Statement")
    size = len(_compact_json(value))
    if size > MAX_POLICY_CHARS:
        raise ValidationFailure("policy", f"is {size} characters long; a session policy may have at most {MAX_POLICY_CHARS}")
    return value


def _validate_policy_arns(value: t.Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationFailure("policy_arns", "must be a list of managed policy ARNs")
    if len(value) > MAX_POLICY_ARNS:
        raise ValidationFailure("policy_arns", f"may list at most {MAX_POLICY_ARNS} policies, got {len(value)}")
    result = []
    for item in value:
        arn = parse_arn(item)
        if arn is None or arn.service != "iam" or arn.resource_type != "policy":
            raise ValidationFailure("policy_arns", f"{item!r} is not an IAM policy ARN")
        result.append(str(item))
    return result


def _tag_text(option: str, value: t.Any) -> str:
    # YAML turns `env: 1` into an int; tags are strings in AWS, so plain scalars are converted.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationFailure(option, f"must be a string, got {type(value).__name__}")
    return str(value)


def _validate_tags(value: t.Any) -> list[dict[str, str]]:
    if not value:
        return []
    if not isinstance(value, dict):
        raise ValidationFailure("session_tags", "must be a dict of tag key to tag value")
    if len(value) > MAX_SESSION_TAGS:
        raise ValidationFailure("session_tags", f"may hold at most {MAX_SESSION_TAGS} tags, got {len(value)}")
    tags = []
    seen: set[str] = set()
    for key, val in value.items():
        key_text = _tag_text("session_tags", key)
        if not _TAG_KEY_RE.fullmatch(key_text):
            raise ValidationFailure("session_tags", f"key {key_text!r} must be 1-128 letters, digits, spaces or _.:/=+-@")
        if key_text.lower() in seen:
            # AWS treats session tag keys case-insensitively and rejects duplicates.
            raise ValidationFailure("session_tags", f"key {key_text!r} is given twice (tag keys are case-insensitive)")
        seen.add(key_text.lower())
        val_text = _tag_text(f"session_tags.{key_text}", val)
        if not _TAG_VALUE_RE.fullmatch(val_text):
            raise ValidationFailure(f"session_tags.{key_text}", "value must be 0-256 letters, digits, spaces or _.:/=+-@")
        tags.append({"Key": key_text, "Value": val_text})
    return tags


def _validate_str(option: str, value: t.Any, pattern: re.Pattern[str], what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationFailure(option, what)
    return value


def request_from_options(options: OptionAdapter, *, default_session_name: str | None = None) -> AssumeRoleRequest:
    """Validate the AssumeRole options; raises ValidationFailure naming the option. No AWS call."""
    role_arn = _validate_role_arn(options.get("role_arn"))

    session_name = options.get("role_session_name")
    generated = session_name is None
    if generated:
        session_name = default_session_name or _default_session_name()
    session_name = _validate_str(
        "role_session_name", session_name, _SESSION_NAME_RE,
        f"must be 2-64 characters of letters, digits and +=,.@_- (got {session_name!r})",
    )

    external_id = _validate_str(
        "external_id", options.get("external_id"), _EXTERNAL_ID_RE,
        "must be 2-1224 characters of letters, digits and +=,.@:/_-",
    )
    duration = _validate_duration(options.get("duration_seconds"))

    mfa_serial = options.get("mfa_serial_number")
    mfa_token = options.get("mfa_token")
    if mfa_serial is not None:
        arn = parse_arn(mfa_serial)
        if arn is not None and not (arn.service == "iam" and arn.resource_type in ("mfa", "u2f")):
            raise ValidationFailure("mfa_serial_number", f"must be an MFA device ARN (arn:aws:iam::123456789012:mfa/name) or serial, got {mfa_serial!r}")
        if arn is None and not _MFA_SERIAL_RE.fullmatch(str(mfa_serial)):
            raise ValidationFailure("mfa_serial_number", f"must be an MFA device ARN (arn:aws:iam::123456789012:mfa/name) or serial, got {mfa_serial!r}")
    if mfa_token is not None:
        # Never echo the token: it is a (short-lived) secret.
        if not isinstance(mfa_token, str) or not _MFA_TOKEN_RE.fullmatch(mfa_token):
            raise ValidationFailure("mfa_token", "must be exactly six digits")
        if mfa_serial is None:
            raise ValidationFailure("mfa_token", "requires mfa_serial_number")
    elif mfa_serial is not None:
        raise ValidationFailure("mfa_serial_number", "requires mfa_token (the current six-digit code)")

    policy = _validate_policy(options.get("policy"))
    policy_arns = _validate_policy_arns(options.get("policy_arns"))
    tags = _validate_tags(options.get("session_tags"))

    transitive = options.get("transitive_tag_keys") or []
    if isinstance(transitive, str) or not isinstance(transitive, (list, tuple)):
        raise ValidationFailure("transitive_tag_keys", "must be a list of session tag keys")
    tag_keys = {tag["Key"].lower() for tag in tags}
    for key in transitive:
        if not isinstance(key, str) or key.lower() not in tag_keys:
            raise ValidationFailure("transitive_tag_keys", f"{key!r} is not a key of session_tags")

    source_identity = _validate_str(
        "source_identity", options.get("source_identity"), _SESSION_NAME_RE,
        "must be 2-64 characters of letters, digits and +=,.@_-",
    )
    if source_identity is not None and source_identity.lower().startswith("aws:"):
        raise ValidationFailure("source_identity", "must not start with 'aws:'")

    wait_timeout = options.get("wait_timeout")
    if wait_timeout is not None:
        try:
            wait_ok = not isinstance(wait_timeout, bool) and int(wait_timeout) >= 0
        except (TypeError, ValueError):
            wait_ok = False
        if not wait_ok:
            raise ValidationFailure("wait_timeout", f"must be a number of seconds >= 0, got {wait_timeout!r}")

    return AssumeRoleRequest(
        role_arn=role_arn,
        session_name=t.cast(str, session_name),
        external_id=external_id,
        duration_seconds=duration,
        mfa_serial=mfa_serial,
        mfa_token=mfa_token,
        policy=policy,
        policy_arns=policy_arns,
        session_tags=tags,
        transitive_tag_keys=[str(key) for key in transitive],
        source_identity=source_identity,
        session_name_generated=generated,
    )


# request_from_options' keyword shadows the function name inside it.
_default_session_name = default_session_name


def is_assumed_role_arn(caller_arn: str | None) -> bool:
    arn = parse_arn(caller_arn) if caller_arn else None
    return arn is not None and arn.service == "sts" and arn.resource_type == "assumed-role"


def chaining_cap_applies(request: AssumeRoleRequest) -> bool:
    """Whether the duration asked for is above the chaining cap, i.e. whether check_chaining needs the caller's ARN.

    Callers use it to skip sts:GetCallerIdentity when no caller could be refused for chaining.
    """
    return request.duration_seconds is not None and request.duration_seconds > CHAINING_MAX_DURATION


def check_chaining(request: AssumeRoleRequest, caller_arn: str | None) -> None:
    """Fail before the call when an assumed-role caller asks for more than AWS's chaining cap."""
    if chaining_cap_applies(request) and is_assumed_role_arn(caller_arn):
        raise ValidationFailure(
            "duration_seconds",
            f"{request.duration_seconds} is too long: the caller {caller_arn} is itself an assumed-role session, "
            f"and role chaining is limited to {CHAINING_MAX_DURATION} seconds by AWS",
        )


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
    return client.assume_role(**kwargs)


def _backoff(attempt: int) -> float:
    base = min(BACKOFF_MAX, BACKOFF_FIRST * (BACKOFF_GROWTH ** (attempt - 1)))
    # Jitter so that forks started together do not hammer STS in lockstep.
    return base * random.uniform(0.8, 1.0)


def assume_role(
    conn: AwsConnection,
    request: AssumeRoleRequest,
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> AssumedCredentials:
    """Call sts:AssumeRole; retry AccessDenied for up to ``wait_timeout`` seconds (IAM propagation)."""
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


# --- Execution of chains and web identity (owner: helper `credentials`; appended, see CONTRACT.md) ---
#
# A request may name hops (``via``) assumed before ``role_arn``, and a web identity token that
# replaces the source credentials for the first role of the chain. Each step's credentials are the
# source of the next one. ``assume_chain`` walks the steps from the last one backwards and lazily, so
# a caller that caches steps (the lookup) only assumes what its cache does not hold: a hub role
# assumed once serves every member account behind it.

# AssumeRoleWithWebIdentity takes only these of AssumeRole's parameters.
_WEB_IDENTITY_PARAMS = ("RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "PolicyArns")

StepRunner = t.Callable[[int, AssumeRoleRequest, t.Callable[[], AssumedCredentials]], AssumedCredentials]


def _request_via(request: AssumeRoleRequest) -> tuple[t.Any, ...]:
    return tuple(getattr(request, "via", ()) or ())


def _request_token(request: AssumeRoleRequest) -> str | None:
    return getattr(request, "web_identity_token", None)


def request_wait_timeout(request: AssumeRoleRequest, default: float = DEFAULT_WAIT_TIMEOUT) -> float:
    value = getattr(request, "wait_timeout", None)
    return float(default if value is None else value)


def chain_requests(request: AssumeRoleRequest) -> list[AssumeRoleRequest]:
    """The AssumeRole calls of ``request`` in order: one per ``via`` hop, then ``role_arn``.

    MFA belongs to the source principal, so it goes with the first call made with the source's own
    credentials; session policies, tags and source identity shape the session of ``role_arn``.
    """
    hops = _request_via(request)
    if not hops:
        return [request]
    steps = []
    for index, hop in enumerate(hops):
        name = hop.session_name
        steps.append(AssumeRoleRequest(
            role_arn=hop.role_arn,
            session_name=name or default_session_name(),
            external_id=hop.external_id,
            duration_seconds=hop.duration_seconds,
            mfa_serial=request.mfa_serial if index == 0 else None,
            mfa_token=request.mfa_token if index == 0 else None,
            session_name_generated=name is None,
        ))
    from dataclasses import replace

    steps.append(replace(request, mfa_serial=None, mfa_token=None))
    return steps


def step_label(request: AssumeRoleRequest, index: int) -> str:
    """How messages name step ``index``: ``via[i] ARN`` for a hop, ``role_arn ARN`` for the last."""
    hops = _request_via(request)
    if index < len(hops):
        return f"via[{index}] {hops[index].role_arn}"
    return f"role_arn {request.role_arn}"


def check_web_identity_step(request: AssumeRoleRequest) -> None:
    """Options AssumeRoleWithWebIdentity cannot carry for the first role fail before any call."""
    if _request_token(request) is None:
        return
    first = chain_requests(request)[0]
    unsupported = {
        "external_id": first.external_id,
        "mfa_serial_number": first.mfa_serial,
        "session_tags": first.session_tags,
        "source_identity": first.source_identity,
    }
    for option, value in unsupported.items():
        if value:
            where = "the first via hop" if _request_via(request) else "role_arn"
            raise ValidationFailure(option, f"cannot be used for {where}, which is assumed with the web identity token "
                                            "(sts:AssumeRoleWithWebIdentity has no such parameter)")


@aws_operation("sts:AssumeRoleWithWebIdentity")
def call_assume_role_with_web_identity(client: t.Any, **kwargs: t.Any) -> dict[str, t.Any]:
    return client.assume_role_with_web_identity(**kwargs)


def _unsigned_sts(conn: AwsConnection) -> t.Any:
    # AssumeRoleWithWebIdentity is authenticated by the token alone: an unsigned client works with
    # no source credentials at all, and never sends ones that happen to be configured.
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import RETRY_CONFIG
    from botocore import UNSIGNED
    from botocore.config import Config

    return conn.session.client("sts", region_name=conn.region, endpoint_url=conn.settings.endpoint_url, verify=conn.settings.verify,
                               config=Config(signature_version=UNSIGNED, retries=dict(RETRY_CONFIG)))


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

    boto3 lets explicit keys override a profile's credentials while its region and endpoint_url
    still apply, which is what an emulator or VPC-endpoint profile needs.
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
    timeout = request_wait_timeout(request) if wait_timeout is None else wait_timeout
    token = _request_token(request)
    if index == 0 and token is not None:
        return assume_role_with_web_identity(conn, step, token, wait_timeout=timeout)
    if index == 0:
        # Only the source principal can be a session that AWS caps; every later step is checked by validation.
        ensure_chaining_allowed(conn, step)
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
