# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS emulator: moto's server behind a WSGI layer that behaves like IAM/STS.

moto serves every AWS API; this layer in front of it
- authenticates: the access key of every request must belong to a user or a live STS session
  (unknown -> InvalidClientTokenId, expired session -> ExpiredToken) and selects the account
  (``auth.py``),
- replaces AssumeRole with a real authorisation check (trust policy, identity policy, durations,
  MFA, session tags, source identity, propagation delay) and GetCallerIdentity (``sts.py``), and
  AssumeRoleWithWebIdentity with one that verifies OIDC tokens of a local issuer (``webidentity.py``,
  ``oidc.py``),
- normalises principals in trust policies the way IAM does (``iam.py``),
- answers the Organizations API for an emulated organization with up to 500 members: reads, the tree and
  accounts, service and resource control policies (``organization.py``, ``organizations.py``, ``orgwrites.py``,
  ``orgpolicies.py``, ``orgpolicyapi.py``), and enforces those policies on every call (``guardrails.py``),
- injects faults (throttling before, 500 after an applied write) and keeps a call log (here),
- serves a small admin API under /_emulator/ (``admin.py``).

Import this module only after MOTO_IAM_LOAD_MANAGED_POLICIES is set (``emulator.__main__`` does it),
because moto reads it when the IAM backends are created.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import threading
import time
import typing as t
from dataclasses import asdict

from emulator import policy as pol
from emulator.admin import AdminApi
from emulator.auth import Authenticator
from emulator.bootstrap import bootstrap, create_access_role, write_atomic
from emulator.guardrails import Guardrails
from emulator.iam import INLINE_POLICY_SIZE, TrustDocuments
from emulator.organization import DEFAULT_MEMBER_ACCOUNTS, Organization
from emulator.organizations import OrganizationsApi
from emulator.orgwrites import settle_closures
from emulator.patches import patch_moto
from emulator.state import PARTITION, Config, Session, now_iso
from emulator.sts import Sts
from emulator.webidentity import WebIdentity
from emulator.wsgi import AwsError, Request, Response, error_response, parse_request

LOG = logging.getLogger("emulator")


