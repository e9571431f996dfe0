# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admin API under /_emulator/ (JSON; never logged, never fault-injected)."""

from __future__ import annotations

import json
import random
import time
import typing as t
from dataclasses import asdict
from urllib.parse import parse_qsl

from emulator import oidc
from emulator.bootstrap import add_user, create_access_role
from emulator.organization import ACCESS_ROLE_NAME, ORGANIZATION_ID
from emulator.state import ACCOUNTS, MANAGEMENT_ACCOUNT, PARTITION, Config, secret_for
from emulator.wsgi import AwsError, read_body

if t.TYPE_CHECKING:
    from emulator.server import Emulator


class AdminApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        code, payload = 200, t.cast("dict[str, t.Any]", {})
        emu = self.emu
        try:
            with emu.lock:
                if path == "/_emulator/health" and method == "GET":
                    payload = {"status": "ok", "accounts": ACCOUNTS, "config": asdict(emu.config),
                               "organization": {"id": ORGANIZATION_ID, "management_account": MANAGEMENT_ACCOUNT,
                                                "member_accounts": emu.org.member_count,
                                                "invited_accounts": emu.org.invited_count,
                                                "materialised_accounts": len(emu.materialised)}}
                elif path == "/_emulator/calls" and method == "GET":
                    calls = [c for c in emu.calls if all(
                        query.get(k) in (None, "", str(c.get(k))) for k in ("service", "action", "account"))]
                    payload = {"calls": calls}
                elif path == "/_emulator/calls" and method == "DELETE":
                    payload = {"cleared": len(emu.calls)}
                    emu.calls.clear()
                elif path == "/_emulator/config" and method == "GET":
                    payload = asdict(emu.config)
                elif path == "/_emulator/config" and method == "POST":
                    values = json.loads(read_body(environ) or b"{}")
                    if not isinstance(values, dict):
                        raise ValueError("the body must be a JSON object")
                    candidate = Config(**asdict(emu.config))
                    candidate.update(values)
                    for account in candidate.delegated_admins:
                        if not emu.org.is_member(account) or account == MANAGEMENT_ACCOUNT:
                            raise ValueError(f"delegated admin {account} is not a member account of the organization")
                    emu.config = candidate
                    if "seed" in values:
                        emu.rng = random.Random(emu.config.seed)
                    payload = asdict(emu.config)
                elif path == "/_emulator/oidc" and method == "GET":
                    payload = {"issuer": oidc.ISSUER, "jwks": oidc.jwks()}
                elif path == "/_emulator/assume-role-as-service" and method == "POST":
                    code, payload = self.assume_role_as_service(json.loads(read_body(environ) or b"{}"))
                elif path == "/_emulator/access-role" and method == "POST":
                    payload = self.access_role(json.loads(read_body(environ) or b"{}"))
                elif path == "/_emulator/account-admin" and method == "POST":
                    payload = self.account_admin(json.loads(read_body(environ) or b"{}"))
                elif path == "/_emulator/reset" and method == "POST":
                    started = time.monotonic()
                    emu.reset()
                    payload = {"status": "reset", "seconds": round(time.monotonic() - started, 3)}
                else:
                    code, payload = 404, {"error": f"no admin endpoint {method} {path}"}
        except (ValueError, TypeError) as exc:
            code, payload = 400, {"error": str(exc)}
        body = json.dumps(payload).encode()
        reason = {200: "OK", 403: "Forbidden", 404: "Not Found"}.get(code, "Error")
        start_response(f"{code} {reason}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def assume_role_as_service(self, values: t.Any) -> tuple[int, dict[str, t.Any]]:
        """POST /_emulator/assume-role-as-service: 200 with the STS answer, or 403/400 with AWS's error."""
        if not isinstance(values, dict) or not isinstance(values.get("service"), str) or not isinstance(values.get("role_arn"), str):
            raise ValueError("the body must be a JSON object with 'service' and 'role_arn'")
        unknown = set(values) - {"service", "role_arn", "session_name", "source_account", "source_arn", "duration_seconds"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        try:
            answer = self.emu.sts.assume_role_as_service(
                values["service"], values["role_arn"], session_name=values.get("session_name", "service-session"),
                source_account=values.get("source_account"), source_arn=values.get("source_arn"),
                duration=int(values.get("duration_seconds", 3600)))
        except AwsError as err:
            return err.status, {"error": {"Code": err.code, "Message": err.message}}
        return 200, answer

    def member_account(self, values: t.Any) -> str:
        """The ``account_id`` of a body: an account of the organization (or one that left it), not the management account."""
        if not isinstance(values, dict) or set(values) != {"account_id"} or not isinstance(values["account_id"], str):
            raise ValueError("the body must be a JSON object with exactly 'account_id'")
        account = values["account_id"]
        if account == MANAGEMENT_ACCOUNT or self.emu.org.known(account) is None:
            raise ValueError(f"{account} is not a member account of the organization")
        return account

    def access_role(self, values: t.Any) -> dict[str, t.Any]:
        """POST /_emulator/access-role: create OrganizationAccountAccessRole in a member that lacks it (an invited one),
        as the collection's CloudFormation template would; idempotent."""
        account = self.member_account(values)
        backend = self.emu.iam(account)
        created = not any(r.name == ACCESS_ROLE_NAME for r in backend.roles.values())
        if created:
            create_access_role(self.emu, account)
        member = self.emu.org.known(account)
        if member is not None:
            member.access_role = True
        return {"role_arn": self.emu.org.access_role_arn(account), "created": created}

    def account_admin(self, values: t.Any) -> dict[str, t.Any]:
        """POST /_emulator/account-admin: keys of an administrator user ``emulator-admin`` in a member account (made on
        first call; the same keys every time) -- the way into an account without an access role."""
        account = self.member_account(values)
        key_id = f"AKIAEMU{account}A"
        backend = self.emu.iam(account)
        if "emulator-admin" not in backend.users:
            add_user(self.emu, account, "emulator-admin", key_id, admin=True)
        return {"account_id": account, "user_arn": f"arn:{PARTITION}:iam::{account}:user/emulator-admin",
                "access_key_id": key_id, "secret_access_key": secret_for(key_id)}
