# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process execution: the same task run as a module and in the controller's process gives the same result.

Every case of the table runs twice in one playbook, once with ``crossaccount_aws_execution: module`` and once
with ``in_process``; the results as every callback receives them (a test callback logs them) and the lines the
default callback prints at -vvv must be equal, masking included. Cases are chosen so that the first run does not
change what the second sees (check mode, validation failures, reads, no-op updates); a case that writes a file
writes one per mode (``{{ crossaccount_aws_execution }}`` in its path), and the two paths are compared as one.
"""

from __future__ import annotations

import json
import os
import re
import stat
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible_runner import run_playbook

SOURCE = "111111111111"
TARGET = "222222222222"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
ROLE = "equivalence-role"
ROLE_ARN = f"arn:aws:iam::{TARGET}:role/{ROLE}"

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "sts:AssumeRole"}]}

# (case, module, arguments, task keywords): the connection comes from module_defaults (target-admin) unless the
# arguments name one.
CASES: list[tuple[str, str, dict[str, t.Any], dict[str, t.Any]]] = [
    ("target_role create in check and diff mode", "target_role",
     {"name": "equivalence-new", "trusted_account_ids": [SOURCE], "external_id": "equiv-ext-1", "managed_policies": ["ReadOnlyAccess"],
      "tags": {"team": "blue"}}, {"check_mode": True, "diff": True}),
    ("target_role no-op update with a lint warning", "target_role", {"name": ROLE, "trusted_account_ids": [SOURCE]}, {}),
    ("target_role out-of-range option", "target_role", {"name": ROLE, "max_session_duration": 99}, {}),
    ("unknown option carrying a secret", "trust_policy", {"role_name": ROLE, "aws_secret_key_id": SECRET}, {}),
    ("NUL character in an option", "trust_policy", {"role_name": "bad\u0000name"}, {}),
    ("connection dict given as a list", "verify_access", {"target_aws": [f"secret_key={SECRET}"]}, {}),
    ("profile and keys together", "trust_policy", {"role_name": ROLE, "profile": "target-admin", "access_key": "AKIAEXAMPLE",
                                                   "secret_key": SECRET}, {}),
    ("option and its alias both set", "trust_policy", {"role_name": ROLE, "trusted_account_ids": [SOURCE], "profile": "target-admin",
                                                       "aws_profile": "target-admin"}, {}),
    ("mutually exclusive options", "trust_policy", {"role_name": ROLE, "policy": TRUST, "trusted_account_ids": [SOURCE]}, {}),
    ("AWS error on a missing role", "trust_policy", {"role_name": "no-such-role", "trusted_account_ids": [SOURCE]}, {}),
    ("trust_policy change in check and diff mode", "trust_policy",
     {"role_name": ROLE, "trusted_account_ids": [SOURCE], "external_id": "equiv-ext-2"}, {"check_mode": True, "diff": True}),
    ("source_policy create in check mode", "source_policy",
     {"name": "equivalence-policy", "target_role_arns": [ROLE_ARN], "users": ["emulator-admin"], "profile": "source-admin"},
     {"check_mode": True, "diff": True}),
    ("assume_role credentials are censored", "assume_role",
     {"role_arn": ROLE_ARN, "role_session_name": "equivalence", "profile": "source-admin"}, {}),
    ("verify_access identity check", "verify_access",
     {"role_arn": ROLE_ARN, "role_session_name": "equivalence", "expected_account_id": TARGET, "profile": "source-admin"}, {}),
    ("verify_access denial with a diagnosis", "verify_access",
     {"role_arn": ROLE_ARN, "role_session_name": "equivalence", "external_id": "wrong-external-id", "wait_timeout": 0,
      "profile": "source-admin", "target_aws": {"profile": "target-admin"}}, {}),
    ("oidc_provider create in check mode", "oidc_provider",
     {"url": "https://token.actions.githubusercontent.com", "client_ids": ["sts.amazonaws.com"]}, {"check_mode": True}),
    ("trust_report of the target account", "trust_report", {"known_account_ids": [SOURCE]}, {}),
    ("aws_profile credentials in check and diff mode, the secret masked", "aws_profile",
     {"name": "equivalence", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE00", "secret_key": SECRET,
      "credentials_file": "{{ profile_dir }}/credentials"}, {"check_mode": True, "diff": True}),
    ("aws_profile writes a role profile into a new config file", "aws_profile",
     {"name": "equivalence", "role_arn": ROLE_ARN, "source_profile": "source-admin", "region": "us-east-1",
      "config_file": "{{ profile_dir }}/{{ crossaccount_aws_execution }}/config"}, {"diff": True}),
    ("aws_profile refuses a secret for a role profile", "aws_profile",
     {"name": "equivalence", "role_arn": ROLE_ARN, "source_profile": "source-admin", "secret_key": SECRET,
      "config_file": "{{ profile_dir }}/refused/config"}, {}),
]
# aws_profile's files (the extra variable profile_dir); a case that writes puts each mode's file in a directory of its own.
MODES = ("module", "in_process")


def _playbook() -> str:
    tasks = [{
        "name": "Set up the role the cases read",
        "crossaccount.aws.target_role": {"name": ROLE, "trusted_account_ids": [SOURCE]},
    }]
    for case, module, args, keywords in CASES:
        for mode in MODES:
            tasks.append({
                "name": f"{case} [{mode}]",
                f"crossaccount.aws.{module}": args,
                "vars": {"crossaccount_aws_execution": mode},
                "ignore_errors": True,
                **keywords,
            })
    play = {
        "name": "The same tasks both ways",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/crossaccount.aws.aws": {"profile": "target-admin"}},
        "tasks": tasks,
    }
    # YAML, one task per block of lines: ansible-core shows an identical error only once, and each task's origin
    # (its line) keeps the two runs' errors distinct.
    return yaml.safe_dump([play], sort_keys=False, width=1000)


# Values that differ from one AssumeRole call to the next.
VOLATILE = ("access_key", "secret_key", "session_token", "expiration", "assumed_role_id")


def _stable(value: t.Any, under_credentials: bool = False) -> t.Any:
    if isinstance(value, dict) and isinstance(value.get("exception"), str) and "File " in value["exception"]:
        # A traceback (ansible-core < 2.19 at -vvv) names the files of the process that failed: compare its presence.
        value = {**value, "exception": "<traceback>"}
    if isinstance(value, dict):
        return {key: ("<volatile>" if under_credentials and key in VOLATILE else _stable(item, under_credentials or key in ("credentials", "assumed_role")))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_stable(item, under_credentials) for item in value]
    return value


def _display_blocks(stdout: str) -> dict[str, list[str]]:
    """The lines the default callback printed for each task, by task name."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        header = re.match(r"TASK \[(.*)\] \**$", line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        elif line.startswith(("PLAY RECAP", "PLAY [")):
            current = None
        elif current is not None:
            current.append(line)
    return blocks


# What only the module process prints at -vvv: its transfer and execution on the (local) host.
MODULE_PROCESS_LINES = re.compile(r"^(<localhost> (EXEC|PUT|ESTABLISH)|Using module file)")


def _one_place(text: str, profile_dir: str) -> str:
    """``text`` with each mode's own directory of written files named as one."""
    for mode in MODES:
        text = text.replace(f"{profile_dir}/{mode}/", f"{profile_dir}/<mode>/")
    return text


@pytest.fixture(scope="module")
def both_ways(emulator: t.Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, t.Any]:
    emulator.reset()
    log = tmp_path_factory.mktemp("equivalence") / "results.jsonl"
    profile_dir = str(tmp_path_factory.mktemp("profiles"))
    env = {"ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS), "ANSIBLE_CALLBACKS_ENABLED": "result_log", "RESULT_LOG_PATH": str(log)}
    # execution="": no run-wide mode (an extra var would override the per-task modes this table compares).
    proc = run_playbook(emulator, _playbook(), verbosity=3, env=env, extra_vars={"profile_dir": profile_dir}, execution="")
    records = [json.loads(_one_place(line, profile_dir)) for line in log.read_text(encoding="utf-8").splitlines()]
    return {"proc": proc, "records": {record["task"]: record for record in records}, "profile_dir": profile_dir,
            "display": _display_blocks(_one_place(proc.stdout, profile_dir))}


@pytest.mark.smoke
@pytest.mark.parametrize("case", [case for case, *_rest in CASES])
def test_same_result_both_ways(both_ways: dict[str, t.Any], case: str) -> None:
    module = both_ways["records"][f"{case} [module]"]
    in_process = both_ways["records"][f"{case} [in_process]"]
    assert in_process["status"] == module["status"]
    assert _stable(in_process["result"]) == _stable(module["result"])


def test_aws_profile_writes_the_same_file_both_ways(both_ways: dict[str, t.Any]) -> None:
    written = {mode: Path(both_ways["profile_dir"], mode, "config") for mode in MODES}
    assert written["in_process"].read_bytes() == written["module"].read_bytes()
    assert f"role_arn = {ROLE_ARN}" in written["module"].read_text(encoding="utf-8")
    for path in written.values():
        assert (stat.S_IMODE(path.stat().st_mode), stat.S_IMODE(path.parent.stat().st_mode)) == (0o600, 0o700)
    # Check mode and the refused case wrote nothing.
    assert sorted(os.listdir(both_ways["profile_dir"])) == sorted(MODES)


@pytest.mark.smoke
@pytest.mark.parametrize("case", [case for case, *_rest in CASES])
def test_same_display_at_vvv_and_no_module_process(both_ways: dict[str, t.Any], case: str) -> None:
    module = both_ways["display"][f"{case} [module]"]
    in_process = both_ways["display"][f"{case} [in_process]"]
    assert any(line.startswith("<localhost> EXEC") for line in module), "the module run started no process"
    assert not [line for line in in_process if MODULE_PROCESS_LINES.match(line)], "the in-process run started a module process"

    def shown(lines: list[str]) -> list[str]:
        # The task's own line number and source lines (its origin) differ between the two tasks.
        kept = [line for line in lines if not MODULE_PROCESS_LINES.match(line) and not re.match(r"^ *(\d+ |\^ column)", line)]
        return [re.sub(r"\.yml:\d+(:\d+)?", ".yml:N", line.replace("[module]", "[mode]").replace("[in_process]", "[mode]")) for line in kept]

    volatile = re.compile(r'"(expiration|assumed_role_id)": "[^"]*"')

    def comparable(lines: list[str]) -> list[str]:
        # A traceback's lines name the files of the process that failed (ansible-core < 2.19 prints one at -vvv).
        kept, in_traceback = [], False
        for line in shown(lines):
            if line == "The full traceback is:":
                in_traceback = True
                kept.append(line)
            elif in_traceback and (line.startswith("  ") or not line):
                continue
            else:
                in_traceback = False
                kept.append(volatile.sub("", re.sub(r'"exception": "  File .*"', '"exception": "<traceback>"', line)))
        return kept

    assert comparable(in_process) == comparable(module)


@pytest.mark.smoke
def test_no_secret_in_either_output(both_ways: dict[str, t.Any]) -> None:
    proc = both_ways["proc"]
    assert SECRET not in proc.stdout + proc.stderr
    for record in both_ways["records"].values():
        if "credentials" in record["result"]:
            assert record["result"]["_ansible_no_log"] is True


def _one_task(module: str, args: dict[str, t.Any], **keywords: t.Any) -> str:
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "the task", f"crossaccount.aws.{module}": args, **keywords}]}
    return yaml.safe_dump([play], sort_keys=False)


