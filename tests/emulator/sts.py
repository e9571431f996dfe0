# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""STS enforcement: AssumeRole evaluated like IAM does it, and the credentials it issues."""

from __future__ import annotations

import datetime
import logging
import re
import secrets
import time
import typing as t
from xml.sax.saxutils import escape

from emulator import policy as pol
from emulator.guardrails import not_authorized
from emulator.organization import ORGANIZATION_ID
from emulator.state import (
    CHAINING_CAP,
    PARTITION,
    ROLE_ARN_RE,
    SESSION_NAME_RE,
    Session,
    now_iso,
)
from emulator.wsgi import AwsError, Request, Response, xml_response

if t.TYPE_CHECKING:
    from emulator.server import Emulator

LOG = logging.getLogger("emulator")


def user_id(caller: pol.Caller, session: Session | None) -> str:
    """aws:userid and GetCallerIdentity's UserId: AIDA… for a user, AROA…:SESSION for a session."""
    return f"{session.role_id}:{session.session_name}" if session else caller.unique_id


class Sts:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def get_caller_identity(self, account: str, caller: pol.Caller, session: Session | None) -> Response:
        result = f"<Arn>{escape(caller.arn)}</Arn><UserId>{escape(user_id(caller, session))}</UserId><Account>{account}</Account>"
        return xml_response("GetCallerIdentity", result)

    def identity_documents(self, caller: pol.Caller) -> list[t.Any]:
        """The caller's identity policies: user inline + attached + its groups', or the session's role policies."""
        backend = self.emu.iam_if_exists(caller.account)
        if backend is None:
            return []
        docs: list[t.Any] = []

        def managed(policies: t.Mapping[str, t.Any]) -> None:
            for mp in policies.values():
                version = next((v for v in mp.versions if v.is_default), None)
                docs.append(version.document if version is not None else getattr(mp, "document", None))

        if caller.kind == "user":
            user = backend.users.get(caller.name)
            if user is None:
                return []
            docs.extend(user.policies.values())
            managed(user.managed_policies)
            for group in backend.groups.values():
                if user in group.users:
                    docs.extend(group.policies.values())
                    managed(group.managed_policies)
        else:
            role = next((r for r in backend.roles.values() if r.arn == caller.principal_arn), None)
            if role is None:
                return []
            docs.extend(role.policies.values())
            managed(role.managed_policies)
        return docs

    @staticmethod
    def common_parameters(p: t.Mapping[str, str]) -> tuple[str, str, int]:
        """RoleArn, RoleSessionName and DurationSeconds of an AssumeRole* call, checked like STS does."""
        role_arn = p.get("RoleArn", "")
        session_name = p.get("RoleSessionName", "")
        if not role_arn:
            raise AwsError(400, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
                                                   "Member must not be null")
        if len(role_arn) < 20:
            raise AwsError(400, "ValidationError", f"1 validation error detected: Value '{role_arn}' at 'roleArn' failed to satisfy "
                                                   "constraint: Member must have length greater than or equal to 20")
        if not SESSION_NAME_RE.match(session_name):
            raise AwsError(400, "ValidationError", f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed "
                                                   "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
                                                   " and have length between 2 and 64")
        try:
            duration = int(p.get("DurationSeconds", "3600"))
        except ValueError as exc:
            raise AwsError(400, "ValidationError", "DurationSeconds must be an integer") from exc
        if duration < 900:
            raise AwsError(400, "ValidationError", f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                                                   "satisfy constraint: Member must have value greater than or equal to 900")
        if duration > 43200:
            raise AwsError(400, "ValidationError", f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                                                   "satisfy constraint: Member must have value less than or equal to 43200")
        return role_arn, session_name, duration

    def usable_role(self, role_arn: str, who: str, refusal: AwsError) -> tuple[t.Any, str]:
        """The role and its account; ``refusal`` if it does not exist, is propagating or its account is suspended."""
        match = ROLE_ARN_RE.match(role_arn)
        role = None
        if match:
            backend = self.emu.iam_if_exists(match.group(2))
            role_name = match.group(3).rsplit("/", 1)[-1]
            if backend is not None:
                role = next((r for r in backend.roles.values() if r.name == role_name), None)
        if role is None or match is None:
            LOG.info("%s by %s: role does not exist", role_arn, who)
            raise refusal
        role_account = match.group(2)
        changed = self.emu.role_changed.get((role_account, role.name))
        if changed is not None and time.time() - changed < self.emu.config.propagation_delay:
            LOG.info("%s by %s: trust policy still propagating", role_arn, who)
            raise refusal
        member = self.emu.org.accounts.get(role_account)
        if member is not None and member.status != "ACTIVE":
            LOG.info("%s by %s: account %s is %s", role_arn, who, role_account, member.status)
            raise refusal
        return role, role_account

    @staticmethod
    def max_duration(role: t.Any) -> int:
        try:
            return int(role.max_session_duration or 3600)
        except (TypeError, ValueError):
            return 3600

    def assume_role(self, req: Request, caller: pol.Caller, session: Session | None) -> Response:
        p = req.params
        role_arn, session_name, duration = self.common_parameters(p)
        tags: dict[str, str] = {}
        index = 1
        while f"Tags.member.{index}.Key" in p:
            tags[p[f"Tags.member.{index}.Key"]] = p.get(f"Tags.member.{index}.Value", "")
            index += 1
        transitive = [v for k, v in p.items() if k.startswith("TransitiveTagKeys.member.")]
        if len(tags) > 50:
            raise AwsError(400, "ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
                                                   "Member must have length less than or equal to 50")
        if any(k not in tags for k in transitive):
            raise AwsError(400, "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.")
        source_identity = p.get("SourceIdentity")
        if source_identity is not None and not SESSION_NAME_RE.match(source_identity):
            raise AwsError(400, "ValidationError", f"1 validation error detected: Value '{source_identity}' at 'sourceIdentity' "
                                                   "failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        serial, token_code = p.get("SerialNumber"), p.get("TokenCode")
        mfa = False
        if serial:
            if not token_code:
                raise AwsError(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. "
                                                    "Please verify your MFA serial number is valid and associated with this user.")
            if not re.match(r"^\d{6}$", token_code):
                raise AwsError(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
            mfa = True

        denied = f"User: {caller.arn} is not authorized to perform: {{action}} on resource: {role_arn}"
        role, role_account = self.usable_role(role_arn, caller.arn, AwsError(403, "AccessDenied", denied.format(action="sts:AssumeRole")))

        context = self.context(req, caller, session, session_name, tags, source_identity, mfa, role_account)
        actions = ["sts:AssumeRole"]
        if tags or transitive:
            actions.append("sts:TagSession")
        if source_identity is not None:
            actions.append("sts:SetSourceIdentity")
        identity_docs = self.identity_documents(caller)
        guard = self.emu.guardrails
        for action in actions:
            trust = pol.evaluate_trust(role.assume_role_policy_document, action, caller, context)
            identity = pol.evaluate_identity(identity_docs, action, role.arn, context)
            scp = guard.check_scp(caller, action, role.arn, context)
            rcp = guard.check_rcp(role_account, role.arn, action, context)
            needs_identity = caller.account != role_account or not trust.explicit
            # IAM's order: an explicit Deny of any policy first, then the organization's guardrails, then the grants.
            # Only a guardrail names its kind in the answer (as on AWS); the trust and identity sides stay terse.
            explicit = next((d for d in (scp, rcp) if d is not None and d.explicit), None)
            guardrail = explicit or (None if trust.denied or identity.denied else scp or rcp)
            why = None
            if guardrail is not None:
                why = guardrail.reason(action, True)
            elif trust.denied:
                why = "explicit Deny in the trust policy"
            elif identity.denied:
                why = "explicit Deny in an identity policy"
            elif not trust.allowed:
                why = "the trust policy does not allow the caller (principal or conditions)"
            elif needs_identity and not identity.allowed:
                why = "no identity policy of the caller allows it"
            if guardrail is not None:
                LOG.info("AssumeRole %s by %s: %s denied: %s (%s at %s)", role_arn, caller.arn, action, why,
                         guardrail.statement or "no Allow", guardrail.target_id)
                raise AwsError(403, "AccessDenied", not_authorized(caller.arn, action, role_arn, guardrail,
                                                                   self.emu.config.policy_arn_in_denials),
                               denial=guardrail.log_entry())
            if why:
                LOG.info("AssumeRole %s by %s: %s denied: %s", role_arn, caller.arn, action, why)
                raise AwsError(403, "AccessDenied", denied.format(action=action))

        if duration > self.max_duration(role):
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        if session is not None and duration > CHAINING_CAP:
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                                                   "for roles assumed by role chaining.")
        record, secret = self.issue(caller, role, role_account, session_name, duration, mfa, source_identity, tags,
                                    req.region, req.params)
        result = ((f"<SourceIdentity>{escape(source_identity)}</SourceIdentity>" if source_identity else "")
                  + self.credentials_xml(record, secret)
                  + f"<PackedPolicySize>{min(99, 6 + 2 * len(tags))}</PackedPolicySize>")
        return xml_response("AssumeRole", result)

    def principal_context(self, caller: pol.Caller, session: Session | None) -> dict[str, list[str]]:
        """The request-context keys IAM derives from the caller alone (any action)."""
        now = time.time()
        ctx: dict[str, list[str]] = {
            "aws:PrincipalArn": [caller.principal_arn],
            "aws:PrincipalAccount": [caller.account],
            "aws:PrincipalType": ["User" if caller.kind == "user" else "AssumedRole"],
            "aws:userid": [user_id(caller, session)],
            "aws:CurrentTime": [now_iso(now)],
            "aws:EpochTime": [str(int(now))],
            "aws:SecureTransport": ["false"],
            "aws:PrincipalIsAWSService": ["false"],
        }
        if caller.kind == "user":
            ctx["aws:username"] = [caller.name]
        org_path = self.emu.org.account_org_path(caller.account)
        if org_path is not None:
            ctx["aws:PrincipalOrgID"] = [ORGANIZATION_ID]
            ctx["aws:PrincipalOrgPaths"] = [org_path]
        if session is not None:
            # Temporary credentials always carry the key; long-term keys without MFA do not (as in IAM).
            ctx["aws:MultiFactorAuthPresent"] = ["true" if session.mfa else "false"]
            if session.mfa:
                ctx["aws:MultiFactorAuthAge"] = [str(int((now - session.issued_at) * self.emu.config.time_scale))]
            if session.source_identity:
                ctx["aws:SourceIdentity"] = [session.source_identity]
        return ctx

    def resource_context(self, resource_account: str) -> dict[str, list[str]]:
        """aws:ResourceAccount / aws:ResourceOrgID / aws:ResourceOrgPaths of a resource (the role) in an account."""
        ctx = {"aws:ResourceAccount": [resource_account]}
        org_path = self.emu.org.account_org_path(resource_account)
        if org_path is not None:
            ctx["aws:ResourceOrgID"] = [ORGANIZATION_ID]
            ctx["aws:ResourceOrgPaths"] = [org_path]
        return ctx

    def context(self, req: Request, caller: pol.Caller, session: Session | None, session_name: str,
                tags: dict[str, str], source_identity: str | None, mfa: bool, role_account: str) -> dict[str, list[str]]:
        p = req.params
        ctx = self.principal_context(caller, session)
        ctx.update(self.resource_context(role_account))
        ctx["sts:RoleSessionName"] = [session_name]
        if "ExternalId" in p:
            ctx["sts:ExternalId"] = [p["ExternalId"]]
        if mfa:
            ctx["aws:MultiFactorAuthPresent"] = ["true"]
            ctx["aws:MultiFactorAuthAge"] = ["0"]
        if source_identity is not None:
            ctx["sts:SourceIdentity"] = [source_identity]
        for key, value in tags.items():
            ctx[f"aws:RequestTag/{key}"] = [value]
        if tags:
            ctx["aws:TagKeys"] = list(tags)
        return ctx

    def issue(self, caller: pol.Caller, role: t.Any, role_account: str, session_name: str, duration: int, mfa: bool,
              source_identity: str | None, tags: dict[str, str], region: str, params: t.Mapping[str, str]) -> tuple[Session, str]:
        """A new session of ``role``: its record (also registered with moto) and its secret key."""
        from moto.sts.models import AssumedRole, sts_backends

        backend = self.emu.iam(role_account)
        key = backend.create_temp_access_key()
        key.role_arn = role.arn
        now = time.time()
        lifetime = duration / self.emu.config.time_scale
        token = "FwoGZXIvYXdzEMU" + secrets.token_urlsafe(96)
        record = Session(access_key_id=key.access_key_id, session_token=token, account=role_account, role_arn=role.arn,
                         role_id=role.id, role_name=role.name, session_name=session_name, caller_arn=caller.arn,
                         issued_at=now, expires_at=now + lifetime, mfa=mfa, source_identity=source_identity, tags=tags)
        self.emu.sessions[key.access_key_id] = record
        # Also register the session with moto, whose other services look assumed roles up there.
        assumed = AssumedRole(account_id=role_account, region_name=region, access_key=key, role_session_name=session_name,
                              role_arn=role.arn, policy=params.get("Policy", ""), duration=duration,
                              external_id=params.get("ExternalId", ""))
        assumed.session_token = token
        assumed.expiration = datetime.datetime.fromtimestamp(record.expires_at, datetime.UTC).replace(tzinfo=None)
        sts_backends[role_account][PARTITION].assumed_roles.append(assumed)
        LOG.info("%s %s by %s: issued %s for %.1fs", params.get("Action", "AssumeRole"), role.arn, caller.arn,
                 key.access_key_id, lifetime)
        return record, key.secret_access_key

    @staticmethod
    def credentials_xml(record: Session, secret: str) -> str:
        return (f"<AssumedRoleUser><Arn>{escape(record.arn)}</Arn>"
                f"<AssumedRoleId>{escape(record.role_id)}:{escape(record.session_name)}</AssumedRoleId></AssumedRoleUser>"
                f"<Credentials><AccessKeyId>{record.access_key_id}</AccessKeyId>"
                f"<SecretAccessKey>{escape(secret)}</SecretAccessKey><SessionToken>{record.session_token}</SessionToken>"
                f"<Expiration>{now_iso(record.expires_at)}</Expiration></Credentials>")

    @staticmethod
    def credentials_json(record: Session, secret: str) -> dict[str, t.Any]:
        return {
            "AssumedRoleUser": {"Arn": record.arn, "AssumedRoleId": f"{record.role_id}:{record.session_name}"},
            "Credentials": {"AccessKeyId": record.access_key_id, "SecretAccessKey": secret,
                            "SessionToken": record.session_token, "Expiration": now_iso(record.expires_at)},
        }

    def assume_role_as_service(self, service: str, role_arn: str, session_name: str = "service-session",
                               source_account: str | None = None, source_arn: str | None = None,
                               duration: int = 3600) -> dict[str, t.Any]:
        """AssumeRole made by an AWS service principal on behalf of a resource (admin API only).

        Lets tests exercise ``Principal: {Service: ...}`` trust with the confused-deputy keys
        aws:SourceAccount / aws:SourceArn, which only service calls carry.
        """
        role_arn, session_name, duration = self.common_parameters(
            {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": str(duration)})
        caller = pol.Caller(account="", arn=service, principal_arn=service, unique_id=service, kind="service", name=service)
        refusal = AwsError(403, "AccessDenied", f"{service} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        role, role_account = self.usable_role(role_arn, service, refusal)
        now = time.time()
        context: dict[str, list[str]] = {
            "aws:PrincipalServiceName": [service],
            "aws:PrincipalIsAWSService": ["true"],
            "aws:CurrentTime": [now_iso(now)],
            "aws:EpochTime": [str(int(now))],
            "sts:RoleSessionName": [session_name],
            **self.resource_context(role_account),
        }
        if source_account is not None:
            context["aws:SourceAccount"] = [source_account]
            org_path = self.emu.org.account_org_path(source_account)
            if org_path is not None:
                context["aws:SourceOrgID"] = [ORGANIZATION_ID]
                context["aws:SourceOrgPaths"] = [org_path]
        if source_arn is not None:
            context["aws:SourceArn"] = [source_arn]
        rcp = self.emu.guardrails.check_rcp(role_account, role.arn, "sts:AssumeRole", context)
        if rcp is not None:
            LOG.info("AssumeRole %s by service %s: %s", role_arn, service, rcp.reason("sts:AssumeRole", True))
            raise AwsError(403, "AccessDenied", f"{service} is not authorized to perform: sts:AssumeRole on resource: "
                                                f"{role_arn} {rcp.reason('sts:AssumeRole', self.emu.config.policy_arn_in_denials)}",
                           denial=rcp.log_entry())
        trust = pol.evaluate_trust(role.assume_role_policy_document, "sts:AssumeRole", caller, context)
        if trust.denied or not trust.allowed:
            LOG.info("AssumeRole %s by service %s: %s", role_arn, service,
                     "explicit Deny in the trust policy" if trust.denied else "the trust policy does not allow the service")
            raise refusal
        if duration > self.max_duration(role):
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        record, secret = self.issue(caller, role, role_account, session_name, duration, False, None, {}, "us-east-1",
                                    {"Action": "AssumeRole"})
        return self.credentials_json(record, secret)
