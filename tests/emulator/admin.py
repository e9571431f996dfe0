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

from emulator.state import ACCOUNTS, Config
from emulator.wsgi import read_body

if t.TYPE_CHECKING:
    from emulator.server import Emulator


class AdminApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def __call__(self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        code, payload = 200, {}
        emu = self.emu
        try:
            with emu.lock:
                if path == "/_emulator/health" and method == "GET":
                    payload = {"status": "ok", "accounts": ACCOUNTS, "config": asdict(emu.config)}
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
                    emu.config = candidate
                    if "seed" in values:
                        emu.rng = random.Random(emu.config.seed)
                    payload = asdict(emu.config)
                elif path == "/_emulator/reset" and method == "POST":
                    started = time.monotonic()
                    emu.reset()
                    payload = {"status": "reset", "seconds": round(time.monotonic() - started, 3)}
                else:
                    code, payload = 404, {"error": f"no admin endpoint {method} {path}"}
        except (ValueError, TypeError) as exc:
            code, payload = 400, {"error": str(exc)}
        body = json.dumps(payload).encode()
        start_response(f"{code} {'OK' if code == 200 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
