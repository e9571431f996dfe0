# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two-account AWS emulator: moto's server behind a WSGI layer that behaves like IAM/STS.

moto serves every AWS API; this layer in front of it
- authenticates: the access key of every request must belong to a user or a live STS session
  (unknown -> InvalidClientTokenId, expired session -> ExpiredToken) and selects the account,
- replaces AssumeRole with a real authorisation check (trust policy, identity policy, durations,
  MFA, session tags, source identity, propagation delay) and GetCallerIdentity,
- normalises principals in trust policies the way IAM does,
- injects faults (throttling before, 500 after an applied write) and keeps a call log,
- serves a small admin API under /_emulator/.

Import this module only after MOTO_IAM_LOAD_MANAGED_POLICIES is set (``emulator.__main__`` does it),
because moto reads it when the IAM backends are created.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import random
import re
import secrets
import threading
import time
import typing as t
import uuid
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

from emulator import policy as pol

LOG = logging.getLogger("emulator")

SOURCE_ACCOUNT = "111111111111"
TARGET_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"
ACCOUNTS = {"source": SOURCE_ACCOUNT, "target": TARGET_ACCOUNT, "third": THIRD_ACCOUNT}
# Source and target share an AWS Organization (for aws:PrincipalOrgID); the third account is unrelated.
ORGANIZATION_ID = "o-emulator0001"
ORG_MEMBERS = {SOURCE_ACCOUNT, TARGET_ACCOUNT}
REGION = "us-east-1"
PARTITION = "aws"
TARGET_ADMIN_ROLE = "EmulatorTargetAdmin"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
CHAINING_CAP = 3600

# (profile, account, user name, access key id, attach AdministratorAccess)
BOOTSTRAP_USERS = (
    ("source-admin", SOURCE_ACCOUNT, "emulator-admin", "AKIAEMUSOURCEADMIN01", True),
    ("source-user", SOURCE_ACCOUNT, "emulator-user", "AKIAEMUSOURCEUSER001", False),
    ("third-admin", THIRD_ACCOUNT, "emulator-admin", "AKIAEMUTHIRDADMIN001", True),
)

WRITE_PREFIXES = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Tag", "Untag", "Set", "Add", "Remove")
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
CREDENTIAL_RE = re.compile(r"Credential=([A-Za-z0-9]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
ROLE_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)$")


def secret_for(access_key_id: str) -> str:
    """Deterministic 40-character secret: keys survive restarts and resets."""
    return hashlib.sha256(("crossaccount-emulator:" + access_key_id).encode()).hexdigest()[:40]


@dataclass
class Config:
    propagation_delay: float = 0.0
    time_scale: float = 1.0
    throttle_rate: float = 0.0
    fail_after_write_rate: float = 0.0
    seed: int = 0
    verify_signatures: bool = True

    def update(self, values: t.Mapping[str, t.Any]) -> None:
        for key, value in values.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown option {key!r}")
            if key == "seed":
                setattr(self, key, int(value))
                continue
            if key == "verify_signatures":
                if not isinstance(value, bool):
                    raise ValueError("verify_signatures must be true or false")
                self.verify_signatures = value
                continue
            number = float(value)
            if key in ("throttle_rate", "fail_after_write_rate") and not 0.0 <= number <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1")
            if key == "time_scale" and number <= 0:
                raise ValueError("time_scale must be positive")
            if key == "propagation_delay" and number < 0:
                raise ValueError("propagation_delay must not be negative")
            setattr(self, key, number)


@dataclass
class Session:
    """An STS session issued by AssumeRole (never logged or served: it holds the token)."""

    access_key_id: str
    session_token: str
    account: str
    role_arn: str
    role_id: str
    role_name: str
    session_name: str
    caller_arn: str
    issued_at: float
    expires_at: float
    mfa: bool
    source_identity: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:sts::{self.account}:assumed-role/{self.role_name}/{self.session_name}"


