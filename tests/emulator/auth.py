# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication of every AWS request: who is calling (user or STS session), and is the SigV4 signature right."""

from __future__ import annotations

import re
import secrets
import time
import typing as t

from emulator import policy as pol
from emulator.state import Session
from emulator.wsgi import AwsError, Request

if t.TYPE_CHECKING:
    from emulator.server import Emulator


class Authenticator:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def authenticate(self, req: Request) -> tuple[str, pol.Caller, Session | None]:
        """The caller's account, the caller and (for temporary credentials) its session."""
        if not req.access_key:
            raise AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        session = self.emu.sessions.get(req.access_key)
        if session is not None:
            if req.token != session.session_token:
                raise AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            if time.time() >= session.expires_at:
                raise AwsError(400, "ExpiredToken", "The security token included in the request is expired")
            temp_key = self.emu.iam_if_exists(session.account).access_keys.get(req.access_key)
            self.verify_signature(req, temp_key.secret_access_key if temp_key is not None else "")
            caller = pol.Caller(account=session.account, arn=session.arn, principal_arn=session.role_arn,
                                unique_id=session.role_id, kind="session", name=session.role_name)
            return session.account, caller, session
        for account in self.emu.known_accounts():
            backend = self.emu.iam_if_exists(account)
            if backend is None:
                continue
            key = backend.access_keys.get(req.access_key)
            if key is None or key.user_name is None:
                continue
            user = backend.users.get(key.user_name)
            if user is None or key.status != "Active" or key not in user.access_keys:
                break
            self.verify_signature(req, key.secret_access_key)
            caller = pol.Caller(account=account, arn=user.arn, principal_arn=user.arn, unique_id=user.id,
                                kind="user", name=user.name)
            return account, caller, None
        if req.service == "s3":
            raise AwsError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        raise AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")

    def verify_signature(self, req: Request, secret: str) -> None:
        """Recompute the SigV4 signature of an Authorization header with the key's secret (botocore's signer).

        A wrong secret must fail like it does on AWS. Presigned URLs and other schemes are not checked.
        """
        if not self.emu.config.verify_signatures:
            return
        environ = req.environ
        auth = environ.get("HTTP_AUTHORIZATION", "")
        signed = re.search(r"SignedHeaders=([^,\s]+)", auth)
        given = re.search(r"Signature=([0-9a-f]+)", auth)
        amz_date = environ.get("HTTP_X_AMZ_DATE")
        if not auth.startswith("AWS4-HMAC-SHA256") or not signed or not given or not amz_date or not req.service:
            return
        from botocore.auth import S3SigV4Auth, SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        headers: dict[str, str] = {}
        for name in signed.group(1).split(";"):
            if name == "host":
                value = environ.get("HTTP_HOST", "")
            elif name in ("content-type", "content-length"):
                value = environ.get(name.upper().replace("-", "_"), "")
            else:
                value = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
            headers[name] = value
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or req.path
        request = AWSRequest(method=req.method, url=f"http://{environ.get('HTTP_HOST', '')}{raw_uri}", headers=headers, data=req.body)
        request.context["timestamp"] = amz_date
        signer_class = S3SigV4Auth if req.service == "s3" else SigV4Auth
        signer = signer_class(Credentials(req.access_key or "", secret, req.token), req.service, req.region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not secrets.compare_digest(expected, given.group(1)):
            raise AwsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. "
                                                         "Check your AWS Secret Access Key and signing method. Consult the service "
                                                         "documentation for details.")
