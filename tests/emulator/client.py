# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the emulator's admin API (standard library only, so any test can use it), plus shortcuts to the
emulated organization's write API as the management account (those import boto3 when first used)."""

from __future__ import annotations

import json
import os
import tempfile
import typing as t
import urllib.error
import urllib.parse
import urllib.request


class EmulatorError(RuntimeError):
    def __init__(self, message: str, payload: t.Any = None) -> None:
        super().__init__(message)
        self.payload = payload


SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"


class EmulatorClient:
    def __init__(self, endpoint_url: str, timeout: float = 30.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout
        self._organizations: t.Any = None
        self._serial = 0

    def _call(self, method: str, path: str, payload: t.Any = None, query: t.Mapping[str, str] | None = None) -> t.Any:
        url = f"{self.endpoint_url}/_emulator/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec - loopback only
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
            raise EmulatorError(f"{method} {path}: HTTP {exc.code}: {text}", payload) from exc

    def health(self) -> dict[str, t.Any]:
        return self._call("GET", "health")

    def calls(self, service: str | None = None, action: str | None = None, account: str | None = None) -> list[dict[str, t.Any]]:
        """Logged AWS calls (oldest first), optionally only those of one service/action/account."""
        query = {k: v for k, v in (("service", service), ("action", action), ("account", account)) if v}
        return self._call("GET", "calls", query=query)["calls"]

    def write_calls(self, service: str | None = None, account: str | None = None) -> list[dict[str, t.Any]]:
        """Logged calls of write actions (Create*/Put*/Update*/Delete*/Attach*/...), whatever their outcome."""
        return [c for c in self.calls(service=service, account=account) if c["write"]]

    def clear_calls(self) -> int:
        return self._call("DELETE", "calls")["cleared"]

    def config(self) -> dict[str, t.Any]:
        return self._call("GET", "config")

    def configure(self, **options: t.Any) -> dict[str, t.Any]:
        """Change propagation_delay, time_scale, throttle_rate, fail_after_write_rate, seed, verify_signatures,
        latency_ms, trust_policy_size_quota or delegated_admins (until reset)."""
        return self._call("POST", "config", payload=options)

    def assume_role_as_service(self, service: str, role_arn: str, source_account: str | None = None,
                               source_arn: str | None = None, session_name: str = "service-session") -> dict[str, t.Any]:
        """AssumeRole by an AWS service principal (e.g. ``lambda.amazonaws.com``) on behalf of a resource.

        Returns the STS answer (``Credentials``, ``AssumedRoleUser``) or ``{"error": {"Code", "Message"}}``
        when STS refuses; the trust policy sees ``aws:SourceAccount`` / ``aws:SourceArn`` as given.
        """
        payload = {"service": service, "role_arn": role_arn, "session_name": session_name}
        if source_account is not None:
            payload["source_account"] = source_account
        if source_arn is not None:
            payload["source_arn"] = source_arn
        try:
            return self._call("POST", "assume-role-as-service", payload=payload)
        except EmulatorError as exc:
            if exc.payload and "error" in exc.payload:
                return exc.payload
            raise

    def oidc(self) -> dict[str, t.Any]:
        """The local OIDC issuer: ``{"issuer": URL, "jwks": {"keys": [...]}}``."""
        return self._call("GET", "oidc")

    def reset(self) -> None:
        """Wipe all AWS state, re-create the bootstrap principals, clear the log, restore the start-up config."""
        self._call("POST", "reset", payload={})

    def guardrail_denials(self) -> list[dict[str, t.Any]]:
        """Logged calls an organization policy refused: ``denied_by`` (the policy type) and ``guardrail``
        (``explicit``, ``target_id``, ``policy_id``, ``statement``)."""
        return [c for c in self.calls() if c.get("denied_by")]

    # ------------------------------------------------- accounts without an access role
    def create_access_role(self, account_id: str) -> dict[str, t.Any]:
        """Create OrganizationAccountAccessRole in a member that lacks it (an invited one): ``{"role_arn", "created"}``."""
        return self._call("POST", "access-role", payload={"account_id": account_id})

    def account_admin(self, account_id: str) -> dict[str, t.Any]:
        """Keys of an administrator user in a member account: ``{"account_id", "user_arn", "access_key_id",
        "secret_access_key"}`` (the same every call and after a reset)."""
        return self._call("POST", "account-admin", payload={"account_id": account_id})

    # ----------------------------------- the organization's write API, as the management account
    def organizations(self) -> t.Any:
        """A boto3 Organizations client of the management account's administrator (no retries)."""
        if self._organizations is None:
            import botocore.session
            from botocore.config import Config

            from emulator.state import BOOTSTRAP_USERS, MANAGEMENT_ACCOUNT, secret_for

            key = next(k for _p, account, _u, k, _a in BOOTSTRAP_USERS if account == MANAGEMENT_ACCOUNT)
            # A profile of its own in a throw-away config file: an AWS_PROFILE of the caller's environment must
            # neither be read nor break the client (ProfileNotFound).
            with tempfile.TemporaryDirectory() as scratch:
                config_file = os.path.join(scratch, "config")
                with open(config_file, "w", encoding="utf-8") as handle:
                    handle.write("[profile emulator-management]\nregion = us-east-1\n")
                core = botocore.session.Session()
                core.set_config_variable("config_file", config_file)
                core.set_config_variable("credentials_file", os.devnull)
                core.set_config_variable("profile", "emulator-management")
                self._organizations = core.create_client(
                    "organizations", region_name="us-east-1", endpoint_url=self.endpoint_url, aws_access_key_id=key,
                    aws_secret_access_key=secret_for(key), config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        return self._organizations

    def move_account(self, account_id: str, destination_parent_id: str) -> None:
        """MoveAccount from wherever the account is now."""
        client = self.organizations()
        source = client.list_parents(ChildId=account_id)["Parents"][0]["Id"]
        client.move_account(AccountId=account_id, SourceParentId=source, DestinationParentId=destination_parent_id)

    def create_ou(self, parent_id: str, name: str) -> str:
        return str(self.organizations().create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]["Id"])

    def close_account(self, account_id: str) -> None:
        self.organizations().close_account(AccountId=account_id)

    def remove_account(self, account_id: str) -> None:
        self.organizations().remove_account_from_organization(AccountId=account_id)

    def create_policy(self, document: t.Mapping[str, t.Any] | str, name: str, policy_type: str = SCP,
                      description: str = "") -> str:
        """CreatePolicy (an SCP unless ``policy_type`` says RCP); returns the policy id."""
        content = document if isinstance(document, str) else json.dumps(document)
        answer = self.organizations().create_policy(Content=content, Description=description, Name=name, Type=policy_type)
        return str(answer["Policy"]["PolicySummary"]["Id"])

    def attach_policy(self, policy_id: str, target_id: str) -> None:
        self.organizations().attach_policy(PolicyId=policy_id, TargetId=target_id)

    def detach_policy(self, policy_id: str, target_id: str) -> None:
        self.organizations().detach_policy(PolicyId=policy_id, TargetId=target_id)

    def guardrail(self, document: t.Mapping[str, t.Any] | str, target_id: str, policy_type: str = SCP,
                  name: str | None = None) -> str:
        """Create an SCP / RCP and attach it to a root, OU or account in one step; returns the policy id."""
        self._serial += 1
        policy_id = self.create_policy(document, name or f"guardrail-{self._serial}", policy_type)
        self.attach_policy(policy_id, target_id)
        return policy_id