def test_environment_keyword_reaches_the_sdk_in_process(emu: t.Any) -> None:
    # No connection option: the profile comes from the task's environment, as a module process would get it.
    playbook = _one_task("trust_report", {}, environment={"AWS_PROFILE": "target-admin"}, register="report")
    proc = run_playbook(emu, playbook.replace("    register: report", "    register: report\n  - ansible.builtin.assert: {that: [report.roles | length > 0]}"),
                        verbosity=3, execution="in_process")
    assert proc.rc == 0, proc.stdout
    assert "<localhost> EXEC" not in proc.stdout


@pytest.mark.parametrize("value", ["in-process", "modules", "yes"])
def test_unknown_execution_mode_is_refused_naming_the_variable(emu: t.Any, value: str) -> None:
    proc = run_playbook(emu, _one_task("trust_report", {"profile": "target-admin"}), extra_vars={"crossaccount_aws_execution": value})
    assert proc.rc != 0
    assert f"crossaccount_aws_execution: must be one of auto, module, in_process, got '{value}'" in proc.stdout
    assert not emu.client.calls(service="iam")


def test_become_runs_as_a_module_or_is_refused_in_process(emu: t.Any) -> None:
    # become with sudo from root to root works here: the task really runs, as a module process.
    args = {"profile": "target-admin"}
    auto = run_playbook(emu, _one_task("trust_report", args, become=True, become_method="su", become_user="root"), verbosity=3)
    assert auto.rc == 0, auto.stdout
    assert "<localhost> EXEC" in auto.stdout
    pinned = run_playbook(emu, _one_task("trust_report", args, become=True, become_method="su", become_user="root"),
                          execution="in_process")
    assert pinned.rc != 0
    assert "crossaccount_aws_execution=in_process: this task cannot run in the controller's process: it uses become" in pinned.stdout


