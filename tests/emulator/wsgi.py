# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP side of the emulator: parsing a WSGI request into an AWS call, and AWS-shaped answers."""

from __future__ import annotations

import io
import json
import re
import typing as t
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from emulator.state import REGION, WRITE_PREFIXES

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
CREDENTIAL_RE = re.compile(r"Credential=([A-Za-z0-9]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")

REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error"}
# (status line, headers, body) as handed to start_response.
Response = tuple[str, list[tuple[str, str]], bytes]


# Services that speak the JSON protocol (errors as {"__type", "Message"}), and how the emulator's generic
# error codes are called there.
JSON_SERVICES = {"organizations"}
JSON_ERROR_CODES = {
    "organizations": {
        "InvalidClientTokenId": "UnrecognizedClientException",
        "MissingAuthenticationToken": "MissingAuthenticationTokenException",
        "ExpiredToken": "ExpiredTokenException",
        "Throttling": "TooManyRequestsException",
        "InternalFailure": "ServiceException",
    },
}
JSON_ERROR_MESSAGES = {
    "TooManyRequestsException": "You have sent too many requests in too short a period of time. The quota helps protect "
                                "against denial-of-service attacks. Try again later.",
    "ServiceException": "AWS Organizations can't complete your request because of an internal service error. Try again later.",
}


class AwsError(Exception):
    def __init__(self, status: int, code: str, message: str, sender: bool = True,
                 extra: dict[str, str] | None = None, injected: str | None = None,
                 denial: dict[str, t.Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.sender = sender
        # More members of a JSON error (e.g. Organizations' "Reason").
        self.extra = extra or {}
        # Set on faults the emulator injected (shown in the call log).
        self.injected = injected
        # Set when an organization policy refused the call: which kind, where, which statement (call log only).
        self.denial = denial


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


def s3_action(method: str, path: str, query: list[tuple[str, str]]) -> str:
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


def read_body(environ: dict[str, t.Any]) -> bytes:
    """The request body, read once; ``wsgi.input`` is replaced so that moto can read it again."""
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


def parse_request(environ: dict[str, t.Any]) -> Request:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "") or "/"
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    body = read_body(environ)
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
        action = s3_action(method, path, query)
    else:
        action = params.get("Action") or environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2] or "Unknown"
    return Request(environ, method, path, query, body, params, service, region, access_key, token, action)


def error_response(req: Request | None, err: AwsError) -> Response:
    request_id = str(uuid.uuid4())
    if req is not None and req.service in JSON_SERVICES:
        code = JSON_ERROR_CODES.get(req.service, {}).get(err.code, err.code)
        payload = {"__type": code, "Message": JSON_ERROR_MESSAGES.get(code, err.message), **err.extra}
        data = json.dumps(payload).encode()
        return f"{err.status} {REASONS.get(err.status, 'Error')}", [
            ("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", request_id)], data
    if req is not None and req.service == "s3":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(err.code)}</Code>'
                f"<Message>{escape(err.message)}</Message><RequestId>{request_id}</RequestId></Error>")
    else:
        ns = IAM_NS if req is not None and req.service == "iam" else STS_NS
        kind = "Sender" if err.sender else "Receiver"
        body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type><Code>{escape(err.code)}</Code>'
                f"<Message>{escape(err.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    data = body.encode()
    status = f"{err.status} {REASONS.get(err.status, 'Error')}"
    return status, [("Content-Type", "text/xml"), ("Content-Length", str(len(data))),
                    ("x-amzn-RequestId", request_id)], data


def json_response(payload: t.Any) -> Response:
    request_id = str(uuid.uuid4())
    body = json.dumps(payload).encode()
    return "200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))),
                      ("x-amzn-RequestId", request_id)], body


def xml_response(action: str, result: str, ns: str = STS_NS) -> Response:
    request_id = str(uuid.uuid4())
    body = (f'<{action}Response xmlns="{ns}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>").encode()
    return "200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body))),
                      ("x-amzn-RequestId", request_id)], body
