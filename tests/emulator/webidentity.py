# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sts:AssumeRoleWithWebIdentity: an unsigned call that trades an OIDC token for a role session.

Checked in AWS's order: the token is a JWT; its issuer is registered as an OpenID Connect provider in the
role's account (CreateOpenIDConnectProvider); it is signed by the emulator's issuer key (``oidc.py``);
it has not expired; its audience is one of the provider's client ids; the role exists (and is not
propagating); its trust policy allows ``sts:AssumeRoleWithWebIdentity`` for the ``Federated`` provider ARN
under conditions on ``HOST:aud``, ``HOST:sub``, ``HOST:amr``. The session then behaves like any other
(GetCallerIdentity, chaining with the 1-hour cap). The token never reaches a log.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import typing as t
from xml.sax.saxutils import escape

from emulator import oidc
from emulator import policy as pol
from emulator.state import PARTITION, ROLE_ARN_RE, now_iso
from emulator.wsgi import AwsError, Request, Response, xml_response

if t.TYPE_CHECKING:
    from emulator.server import Emulator

LOG = logging.getLogger("emulator")
ACTION = "sts:AssumeRoleWithWebIdentity"


def _not_authorized() -> AwsError:
    return AwsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def _invalid(message: str) -> AwsError:
    return AwsError(400, "InvalidIdentityToken", message)


def _values(claim: t.Any) -> list[str]:
    return [str(v) for v in pol.as_list(claim)]


class WebIdentity:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def provider(self, account: str, issuer: str) -> t.Any:
        """The OpenID Connect provider of ``issuer`` registered in ``account`` (None if there is none)."""
        backend = self.emu.iam_if_exists(account)
        if backend is None:
            return None
        host = issuer.split("://", 1)[1].rstrip("/")
        return backend.open_id_providers.get(f"arn:{PARTITION}:iam::{account}:oidc-provider/{host}")

    def assume(self, req: Request) -> Response:
        p = req.params
        role_arn, session_name, duration = self.emu.sts.common_parameters(p)
        token = p.get("WebIdentityToken")
        if token is None:
            raise AwsError(400, "ValidationError", "1 validation error detected: Value null at 'webIdentityToken' failed to "
                                                   "satisfy constraint: Member must not be null")
        if not 4 <= len(token) <= 20000:
            raise AwsError(400, "ValidationError", "1 validation error detected: Value at 'webIdentityToken' failed to satisfy "
                                                   "constraint: Member must have length between 4 and 20000")
        match = ROLE_ARN_RE.match(role_arn)
        if match is None:
            raise _not_authorized()
        role_account = match.group(2)
        try:
            unverified = oidc.unverified_claims(token)
        except oidc.InvalidToken as exc:
            raise _invalid("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)") from exc
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or not re.match(r"^https://[^/\s]+", issuer):
            raise _invalid("The ID Token provided does not contain a valid issuer (iss).")
        provider = self.provider(role_account, issuer)
        if provider is None:
            LOG.info("AssumeRoleWithWebIdentity %s: no OpenID Connect provider for %s in %s", role_arn, issuer, role_account)
            raise _invalid(f"No OpenIDConnect provider found in your account for {issuer}")
        try:
            claims = oidc.verify_token(token)
        except oidc.TokenExpired as exc:
            current = datetime.datetime.now(datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
            expiry = datetime.datetime.fromtimestamp(exc.expires_at, datetime.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
            raise AwsError(400, "ExpiredTokenException",
                           f"Token expired: current date/time {current} must be before the expiration date/time {expiry}") from exc
        except oidc.InvalidToken as exc:
            LOG.info("AssumeRoleWithWebIdentity %s: token from %s refused: %s", role_arn, issuer, exc)
            raise _invalid("The signature of the web identity token could not be verified with the keys of the identity "
                           "provider.") from exc
        # For OIDC, IAM's HOST:aud is the azp claim when the token has one, else aud.
        audiences = _values(claims.get("azp")) or _values(claims.get("aud"))
        if not set(audiences) & set(provider.client_id_list):
            LOG.info("AssumeRoleWithWebIdentity %s: audience %s is not a client id of %s", role_arn, audiences, provider.arn)
            raise _invalid("Incorrect token audience")

        role, role_account = self.emu.sts.usable_role(role_arn, provider.arn, _not_authorized())
        host = provider.url.rstrip("/")
        subject = str(claims.get("sub", ""))
        caller = pol.Caller(account="", arn=provider.arn, principal_arn=provider.arn, unique_id=provider.arn,
                            kind="federated", name=host)
        now = time.time()
        context: dict[str, list[str]] = {
            f"{host}:aud": audiences,
            f"{host}:sub": [subject],
            f"{host}:iss": [issuer],
            "aws:FederatedProvider": [provider.arn],
            "aws:PrincipalType": ["WebIdentityUser"],
            "sts:RoleSessionName": [session_name],
            "aws:CurrentTime": [now_iso(now)],
            "aws:EpochTime": [str(int(now))],
            **self.emu.sts.resource_context(role_account),
        }
        if claims.get("amr") is not None:
            context[f"{host}:amr"] = _values(claims["amr"])
        if claims.get("aud") is not None and claims.get("azp") is not None:
            context[f"{host}:oaud"] = _values(claims["aud"])
        rcp = self.emu.guardrails.check_rcp(role_account, role.arn, ACTION, context)
        if rcp is not None:
            # STS answers an unauthenticated caller tersely; the kind of policy is in the log and the call log.
            LOG.info("AssumeRoleWithWebIdentity %s for sub %s: %s (%s at %s)", role_arn, subject, rcp.reason(ACTION, True),
                     rcp.statement or "no Allow", rcp.target_id)
            error = _not_authorized()
            error.denial = rcp.log_entry()
            raise error
        decision = pol.evaluate_trust(role.assume_role_policy_document, ACTION, caller, context)
        if decision.denied or not decision.allowed:
            LOG.info("AssumeRoleWithWebIdentity %s for sub %s: %s", role_arn, subject,
                     "explicit Deny in the trust policy" if decision.denied else "the trust policy does not allow it")
            raise _not_authorized()
        if duration > self.emu.sts.max_duration(role):
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        record, secret = self.emu.sts.issue(caller, role, role_account, session_name, duration, False, None, {}, req.region, p)
        result = (f"<Audience>{escape(audiences[0])}</Audience>"
                  + self.emu.sts.credentials_xml(record, secret)
                  + f"<Provider>{escape(provider.arn)}</Provider>"
                  + f"<SubjectFromWebIdentityToken>{escape(subject)}</SubjectFromWebIdentityToken>")
        return xml_response("AssumeRoleWithWebIdentity", result)