class Emulator:
    """The WSGI application: admin API + authentication + enforcement in front of moto."""

    def __init__(self, config: Config, member_accounts: int = DEFAULT_MEMBER_ACCOUNTS, invited_accounts: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        patch_moto()

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
        # The AWS config and credentials files written at start (path -> text): a reset writes them again,
        # so a profile one test added (aws_profile, the playbooks) is not seen by the next test.
        self.shared_files: dict[str, str] = {}
        # What the organization is rebuilt from on reset (the API changes it until then).
        self.org_options = {"member_accounts": member_accounts, "invited_accounts": invited_accounts}
        self.org = Organization(**self.org_options)
        # Generated member accounts whose IAM side (OrganizationAccountAccessRole) exists already.
        self.materialised: set[str] = set()
        self.admin = AdminApi(self)
        self.auth = Authenticator(self)
        self.sts = Sts(self)
        self.trust = TrustDocuments(self)
        self.organizations = OrganizationsApi(self)
        self.guardrails = Guardrails(self)
        self.web_identity = WebIdentity(self)
        bootstrap(self)

    # ------------------------------------------------------------------ state
    def iam(self, account: str) -> t.Any:
        """moto's IAM backend of an account (created on first use)."""
        from moto.iam.models import iam_backends

        self.materialise(account)
        return iam_backends[account][PARTITION]

    def iam_if_exists(self, account: str) -> t.Any:
        """moto's IAM backend of an account, or None if the account was never used."""
        from moto.iam.models import iam_backends

        self.materialise(account)
        per_account = dict.get(iam_backends, account)
        if per_account is None:
            return None
        return dict.get(per_account, PARTITION)

    def materialise(self, account: str) -> None:
        """Create a generated member's OrganizationAccountAccessRole the first time the account is touched.

        Done lazily so that 500 members cost nothing until used (an IAM backend costs ~20 ms and memory).
        """
        if account in self.materialised:
            return
        member = self.org.known(account)
        if member is None or not member.generated:
            return
        self.materialised.add(account)
        if member.access_role:
            create_access_role(self, account)

    def known_accounts(self) -> list[str]:
        from moto.iam.models import iam_backends

        return list(iam_backends.keys())

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
            self.materialised.clear()
            self.org = Organization(**self.org_options)
            self.config = Config(**asdict(self.initial_config))
            self.rng = random.Random(self.config.seed)
            bootstrap(self)
            for path, text in self.shared_files.items():
                write_atomic(path, text)

    # ------------------------------------------------------------ WSGI entry
    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/_emulator/") or path == "/_emulator":
            return self.admin(environ, start_response)
        if self.config.latency_ms:
            # Before the lock, so that parallel callers wait in parallel as they would on AWS.
            time.sleep(self.config.latency_ms / 1000.0)
        with self.lock:
            status, headers, body = self.handle_aws(environ)
        start_response(status, headers)
        return [body]

    def handle_aws(self, environ: dict[str, t.Any]) -> Response:
        req: Request | None = None
        account: str | None = None
        injected: str | None = None
        denial: dict[str, t.Any] | None = None
        settle_closures(self.org, time.time())
        try:
            req = parse_request(environ)
            # Like AWS, AssumeRoleWithWebIdentity needs no credentials (the token is the proof).
            if req.action == "AssumeRoleWithWebIdentity" and req.service in (None, "sts"):
                req.service = "sts"
                self.throttle()
                result = self.web_identity.assume(req)
            else:
                account, caller, session = self.auth.authenticate(req)
                self.throttle()
                result = self.dispatch(req, account, caller, session)
            status_code = int(result[0].split()[0])
            if (req.write and status_code < 400 and self.config.fail_after_write_rate
                    and self.rng.random() < self.config.fail_after_write_rate):
                injected = "500-after-write"
                raise AwsError(500, "InternalFailure", "We encountered an internal error. Please try again.", sender=False)
        except AwsError as err:
            injected = injected or err.injected
            denial = err.denial
            if err.code not in ("Throttling", "InternalFailure"):
                LOG.info("refused %s %s: %s %s", req.service if req else "?", req.action if req else "?", err.code, err.message)
            result = error_response(req, err)
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug here must look like an AWS 500 (and be logged), not kill the connection.
            LOG.exception("emulator error on %s %s", req.service if req else "?", req.action if req else "?")
            result = error_response(req, AwsError(500, "InternalFailure", "The emulator failed on this request (see its log).",
                                                  sender=False))
        self.record(req, account, result, injected, denial)
        return result

    def throttle(self) -> None:
        """Fault injection before a call: raise Throttling for a share of the calls (nothing is applied)."""
        if self.config.throttle_rate and self.rng.random() < self.config.throttle_rate:
            raise AwsError(400, "Throttling", "Rate exceeded", injected="throttle")

    def record(self, req: Request | None, account: str | None, result: Response, injected: str | None,
               denial: dict[str, t.Any] | None = None) -> None:
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
            "time": now_iso(now),
            "service": req.service if req else None,
            "action": req.action if req else None,
            "account": account,
            "access_key": req.access_key if req else None,
            "status": status,
            "error_code": error_code,
            "injected": injected,
            "write": bool(req and req.write),
            # Which kind of organization policy refused the call (SERVICE_CONTROL_POLICY / RESOURCE_CONTROL_POLICY)
            # and where: {"explicit", "target_id", "policy_id", "statement"}; null otherwise.
            "denied_by": denial["denied_by"] if denial else None,
            "guardrail": denial["guardrail"] if denial else None,
        })

    def dispatch(self, req: Request, account: str, caller: pol.Caller, session: Session | None) -> Response:
        if req.service == "sts" and req.action == "AssumeRole":
            # AssumeRole weighs the guardrails with its trust and identity checks, for each action it needs.
            return self.sts.assume_role(req, caller, session)
        self.guardrails.enforce(req, caller, session)
        if req.service == "sts" and req.action == "GetCallerIdentity":
            return self.sts.get_caller_identity(account, caller, session)
        if req.service == "organizations":
            return self.organizations.handle(req, account, caller, session)
        if req.service == "iam" and req.action in ("CreateRole", "UpdateAssumeRolePolicy"):
            return self.trust.write_trust_policy(req, account)
        if req.service == "iam" and req.action in ("CreatePolicy", "CreatePolicyVersion", *INLINE_POLICY_SIZE):
            self.trust.check_policy_size(req, account)
        if req.service == "iam" and req.action == "GetAccountSummary":
            return self.trust.account_summary(req, account)
        if req.service == "iam" and req.action in ("DeleteUser", "DeleteRole"):
            return self.trust.delete_principal(req, account)
        return self.forward(req, account)

    def forward(self, req: Request, account: str) -> Response:
        """Let moto answer the request, in the caller's account."""
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
