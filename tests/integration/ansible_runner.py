# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's modules and playbooks as real processes against the emulator.

``run_module(emu, "target_role", {...}, profile="target-admin")`` -> the module's JSON result.
``run_playbook(emu, "playbook.yml" or YAML text, extra_vars={...})`` -> CompletedProcess
(also unpacks as ``rc, stdout, stderr``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import typing as t
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = REPO_ROOT / "build" / "collections"
COLLECTION_LINK = COLLECTIONS_PATH / "ansible_collections" / "crossaccount" / "aws"
MODULE_PACKAGE = "ansible_collections.crossaccount.aws.plugins.modules"
MODULE_TIMEOUT = 180
PLAYBOOK_TIMEOUT = 600
# Where a suite runs the collection's modules (the variable crossaccount_aws_execution): `make integration`
# leaves it unset (auto: in the controller's process), `make integration-2.21` sets "module", so that every
# playbook test runs both ways across the two suites. run_playbook(execution=...) pins one way for a test.
EXECUTION_ENV = "CROSSACCOUNT_AWS_TEST_EXECUTION"


def ensure_collection_link() -> Path:
    """build/collections/ansible_collections/crossaccount/aws -> the repository root (relative link)."""
    if not COLLECTION_LINK.exists():
        COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Relative, so the tree keeps working in a clone at another path.
            os.symlink(os.path.join("..", "..", "..", ".."), COLLECTION_LINK)
        except FileExistsError:
            pass  # another pytest worker made it first
    return COLLECTIONS_PATH


def _cli_env(emu: t.Any) -> dict[str, str]:
    """The environment of an Ansible command over the emulator: the collection through its link (not PYTHONPATH), no
    colours, temporary files in the emulator's state directory."""
    env = dict(emu.env)
    env.pop("PYTHONPATH", None)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(ensure_collection_link()),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(emu.state_dir, "ansible-tmp"),
    })
    return env


def inventory_env(emu: t.Any, **extra: str) -> dict[str, str]:
    """The environment of an ``ansible-inventory`` run over the collection's organization_accounts plugin."""
    env = _cli_env(emu)
    # Only this plugin, and an unparsable source is an error: ansible-inventory otherwise falls back to the implicit
    # localhost and exits 0.
    env.update({"ANSIBLE_INVENTORY_ENABLED": "crossaccount.aws.organization_accounts", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"})
    env.update(extra)
    return env


def inventory_text(value: t.Any) -> t.Any:
    """A value of `ansible-inventory --list` with Ansible's marker of never-templated text taken off.

    The collection's inventory plugin marks every value read from AWS that way, so ``--list`` shows each one as
    ``{"__ansible_unsafe": "text"}``.
    """
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {inventory_text(key): inventory_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [inventory_text(item) for item in value]
    return value


class PlaybookResult(subprocess.CompletedProcess):  # type: ignore[type-arg]
    """A CompletedProcess that also unpacks as (rc, stdout, stderr)."""

    def __iter__(self) -> t.Iterator[t.Any]:
        return iter((self.returncode, self.stdout, self.stderr))

    @property
    def rc(self) -> int:
        return self.returncode


def _env(emu: t.Any, env: t.Mapping[str, str] | None) -> dict[str, str]:
    result = dict(emu.env)
    result["PYTHONPATH"] = str(ensure_collection_link())
    if env:
        result.update(env)
    return result


def _parse_module_output(stdout: str) -> dict[str, t.Any] | None:
    # Modules print one JSON document; anything a library printed before it is skipped.
    for start in [i for i, c in enumerate(stdout) if c == "{" and (i == 0 or stdout[i - 1] == "\n")]:
        try:
            data = json.loads(stdout[start:])
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def run_module(emu: t.Any, module_name: str, args: t.Mapping[str, t.Any] | None = None, check: bool = False, diff: bool = False,
               profile: str | None = None, env: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Run plugins/modules/<module_name>.py in its own process with an args file; return its JSON result.

    ``profile`` sets the module's ``profile`` option (an emulator profile such as ``target-admin``).
    A crash (no JSON) comes back as ``{"failed": True, "msg": ..., "rc": ..., "stdout": ..., "stderr": ...}``.
    """
    module_args = dict(args or {})
    if profile is not None:
        module_args["profile"] = profile
    with tempfile.TemporaryDirectory(prefix="module-", dir=emu.state_dir) as tmp:
        module_args.update({
            "_ansible_check_mode": check,
            "_ansible_diff": diff,
            "_ansible_module_name": f"crossaccount.aws.{module_name}",
            "_ansible_tmpdir": tmp,
            "_ansible_remote_tmp": tmp,
            "_ansible_keep_remote_files": False,
            "_ansible_verbosity": 0,
        })
        args_file = os.path.join(tmp, "args.json")
        with open(args_file, "w", encoding="utf-8") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        # "-m" from a neutral directory: running the file directly would put plugins/modules on
        # sys.path, where a module name could shadow a standard library module.
        proc = subprocess.run([sys.executable, "-m", f"{MODULE_PACKAGE}.{module_name}", args_file], env=_env(emu, env), cwd=tmp,
                              capture_output=True, text=True, timeout=MODULE_TIMEOUT, check=False)
    result = _parse_module_output(proc.stdout)
    if result is None:
        return {"failed": True, "msg": f"module {module_name} printed no JSON result (rc={proc.returncode})", "rc": proc.returncode,
                "stdout": proc.stdout, "stderr": proc.stderr}
    if proc.returncode != 0:
        result.setdefault("failed", True)
    result.setdefault("failed", False)
    result.setdefault("changed", False)
    return result


def run_playbook(emu: t.Any, playbook: str | os.PathLike[str], extra_vars: t.Mapping[str, t.Any] | None = None, verbosity: int = 0,
                 check: bool = False, diff: bool = False, env: t.Mapping[str, str] | None = None,
                 extra_args: t.Sequence[str] = (), execution: str | None = None, ansible_playbook: str | None = None) -> PlaybookResult:
    """Run ansible-playbook (from this interpreter's venv) against localhost with the emulator's env.

    ``playbook`` is a path, or YAML text (written to a temporary file in the emulator's state dir).
    ``execution`` (auto, module, in_process) sets crossaccount_aws_execution as an extra var; by default the
    suite's choice (EXECUTION_ENV) applies, and nothing when that is unset; "" sets nothing whatever the suite says.
    ``ansible_playbook`` runs another environment's ansible-playbook (the benchmarks' Mitogen environment).
    """
    path = os.fspath(playbook)
    if "\n" in path or not os.path.exists(path):
        playbooks = os.path.join(emu.state_dir, "playbooks")
        os.makedirs(playbooks, exist_ok=True)
        text = path
        path = os.path.join(playbooks, f"play-{uuid.uuid4().hex[:12]}.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    ansible_playbook = ansible_playbook or os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    cmd = [ansible_playbook, "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter={{ ansible_playbook_python }}"]
    if execution is None:
        execution = os.environ.get(EXECUTION_ENV) or None
    if execution:
        cmd += ["-e", json.dumps({"crossaccount_aws_execution": execution})]
    if extra_vars:
        cmd += ["-e", json.dumps(dict(extra_vars))]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    cmd += list(extra_args)
    cmd.append(path)
    run_env = _cli_env(emu)
    run_env.update({
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_REMOTE_TEMP": run_env["ANSIBLE_LOCAL_TEMP"],
    })
    if env:
        run_env.update(env)
    proc = subprocess.run(cmd, env=run_env, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
    return PlaybookResult(proc.args, proc.returncode, proc.stdout, proc.stderr)
