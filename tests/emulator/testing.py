# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the emulator as a child process (used by the pytest fixtures and by scripts).

Standard library only (plus boto3 for the optional ``session()`` helper), so any test suite can use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from emulator.client import EmulatorClient

TESTS_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


def clean_environ(extra: t.Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any AWS_* variable (a developer's real credentials must never leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    if extra:
        env.update(extra)
    return env


@dataclass
class RunningEmulator:
    endpoint_url: str
    state_dir: str
    config_file: str
    credentials_file: str
    client: EmulatorClient
    env: dict[str, str]
    info: dict[str, t.Any]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _sessions: dict[str, t.Any] = field(default_factory=dict, repr=False)
    _loader: t.Any = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return int(self.info["port"])

    @property
    def accounts(self) -> dict[str, str]:
        return dict(self.info["accounts"])

    @property
    def log_file(self) -> str:
        return os.path.join(self.state_dir, "emulator.log")

    def session(self, profile: str | None) -> t.Any:
        """A boto3 Session for one of the emulator's profiles (None: no profile), without touching os.environ.

        Sessions are cached (creating one costs a tenth of a second) and dropped by ``reset()``,
        because the emulator forgets the sessions it issued then.
        """
        key = profile or ""
        if key not in self._sessions:
            import boto3
            import botocore.loaders
            import botocore.session

            if self._loader is None:
                self._loader = botocore.loaders.create_loader()
            core = botocore.session.Session()
            core.register_component("data_loader", self._loader)
            core.set_config_variable("config_file", self.config_file)
            core.set_config_variable("credentials_file", self.credentials_file)
            if profile:
                core.set_config_variable("profile", profile)
            self._sessions[key] = boto3.Session(botocore_session=core, region_name=None if profile else "us-east-1")
        return self._sessions[key]

    def aws(self, service: str, profile: str | None = None, credentials: t.Mapping[str, str] | None = None,
            max_attempts: int = 1) -> t.Any:
        """A boto3 client for ``service`` from a profile (default source-admin), or from explicit credentials.

        ``credentials`` is either the ``Credentials`` dict of an STS answer (AccessKeyId, SecretAccessKey,
        SessionToken) or ``access_key``/``secret_key``/``session_token``. ``max_attempts=1`` (no retries)
        by default so a test sees exactly what the emulator answered.
        """
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "total_max_attempts": max_attempts})
        if credentials is None:
            return self.session(profile or "source-admin").client(service, config=config)
        creds = dict(credentials)
        return self.session(None).client(
            service,
            endpoint_url=self.endpoint_url,
            config=config,
            aws_access_key_id=creds.get("AccessKeyId", creds.get("access_key")),
            aws_secret_access_key=creds.get("SecretAccessKey", creds.get("secret_key")),
            aws_session_token=creds.get("SessionToken", creds.get("session_token")),
        )

    def reset(self) -> None:
        self.client.reset()
        self._sessions.clear()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def start_emulator(state_dir: str | os.PathLike[str], *options: str, python: str | None = None,
                   timeout: float = START_TIMEOUT) -> RunningEmulator:
    """Start ``python -m emulator`` in ``state_dir`` and wait until it is ready.

    ``options`` are extra command-line options, e.g. ``"--propagation-delay", "2"``.
    """
    state = os.path.abspath(os.fspath(state_dir))
    os.makedirs(state, mode=0o700, exist_ok=True)
    info_file = os.path.join(state, "emulator.json")
    if os.path.exists(info_file):
        os.unlink(info_file)
    env = clean_environ()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS_DIR), env.get("PYTHONPATH", "")) if p)
    cmd = [python or sys.executable, "-m", "emulator", "--state-dir", state, "--exit-with-parent", *options]
    with open(os.path.join(state, "emulator.log"), "ab") as log:
        process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=state)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + timeout
    while not os.path.exists(info_file):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait()
            with open(os.path.join(state, "emulator.log"), encoding="utf-8", errors="replace") as handle:
                tail = handle.read()[-3000:]
            raise RuntimeError(f"emulator did not start (rc={process.returncode}); log:\n{tail}")
        time.sleep(0.05)
    with open(info_file, encoding="utf-8") as handle:
        info = json.load(handle)
    aws_env = {
        "AWS_CONFIG_FILE": info["config_file"],
        "AWS_SHARED_CREDENTIALS_FILE": info["credentials_file"],
        # Without credentials botocore would otherwise wait for the EC2 metadata service.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return RunningEmulator(
        endpoint_url=info["endpoint_url"],
        state_dir=state,
        config_file=info["config_file"],
        credentials_file=info["credentials_file"],
        client=EmulatorClient(info["endpoint_url"]),
        env=clean_environ(aws_env),
        info=info,
        process=process,
    )