def test_aws_profile_under_become_writes_as_the_become_user_in_a_module_process(emu: t.Any, tmp_path: Path) -> None:
    # The file is written by whoever become names: that must be a process of that user, never the controller's worker.
    config = tmp_path / "config"
    args = {"name": "become", "role_arn": ROLE_ARN, "source_profile": "source-admin", "config_file": str(config)}
    proc = run_playbook(emu, _one_task("aws_profile", args, become=True, become_method="su", become_user="root"), verbosity=3)
    assert proc.rc == 0, proc.stdout
    assert "<localhost> EXEC" in proc.stdout
    assert "[profile become]" in config.read_text(encoding="utf-8")


def test_remote_connection_runs_as_a_module_or_is_refused_in_process(emu: t.Any) -> None:
    # An ssh connection to a closed port: a module run tries to reach the host (unreachable); in_process refuses.
    keywords = {"vars": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_ssh_timeout": 2}}
    auto = run_playbook(emu, _one_task("trust_report", {"profile": "target-admin"}, **keywords))
    assert auto.rc != 0
    assert "UNREACHABLE" in auto.stdout
    pinned = run_playbook(emu, _one_task("trust_report", {"profile": "target-admin"}, **keywords), execution="in_process")
    assert "its connection is 'ssh', not local" in pinned.stdout
    assert not emu.client.calls(service="iam")


def test_async_runs_as_a_module(emu: t.Any) -> None:
    playbook = _one_task("trust_report", {"profile": "target-admin"}, register="job", **{"async": 60, "poll": 2})
    proc = run_playbook(emu, playbook, verbosity=3)
    assert proc.rc == 0, proc.stdout
    assert "async_wrapper" in proc.stdout
    refused = run_playbook(emu, playbook, execution="in_process")
    assert "this task cannot run in the controller's process: it runs async" in refused.stdout
