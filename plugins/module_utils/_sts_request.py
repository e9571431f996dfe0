# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the sts:AssumeRole request shared by assume_role, verify_access and the lookup.

One argument spec for the AssumeRole options, one validator that turns options into an ``AssumeRoleRequest``
before any AWS call (the web identity token file is read here), the checks AWS would otherwise make after a
call (role chaining's one-hour cap, what AssumeRoleWithWebIdentity cannot carry), and the chain of calls a
request makes (``via`` hops, then ``role_arn``). No AWS call: ``_sts`` makes them.
"""

from __future__ import annotations

import copy
import getpass
import json
import os
import re
import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure

DEFAULT_WAIT_TIMEOUT = 60

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
    # Items are role ARNs or dicts; _validators_session.via checks both shapes and names the bad item.
    "via": {"type": "list", "elements": "raw"},
    "web_identity_token": {"type": "str", "no_log": True},
    "web_identity_token_file": {"type": "path"},
}

# The AssumeRole option group of assume_role and verify_access (the lookup documents the same options).
ASSUME_ROLE_SPEC = ArgumentSpec(ASSUME_ROLE_ARGSPEC)

# Characters a derived session name may not hold (the default is built from a user or role name).
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)


def assume_role_argspec() -> dict[str, dict[str, t.Any]]:
    return copy.deepcopy(ASSUME_ROLE_ARGSPEC)


@dataclass(frozen=True)
class Hop:
    """One role of a chain (a ``via`` item), assumed with the credentials of the hop before it."""

    role_arn: str
    external_id: str | None = None
    session_name: str | None = None  # None: derived default like today's role_session_name
    duration_seconds: int | None = None


@dataclass(frozen=True)
class AssumeRoleRequest:
    """Validated AssumeRole parameters. Secrets (MFA code, web identity token) are never part of repr or cache keys."""

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
    via: tuple[Hop, ...] = ()
    web_identity_token: str | None = field(default=None, repr=False)  # the token text (read from the file if a file was given)
    web_identity_token_file: str | None = None
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT

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


def read_web_identity_token_file(value: t.Any, option: str) -> str:
    """The token in the file named by ``value`` (never echoed): the file is read here, its path, kind, size
    and text are checked by the validators (which are pure)."""
    path = v_session.token_file_path(value, option)
    try:
        v_session.token_file_info(os.stat(path), path, option)
        with open(path, "rb") as handle:
            data = handle.read(v_session.TOKEN_FILE_MAX + 1)
    except OSError as exc:
        raise ValidationFailure(option, f"cannot be read: {exc.strerror or exc} ({v.show(path)})") from None
    return v_session.token_file_text(data, path, option)


def _optional(options: OptionAdapter, name: str, check: t.Callable[[t.Any, str], t.Any]) -> t.Any:
    value = options.get(name)
    return None if value is None else check(value, name)


def _hops(options: OptionAdapter, chained_source: bool) -> tuple[Hop, ...]:
    hops = []
    for index, item in enumerate(v_session.via(options.get("via"), "via")):
        if index > 0 or chained_source:
            v_session.chained_duration(
                item["duration_seconds"], f"via[{index}].duration_seconds",
                f"via[{index}] is assumed with the role credentials of the hop before it",
            )
        hops.append(Hop(role_arn=item["role_arn"], external_id=item["external_id"], session_name=item["role_session_name"],
                        duration_seconds=item["duration_seconds"]))
    return tuple(hops)


def request_from_options(options: OptionAdapter, *, default_session_name: str | None = None) -> AssumeRoleRequest:
    """Validate the AssumeRole options with _validators_session; raises ValidationFailure naming the option. No AWS call."""
    raw_role_arn = options.get("role_arn")
    if raw_role_arn is None:
        raise ValidationFailure("role_arn", "is required: the ARN of the role to assume, e.g. arn:aws:iam::123456789012:role/Name")
    role_arn = v.role_arn(raw_role_arn, "role_arn")

    session_name = options.get("role_session_name")
    generated = session_name is None
    if generated:
        session_name = default_session_name or _default_session_name()
    session_name = v_session.session_name(session_name, "role_session_name")

    token = options.get("web_identity_token")
    token_file = options.get("web_identity_token_file")
    if token is not None and token_file is not None:
        raise ValidationFailure("web_identity_token", "and web_identity_token_file are mutually exclusive; give the token or the file holding it")
    if token is not None:
        token = v_session.web_identity_token(token, "web_identity_token")
    elif token_file is not None:
        token = read_web_identity_token_file(token_file, "web_identity_token_file")

    mfa_serial = _optional(options, "mfa_serial_number", v_session.mfa_serial)
    mfa_token = _optional(options, "mfa_token", v_session.mfa_token)
    if mfa_token is not None and mfa_serial is None:
        raise ValidationFailure("mfa_token", "requires mfa_serial_number")
    if mfa_serial is not None and mfa_token is None:
        raise ValidationFailure("mfa_serial_number", "requires mfa_token (the current six-digit code)")
    if mfa_serial is not None and token is not None:
        option = "web_identity_token" if options.get("web_identity_token") is not None else "web_identity_token_file"
        raise ValidationFailure(option, "cannot be combined with mfa_serial_number: sts:AssumeRoleWithWebIdentity takes no MFA code")

    via = _hops(options, chained_source=False)
    duration = _optional(options, "duration_seconds", v_session.duration)
    if via:
        v_session.chained_duration(duration, "duration_seconds", "role_arn is assumed with the role credentials of the last via hop")

    tags = v_session.session_tags(options.get("session_tags"), "session_tags")
    return AssumeRoleRequest(
        role_arn=role_arn,
        session_name=session_name,
        external_id=_optional(options, "external_id", v_session.external_id),
        duration_seconds=duration,
        mfa_serial=mfa_serial,
        mfa_token=mfa_token,
        policy=_optional(options, "policy", v.session_policy),
        policy_arns=v_session.policy_arns(options.get("policy_arns"), "policy_arns"),
        session_tags=tags,
        transitive_tag_keys=v_session.transitive_tag_keys(
            options.get("transitive_tag_keys"), "transitive_tag_keys", [tag["Key"] for tag in tags]),
        source_identity=_optional(options, "source_identity", v_session.source_identity),
        session_name_generated=generated,
        via=via,
        web_identity_token=token,
        web_identity_token_file=token_file,
        wait_timeout=v_session.wait_timeout(options.get("wait_timeout", DEFAULT_WAIT_TIMEOUT), "wait_timeout"),
    )


# request_from_options' keyword shadows the function name inside it.
_default_session_name = default_session_name


def is_assumed_role_arn(caller_arn: str | None) -> bool:
    arn = parse_arn(caller_arn) if caller_arn else None
    return arn is not None and arn.service == "sts" and arn.resource_type == "assumed-role"


def _first_duration(request: AssumeRoleRequest) -> tuple[int | None, str]:
    """The duration asked for by the first AssumeRole made with the source credentials, and its option name."""
    if request.via:
        return request.via[0].duration_seconds, "via[0].duration_seconds"
    return request.duration_seconds, "duration_seconds"


def chaining_cap_applies(request: AssumeRoleRequest) -> bool:
    """Whether the first hop asks for more than the chaining cap, i.e. whether check_chaining needs the caller's ARN.

    Callers use it to skip sts:GetCallerIdentity when no caller could be refused for chaining. A web identity
    token is no assumed-role session, so the cap never applies to its first hop.
    """
    duration, _option = _first_duration(request)
    return request.web_identity_token is None and duration is not None and duration > v_session.CHAINING_MAX_DURATION


def check_chaining(request: AssumeRoleRequest, caller_arn: str | None) -> None:
    """Fail before the call when an assumed-role caller asks for more than AWS's chaining cap."""
    if chaining_cap_applies(request) and is_assumed_role_arn(caller_arn):
        duration, option = _first_duration(request)
        v_session.chained_duration(duration, option, f"the caller {caller_arn} is itself an assumed-role session")


# --- The chain of calls a request makes (executed by _sts.assume_chain) ---


def chain_requests(request: AssumeRoleRequest) -> list[AssumeRoleRequest]:
    """The AssumeRole calls of ``request`` in order: one per ``via`` hop, then ``role_arn``.

    MFA belongs to the source principal, so it goes with the first call made with the source's own
    credentials; session policies, tags and source identity shape the session of ``role_arn``.
    """
    from dataclasses import replace

    hops = request.via
    if not hops:
        # The token is read from the whole request by the step that uses it; a step is one plain call.
        return [replace(request, via=(), web_identity_token=None, web_identity_token_file=None)]
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
            wait_timeout=request.wait_timeout,
        ))
    steps.append(replace(request, mfa_serial=None, mfa_token=None, via=(), web_identity_token=None, web_identity_token_file=None))
    return steps


def step_label(request: AssumeRoleRequest, index: int) -> str:
    """How messages name step ``index``: ``via[i] ARN`` for a hop, ``role_arn ARN`` for the last."""
    hops = request.via
    if index < len(hops):
        return f"via[{index}] {hops[index].role_arn}"
    return f"role_arn {request.role_arn}"


def check_web_identity_step(request: AssumeRoleRequest) -> None:
    """Options AssumeRoleWithWebIdentity cannot carry for the first role fail before any call."""
    if request.web_identity_token is None:
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
            where = "the first via hop" if request.via else "role_arn"
            name = f"via[0].{option}" if request.via and option == "external_id" else option
            raise ValidationFailure(name, f"cannot be used for {where}, which is assumed with the web identity token "
                                          "(sts:AssumeRoleWithWebIdentity has no such parameter)")