class AwsError(Exception):
    def __init__(self, status: int, code: str, message: str, sender: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.sender = sender


@dataclass
class Request:
    environ: dict[str, t.Any]
    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes
    params: dict[str, str]
    service: str | None
    region: str
    access_key: str | None
    token: str | None
    action: str

    @property
    def write(self) -> bool:
        return self.action.startswith(WRITE_PREFIXES)


def _s3_action(method: str, path: str, query: list[tuple[str, str]]) -> str:
    parts = [p for p in path.split("/", 2)[1:] if p] if path != "/" else []
    keys = [pair[0] for pair in query]
    verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}.get(method, method.title())
    if not parts:
        return "ListBuckets" if method == "GET" else verb + "Service"
    if len(parts) == 1:
        sub = next((k for k in keys if k not in ("list-type", "prefix", "delimiter", "max-keys", "marker",
                                                 "continuation-token", "encoding-type", "start-after", "fetch-owner")), None)
        if sub == "delete" and method == "POST":
            return "DeleteObjects"
        if sub:
            return verb + "Bucket" + "".join(w.title() for w in re.split(r"[-_]", sub))
        if method == "GET":
            return "ListObjectsV2" if "list-type" in keys else "ListObjects"
        return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(method, verb + "Bucket")
    if "uploads" in keys:
        return "CreateMultipartUpload" if method == "POST" else "ListMultipartUploads"
    if "uploadId" in keys:
        return {"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(method, "ListParts")
    sub = next((k for k in keys if k in ("tagging", "acl", "retention", "legal-hold", "attributes")), None)
    if sub:
        return verb + "Object" + "".join(w.title() for w in sub.split("-"))
    return verb + "Object"


def _now_iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_UNIQUE_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _map_aws_principals(doc: dict[str, t.Any], convert: t.Callable[[t.Any], t.Any]) -> bool:
    """Apply ``convert`` to every AWS principal (Principal and NotPrincipal) in place; True if one changed."""
    changed = False
    for stmt in pol.as_list(doc.get("Statement")):
        if not isinstance(stmt, dict):
            continue
        for key in ("Principal", "NotPrincipal"):
            block = stmt.get(key)
            if not isinstance(block, dict) or "AWS" not in block:
                continue
            values = block["AWS"]
            new = [convert(value) for value in pol.as_list(values)]
            if new != pol.as_list(values):
                changed = True
                block["AWS"] = new if isinstance(values, list) else new[0]
    return changed


def _patch_moto() -> None:
    """Give users IAM-shaped unique ids (AIDA + 17 characters); moto's are random lowercase strings.

    The collection recognises dangling principals in trust policies by that shape.
    """
    from moto.iam import models as iam_models

    if getattr(iam_models.User, "_emulator_patched", False):
        return
    original = iam_models.User.__init__

    def init(self: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        original(self, *args, **kwargs)
        self.id = "AIDA" + "".join(secrets.choice(_UNIQUE_ID_ALPHABET) for _index in range(17))

    iam_models.User.__init__ = init
    iam_models.User._emulator_patched = True  # pylint: disable=protected-access

    # Every reset re-creates the IAM backends, and moto parses and re-serialises ~1500 AWS managed
    # policies for each of them; doing that once keeps a reset (one per test) well under 0.2 s.
    prepared: list[tuple[str, dict[str, t.Any]]] = []
    for name, data in json.loads(iam_models.aws_managed_policies_data).items():
        prepared.append((name, {
            "default_version_id": data.get("DefaultVersionId"),
            "path": data.get("Path"),
            "document": json.dumps(data.get("Document")),
            "create_date": datetime.datetime.fromisoformat(data["CreateDate"]),
            "update_date": datetime.datetime.fromisoformat(data["UpdateDate"]),
        }))

    def init_aws_policies(self: t.Any) -> list[t.Any]:
        if not iam_models.load_iam_aws_managed_policies():
            return []
        return [iam_models.AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, **kwargs)
                for name, kwargs in prepared]

    iam_models.IAMBackend._init_aws_policies = init_aws_policies  # pylint: disable=protected-access

    # IAM leaves AttachmentCount alone when a policy is attached again (a retried Attach*Policy);
    # moto counts it twice.
    attach_to = iam_models.ManagedPolicy.attach_to

    def attach_once(self: t.Any, obj: t.Any) -> None:
        if self.arn not in obj.managed_policies:
            attach_to(self, obj)

    iam_models.ManagedPolicy.attach_to = attach_once


class Emulator:
    """The WSGI application: admin API + authentication + enforcement in front of moto."""

    def __init__(self, config: Config) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        _patch_moto()

        self.initial_config = Config(**asdict(config))
        self.config = Config(**asdict(config))
        self.rng = random.Random(self.config.seed)
        self.moto = DomainDispatcherApplication(create_backend_app)
        # One request at a time: moto's backends are not designed for concurrent mutation, and
        # fault injection, the call log and the session table stay consistent this way.
        self.lock = threading.RLock()
        self.calls: list[dict[str, t.Any]] = []
        self.seq = 0
        self.sessions: dict[str, Session] = {}
        self.role_changed: dict[tuple[str, str], float] = {}
        self.endpoint_url = ""
        self.bootstrap()

    # ------------------------------------------------------------------ state
    @staticmethod
    def iam(account: str) -> t.Any:
        from moto.iam.models import iam_backends

        return iam_backends[account][PARTITION]

    def reset(self) -> None:
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import reset_model_data

        with self.lock:
            # Dropping the backend dicts is enough for a fresh state (they are rebuilt lazily) and is
            # much faster than moto's reset(), which first re-initialises every backend it then drops.
            from moto.core.base_backend import backend_lock

            with backend_lock:
                for backend in list(BackendDict._instances):  # pylint: disable=protected-access
                    backend.clear()
                BackendDict._instances.clear()  # pylint: disable=protected-access
            # moto keeps a global bucket -> account index outside the backends; a stale entry makes
            # CreateBucket of a bucket that existed before the reset recurse forever (HTTP 500).
            from moto.s3.models import s3_backends

            s3_backends.bucket_accounts.clear()
            reset_model_data()
            self.calls.clear()
            self.seq = 0
            self.sessions.clear()
            self.role_changed.clear()
            self.config = Config(**asdict(self.initial_config))
            self.rng = random.Random(self.config.seed)
            self.bootstrap()

    def bootstrap(self) -> None:
        for _profile, account, user_name, key_id, admin in BOOTSTRAP_USERS:
            backend = self.iam(account)
            backend.create_user(region_name=REGION, user_name=user_name, path="/")
            key = backend.create_access_key(user_name)
            # Replace moto's random key with the deterministic one, under the new id in both indexes.
            del backend.access_keys[key.access_key_id]
            key.access_key_id = key_id
            key.secret_access_key = secret_for(key_id)
            backend.access_keys[key_id] = key
            if admin:
                backend.attach_user_policy(ADMIN_POLICY_ARN, user_name)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{PARTITION}:iam::{SOURCE_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }],
        }
        target = self.iam(TARGET_ACCOUNT)
        target.create_role(
            role_name=TARGET_ADMIN_ROLE,
            assume_role_policy_document=json.dumps(trust),
            path="/",
            permissions_boundary=None,
            description="Administrator of the emulated target account (profile target-admin)",
            tags=[],
            max_session_duration="43200",
        )
        target.attach_role_policy(ADMIN_POLICY_ARN, TARGET_ADMIN_ROLE)

    def known_accounts(self) -> list[str]:
        from moto.iam.models import iam_backends

        return list(iam_backends.keys())

    def _iam_if_exists(self, account: str) -> t.Any:
        from moto.iam.models import iam_backends

        per_account = dict.get(iam_backends, account)
        if per_account is None:
            return None
        return dict.get(per_account, PARTITION)

    # ------------------------------------------------------------ WSGI entry
    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/_emulator/") or path == "/_emulator":
            return self.admin(environ, start_response)
        with self.lock:
            status, headers, body = self.handle_aws(environ)
        start_response(status, headers)
        return [body]

    # -------------------------------------------------------------- admin API
    def admin(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        code, payload = 200, {}
        try:
            with self.lock:
                if path == "/_emulator/health" and method == "GET":
                    payload = {"status": "ok", "accounts": ACCOUNTS, "config": asdict(self.config)}
                elif path == "/_emulator/calls" and method == "GET":
                    calls = [c for c in self.calls if all(
                        query.get(k) in (None, "", str(c.get(k))) for k in ("service", "action", "account"))]
                    payload = {"calls": calls}
                elif path == "/_emulator/calls" and method == "DELETE":
                    payload = {"cleared": len(self.calls)}
                    self.calls.clear()
                elif path == "/_emulator/config" and method == "GET":
                    payload = asdict(self.config)
                elif path == "/_emulator/config" and method == "POST":
                    values = json.loads(self._read_body(environ) or b"{}")
                    if not isinstance(values, dict):
                        raise ValueError("the body must be a JSON object")
                    candidate = Config(**asdict(self.config))
                    candidate.update(values)
                    self.config = candidate
                    if "seed" in values:
                        self.rng = random.Random(self.config.seed)
                    payload = asdict(self.config)
                elif path == "/_emulator/reset" and method == "POST":
                    started = time.monotonic()
                    self.reset()
                    payload = {"status": "reset", "seconds": round(time.monotonic() - started, 3)}
                else:
                    code, payload = 404, {"error": f"no admin endpoint {method} {path}"}
        except (ValueError, TypeError) as exc:
            code, payload = 400, {"error": str(exc)}
        body = json.dumps(payload).encode()
        start_response(f"{code} {'OK' if code == 200 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    # --------------------------------------------------------------- parsing
    @staticmethod
    def _read_body(environ: dict[str, t.Any]) -> bytes:
        stream = environ.get("wsgi.input")
        if stream is None:
            return b""
        length = environ.get("CONTENT_LENGTH")
        if length:
            body = stream.read(int(length))
        elif environ.get("wsgi.input_terminated"):
            body = stream.read()
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def parse(self, environ: dict[str, t.Any]) -> Request:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        body = self._read_body(environ)
        params: dict[str, str] = dict(query)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = CREDENTIAL_RE.search(auth) or CREDENTIAL_RE.search("Credential=" + params.get("X-Amz-Credential", ""))
        access_key = service = None
        region = REGION
        if match:
            access_key, _date, region, service = match.groups()
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or params.get("X-Amz-Security-Token")
        if service == "s3":
            action = _s3_action(method, path, query)
        else:
            action = params.get("Action") or environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2] or "Unknown"
        return Request(environ, method, path, query, body, params, service, region, access_key, token, action)

    # ------------------------------------------------------- authentication
    def authenticate(self, req: Request) -> tuple[str, pol.Caller, Session | None]:
        if not req.access_key:
            raise AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        session = self.sessions.get(req.access_key)
        if session is not None:
            if req.token != session.session_token:
                raise AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            if time.time() >= session.expires_at:
                raise AwsError(400, "ExpiredToken", "The security token included in the request is expired")
            temp_key = self._iam_if_exists(session.account).access_keys.get(req.access_key)
            self.verify_signature(req, temp_key.secret_access_key if temp_key is not None else "")
            caller = pol.Caller(account=session.account, arn=session.arn, principal_arn=session.role_arn,
                                unique_id=session.role_id, kind="session", name=session.role_name)
            return session.account, caller, session
        for account in self.known_accounts():
            backend = self._iam_if_exists(account)
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
        if not self.config.verify_signatures:
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

    # ------------------------------------------------------------ responses
    @staticmethod
    def error_response(req: Request | None, err: AwsError) -> tuple[str, list[tuple[str, str]], bytes]:
        request_id = str(uuid.uuid4())
        if req is not None and req.service == "s3":
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(err.code)}</Code>'
                    f"<Message>{escape(err.message)}</Message><RequestId>{request_id}</RequestId></Error>")
        else:
            ns = IAM_NS if req is not None and req.service == "iam" else STS_NS
            kind = "Sender" if err.sender else "Receiver"
            body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{escape(err.code)}</Code>'
                    f"<Message>{escape(err.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        data = body.encode()
        status = f"{err.status} {'Bad Request' if err.status == 400 else 'Forbidden' if err.status == 403 else 'Error'}"
        return status, [("Content-Type", "text/xml"), ("Content-Length", str(len(data))),
                        ("x-amzn-RequestId", request_id)], data

    @staticmethod
    def xml_response(action: str, result: str, ns: str = STS_NS) -> tuple[str, list[tuple[str, str]], bytes]:
        request_id = str(uuid.uuid4())
        body = (f'<{action}Response xmlns="{ns}"><{action}Result>{result}</{action}Result>'
                f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>").encode()
        return "200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body))),
                          ("x-amzn-RequestId", request_id)], body

    # -------------------------------------------------------------- dispatch
    def handle_aws(self, environ: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        req: Request | None = None
        account: str | None = None
        injected: str | None = None
        try:
            req = self.parse(environ)
            account, caller, session = self.authenticate(req)
            if self.config.throttle_rate and self.rng.random() < self.config.throttle_rate:
                injected = "throttle"
                raise AwsError(400, "Throttling", "Rate exceeded")
            result = self.dispatch(req, account, caller, session)
            status_code = int(result[0].split()[0])
            if (req.write and status_code < 400 and self.config.fail_after_write_rate
                    and self.rng.random() < self.config.fail_after_write_rate):
                injected = "500-after-write"
                raise AwsError(500, "InternalFailure", "We encountered an internal error. Please try again.", sender=False)
        except AwsError as err:
            if err.code not in ("Throttling", "InternalFailure"):
                LOG.info("refused %s %s: %s %s", req.service if req else "?", req.action if req else "?", err.code, err.message)
            result = self.error_response(req, err)
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug here must look like an AWS 500 (and be logged), not kill the connection.
            LOG.exception("emulator error on %s %s", req.service if req else "?", req.action if req else "?")
            result = self.error_response(req, AwsError(500, "InternalFailure", "The emulator failed on this request (see its log).",
                                                       sender=False))
        self.record(req, account, result, injected)
        return result

    def record(self, req: Request | None, account: str | None, result: tuple[str, list[tuple[str, str]], bytes],
               injected: str | None) -> None:
        status = int(result[0].split()[0])
        error_code = None
        if status >= 300:
            match = re.search(rb"<Code>([^<]+)</Code>", result[2])
            if match:
                error_code = match.group(1).decode()
            else:
                try:
                    error_code = str(json.loads(result[2]).get("__type", "")).rpartition("#")[2] or None
                except (ValueError, AttributeError):
                    error_code = None
        self.seq += 1
        now = time.time()
        self.calls.append({
            "seq": self.seq,
            "time": _now_iso(now),
            "service": req.service if req else None,
            "action": req.action if req else None,
            "account": account,
            "access_key": req.access_key if req else None,
            "status": status,
            "error_code": error_code,
            "injected": injected,
            "write": bool(req and req.write),
        })

    def dispatch(self, req: Request, account: str, caller: pol.Caller, session: Session | None) -> tuple[str, list[tuple[str, str]], bytes]:
        if req.service == "sts" and req.action == "AssumeRole":
            return self.assume_role(req, caller, session)
        if req.service == "sts" and req.action == "GetCallerIdentity":
            result = f"<Arn>{escape(caller.arn)}</Arn><UserId>{escape(self._user_id(caller, session))}</UserId><Account>{account}</Account>"
            return self.xml_response("GetCallerIdentity", result)
        if req.service == "iam" and req.action in ("CreateRole", "UpdateAssumeRolePolicy"):
            return self.write_trust_policy(req, account)
        if req.service == "iam" and req.action in ("DeleteUser", "DeleteRole"):
            return self.delete_principal(req, account)
        return self.forward(req, account)

    @staticmethod
    def _user_id(caller: pol.Caller, session: Session | None) -> str:
        return f"{session.role_id}:{session.session_name}" if session else caller.unique_id

    def forward(self, req: Request, account: str) -> tuple[str, list[tuple[str, str]], bytes]:
        environ = req.environ
        # moto picks the account from this header before it looks at the access key (which would
        # fall back to its default account for anything it does not know).
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = account
        environ["wsgi.input"] = io.BytesIO(req.body)
        environ["CONTENT_LENGTH"] = str(len(req.body))
        captured: dict[str, t.Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> t.Callable[[bytes], None]:
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: None

        chunks = self.moto(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return captured["status"], list(captured["headers"]), body

    # ------------------------------------------------------ trust documents
    def _principal_exists(self, arn: str) -> bool:
        match = re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(user|role)(/.*)$", arn)
        if not match:
            return False
        backend = self._iam_if_exists(match.group(2))
        if backend is None:
            return False
        if match.group(3) == "user":
            return any(u.arn == arn for u in backend.users.values())
        return any(r.arn == arn for r in backend.roles.values())

    def normalise_trust(self, document: str) -> str:
        """IAM's rewriting of trust principals; raises MalformedPolicyDocument for unknown principals."""
        try:
            doc = json.loads(document)
        except ValueError:
            return document  # moto reports the syntax error itself
        if not isinstance(doc, dict):
            return document
        _map_aws_principals(doc, lambda value: self._normalise_principal(str(value)))
        return json.dumps(doc)

    def _normalise_principal(self, value: str) -> str:
        if value == "*":
            return value
        if pol.ACCOUNT_RE.match(value):
            return f"arn:{PARTITION}:iam::{value}:root"
        if pol.UNIQUE_ID_RE.match(value):
            return value
        if re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:root$", value):
            return value
        if re.match(r"^arn:(aws|aws-cn|aws-us-gov):sts::\d{12}:(assumed-role/[^/*?]+/[^/*?]+|federated-user/[^/*?]+)$", value):
            return value
        if "*" not in value and "?" not in value and self._principal_exists(value):
            return value
        raise AwsError(400, "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{value}"')

    def write_trust_policy(self, req: Request, account: str) -> tuple[str, list[tuple[str, str]], bytes]:
        param = "AssumeRolePolicyDocument" if req.action == "CreateRole" else "PolicyDocument"
        if param in req.params:
            normalised = self.normalise_trust(req.params[param])
            pairs = parse_qsl(req.body.decode("utf-8"), keep_blank_values=True)
            req.body = urlencode([(k, normalised if k == param else v) for k, v in pairs]).encode()
        result = self.forward(req, account)
        if result[0].startswith("200") and req.params.get("RoleName"):
            self.role_changed[(account, req.params["RoleName"])] = time.time()
        return result

    def delete_principal(self, req: Request, account: str) -> tuple[str, list[tuple[str, str]], bytes]:
        backend = self.iam(account)
        arn = unique_id = None
        if req.action == "DeleteUser":
            user = backend.users.get(req.params.get("UserName", ""))
            if user is not None:
                arn, unique_id = user.arn, user.id
        else:
            role = next((r for r in backend.roles.values() if r.name == req.params.get("RoleName")), None)
            if role is not None:
                arn, unique_id = role.arn, role.id
        result = self.forward(req, account)
        if result[0].startswith("200") and arn and unique_id:
            self.replace_principal_everywhere(arn, unique_id)
        return result

    def replace_principal_everywhere(self, arn: str, unique_id: str) -> None:
        """IAM shows a deleted principal's unique id wherever a trust policy named it."""
        for acct in self.known_accounts():
            backend = self._iam_if_exists(acct)
            if backend is None:
                continue
            for role in backend.roles.values():
                doc = pol.load_document(role.assume_role_policy_document)
                if _map_aws_principals(doc, lambda value: unique_id if value == arn else value):
                    role.assume_role_policy_document = json.dumps(doc)

    # ------------------------------------------------------------ AssumeRole
    def _identity_documents(self, caller: pol.Caller) -> list[t.Any]:
        backend = self._iam_if_exists(caller.account)
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

    def assume_role(self, req: Request, caller: pol.Caller, session: Session | None) -> tuple[str, list[tuple[str, str]], bytes]:
        p = req.params
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
        match = ROLE_ARN_RE.match(role_arn)
        role = None
        if match:
            backend = self._iam_if_exists(match.group(2))
            role_name = match.group(3).rsplit("/", 1)[-1]
            if backend is not None:
                role = next((r for r in backend.roles.values() if r.name == role_name), None)
        if role is None or match is None:
            LOG.info("AssumeRole %s by %s: role does not exist", role_arn, caller.arn)
            raise AwsError(403, "AccessDenied", denied.format(action="sts:AssumeRole"))
        role_account = match.group(2)
        changed = self.role_changed.get((role_account, role.name))
        if changed is not None and time.time() - changed < self.config.propagation_delay:
            LOG.info("AssumeRole %s by %s: trust policy still propagating", role_arn, caller.arn)
            raise AwsError(403, "AccessDenied", denied.format(action="sts:AssumeRole"))

        context = self._context(req, caller, session, session_name, tags, source_identity, mfa)
        actions = ["sts:AssumeRole"]
        if tags or transitive:
            actions.append("sts:TagSession")
        if source_identity is not None:
            actions.append("sts:SetSourceIdentity")
        identity_docs = self._identity_documents(caller)
        for action in actions:
            trust = pol.evaluate_trust(role.assume_role_policy_document, action, caller, context)
            identity = pol.evaluate_identity(identity_docs, action, role.arn, context)
            needs_identity = caller.account != role_account or not trust.explicit
            why = None
            if trust.denied:
                why = "explicit Deny in the trust policy"
            elif identity.denied:
                why = "explicit Deny in an identity policy"
            elif not trust.allowed:
                why = "the trust policy does not allow the caller (principal or conditions)"
            elif needs_identity and not identity.allowed:
                why = "no identity policy of the caller allows it"
            if why:
                LOG.info("AssumeRole %s by %s: %s denied: %s", role_arn, caller.arn, action, why)
                raise AwsError(403, "AccessDenied", denied.format(action=action))

        try:
            max_duration = int(role.max_session_duration or 3600)
        except (TypeError, ValueError):
            max_duration = 3600
        if duration > max_duration:
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        if session is not None and duration > CHAINING_CAP:
            raise AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                                                   "for roles assumed by role chaining.")
        return self.issue(req, caller, role, role_account, session_name, duration, mfa, source_identity, tags)

    def _context(self, req: Request, caller: pol.Caller, session: Session | None, session_name: str,
                 tags: dict[str, str], source_identity: str | None, mfa: bool) -> dict[str, list[str]]:
        p = req.params
        now = time.time()
        ctx: dict[str, list[str]] = {
            "aws:PrincipalArn": [caller.principal_arn],
            "aws:PrincipalAccount": [caller.account],
            "aws:PrincipalType": ["User" if caller.kind == "user" else "AssumedRole"],
            "aws:userid": [self._user_id(caller, session)],
            "sts:RoleSessionName": [session_name],
            "aws:CurrentTime": [_now_iso(now)],
            "aws:EpochTime": [str(int(now))],
            "aws:SecureTransport": ["false"],
        }
        if caller.kind == "user":
            ctx["aws:username"] = [caller.name]
        if caller.account in ORG_MEMBERS:
            ctx["aws:PrincipalOrgID"] = [ORGANIZATION_ID]
        if "ExternalId" in p:
            ctx["sts:ExternalId"] = [p["ExternalId"]]
        if mfa:
            ctx["aws:MultiFactorAuthPresent"] = ["true"]
            ctx["aws:MultiFactorAuthAge"] = ["0"]
        elif session is not None:
            # Temporary credentials always carry the key; long-term keys without MFA do not (as in IAM).
            ctx["aws:MultiFactorAuthPresent"] = ["true" if session.mfa else "false"]
            if session.mfa:
                ctx["aws:MultiFactorAuthAge"] = [str(int((now - session.issued_at) * self.config.time_scale))]
        if source_identity is not None:
            ctx["sts:SourceIdentity"] = [source_identity]
        if session is not None and session.source_identity:
            ctx["aws:SourceIdentity"] = [session.source_identity]
        for key, value in tags.items():
            ctx[f"aws:RequestTag/{key}"] = [value]
        if tags:
            ctx["aws:TagKeys"] = list(tags)
        return ctx

    def issue(self, req: Request, caller: pol.Caller, role: t.Any, role_account: str, session_name: str, duration: int,
              mfa: bool, source_identity: str | None, tags: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        from moto.sts.models import AssumedRole, sts_backends

        backend = self.iam(role_account)
        key = backend.create_temp_access_key()
        key.role_arn = role.arn
        now = time.time()
        lifetime = duration / self.config.time_scale
        token = "FwoGZXIvYXdzEMU" + secrets.token_urlsafe(96)
        record = Session(access_key_id=key.access_key_id, session_token=token, account=role_account, role_arn=role.arn,
                         role_id=role.id, role_name=role.name, session_name=session_name, caller_arn=caller.arn,
                         issued_at=now, expires_at=now + lifetime, mfa=mfa, source_identity=source_identity, tags=tags)
        self.sessions[key.access_key_id] = record
        # Also register the session with moto, whose other services look assumed roles up there.
        assumed = AssumedRole(account_id=role_account, region_name=req.region, access_key=key, role_session_name=session_name,
                              role_arn=role.arn, policy=req.params.get("Policy", ""), duration=duration,
                              external_id=req.params.get("ExternalId", ""))
        assumed.session_token = token
        assumed.expiration = datetime.datetime.fromtimestamp(record.expires_at, datetime.UTC).replace(tzinfo=None)
        sts_backends[role_account][PARTITION].assumed_roles.append(assumed)
        LOG.info("AssumeRole %s by %s: issued %s for %.1fs", role.arn, caller.arn, key.access_key_id, lifetime)
        result = (
            (f"<SourceIdentity>{escape(source_identity)}</SourceIdentity>" if source_identity else "")
            + f"<AssumedRoleUser><Arn>{escape(record.arn)}</Arn><AssumedRoleId>{escape(role.id)}:{escape(session_name)}</AssumedRoleId>"
            + f"</AssumedRoleUser><Credentials><AccessKeyId>{key.access_key_id}</AccessKeyId>"
            + f"<SecretAccessKey>{escape(key.secret_access_key)}</SecretAccessKey><SessionToken>{token}</SessionToken>"
            + f"<Expiration>{_now_iso(record.expires_at)}</Expiration></Credentials>"
            + f"<PackedPolicySize>{min(99, 6 + 2 * len(tags))}</PackedPolicySize>"
        )
        return self.xml_response("AssumeRole", result)


# ---------------------------------------------------------------- files

def profiles() -> dict[str, dict[str, str]]:
    out = {profile: {"account": account, "user": user, "access_key_id": key}
           for profile, account, user, key, _admin in BOOTSTRAP_USERS}
    out["target-admin"] = {"account": TARGET_ACCOUNT, "role_arn": f"arn:{PARTITION}:iam::{TARGET_ACCOUNT}:role/{TARGET_ADMIN_ROLE}",
                           "source_profile": "source-admin"}
    return out


def shared_files(endpoint_url: str) -> tuple[str, str]:
    """The AWS CLI config and credentials files for the bootstrap profiles."""
    config = ["# Written by the crossaccount.aws test emulator.", ""]
    creds = ["# Written by the crossaccount.aws test emulator: keys of emulated users only.", ""]
    for profile, _account, _user, key, _admin in BOOTSTRAP_USERS:
        config += [f"[profile {profile}]", f"region = {REGION}", f"endpoint_url = {endpoint_url}", ""]
        creds += [f"[{profile}]", f"aws_access_key_id = {key}", f"aws_secret_access_key = {secret_for(key)}", ""]
    target = profiles()["target-admin"]
    config += ["[profile target-admin]", f"role_arn = {target['role_arn']}", "source_profile = source-admin",
               "role_session_name = emulator-target-admin", f"region = {REGION}", f"endpoint_url = {endpoint_url}", ""]
    return "\n".join(config), "\n".join(creds)
