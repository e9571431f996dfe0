# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the emulator's admin API (standard library only, so any test can use it)."""

from __future__ import annotations

import json
import typing as t
import urllib.error
import urllib.parse
import urllib.request


class EmulatorError(RuntimeError):
    def __init__(self, message: str, payload: t.Any = None) -> None:
        super().__init__(message)
        self.payload = payload


class EmulatorClient:
    def __init__(self, endpoint_url: str, timeout: float = 30.0) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout

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
