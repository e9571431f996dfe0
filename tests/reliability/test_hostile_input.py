# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile and malformed input (issue 6): every case of hostile_cases.py fails, names the option, shows no
Python traceback and makes no write call (for what can be judged offline: no AWS call at all).

Module cases run one module process each. Lookup and role cases are batched, one ansible-playbook run per
kind: every case is its own block whose rescue records ``ansible_failed_result`` under the case id, so each
failure stays distinct and checkable while the playbook start-up cost is paid once.
"""

from __future__ import annotations

import json
import os
import typing as t
from pathlib import Path

import pytest
from integration.ansible_runner import run_module, run_playbook

from reliability.conftest import record_summary
from reliability.hostile_cases import FIXED_FINDINGS, LOOKUP_CASES, MODULE_CASES, OPEN_FINDINGS, ROLE_CASES, LookupCase, ModuleCase, RoleCase

TRACEBACK = "Traceback (most recent call last)"
LOOKUP = "crossaccount.aws.assumed_credentials"


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert TRACEBACK not in text, text[-3000:]


def _result_has_no_traceback(result: t.Mapping[str, t.Any]) -> None:
    dumped = json.dumps(result, default=str)
    assert TRACEBACK not in dumped, dumped[:3000]
    # ansible-core puts a formatted traceback under "exception" when something crashed; a clean
    # validation failure has none (or only a short, non-traceback text).
    exception = result.get("exception")
    assert not exception or "File \"" not in str(exception), exception


def _names_option(message: str, option: str) -> None:
    # Our validators start the message with the option (possibly indexed, "name[0]:" / "name.key:");
    # Ansible's own type and choice checks name it inside the sentence ("argument 'x' is of type ...").
    assert option in message, f"message does not name {option!r}: {message!r}"


# ---------------------------------------------------------------------------------------------- modules
@pytest.fixture
def calm(emulator: t.Any) -> t.Any:
    """The worker's emulator with an empty call log and no fault injection.

    Rejected input writes nothing, so a full reset (which re-creates the bootstrap principals) is only
    needed when another test left faults configured; skipping it keeps 100+ module runs cheap.
    """
    config = emulator.client.config()
    if config.get("throttle_rate") or config.get("fail_after_write_rate") or config.get("propagation_delay"):
        emulator.reset()
    else:
        emulator.client.clear_calls()
    return emulator


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in MODULE_CASES])
def test_hostile_module_input(calm: t.Any, tmp_path: Path, case: ModuleCase) -> None:
    emu = calm
    args = dict(case.args)
    profiles = tmp_path / "aws"
    if case.module == "aws_profile":
        # Never the emulator's shared files: a case that slipped through must not rewrite them.
        args.setdefault("config_file", str(profiles / "config"))
        args.setdefault("credentials_file", str(profiles / "credentials"))
    result = run_module(emu, case.module, args, profile=case.profile)
    assert result["failed"] is True, result
    _result_has_no_traceback(result)
    _no_traceback(result.get("stdout", ""), result.get("stderr", ""))
    message = result.get("msg", "")
    _names_option(message, case.option)
    assert "\n" not in message, message
    calls = emu.client.calls()
    assert [c for c in calls if c["write"]] == [], calls
    if case.calls == "none":
        assert calls == [], [(c["service"], c["action"]) for c in calls]
    assert not profiles.exists(), "aws_profile wrote files for a rejected input"
    record_summary("inputs", f"module:{case.id}", {"calls": len(calls), "writes": 0})


# ---------------------------------------------------------------------------------------------- batches
def _yaml(value: t.Any, unsafe: bool = False) -> str:
    # JSON is YAML; !unsafe keeps a "{{ ... }}" literal from ever being templated.
    return ("!unsafe " if unsafe else "") + json.dumps(value)


def _collect_tasks(case_id: str, body: str) -> str:
    return f"""
    - name: "case {case_id}"
      block:
{body}
        - name: "case {case_id} did not fail"
          ansible.builtin.set_fact:
            hostile_passed: "{{{{ hostile_passed + ['{case_id}'] }}}}"
      rescue:
        - name: "case {case_id} failed as it should"
          ansible.builtin.set_fact:
            hostile_results: "{{{{ hostile_results | combine({{'{case_id}': ansible_failed_result}}) }}}}"
"""


def _play(tasks: str, out: Path) -> str:
    return f"""
- hosts: localhost
  gather_facts: false
  vars:
    hostile_results: {{}}
    hostile_passed: []
  tasks:
{tasks}
    - name: Write what every case produced
      ansible.builtin.copy:
        content: "{{{{ {{'results': hostile_results, 'passed': hostile_passed}} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""


def _lookup_task(case: LookupCase, base: dict[str, t.Any]) -> str:
    options = dict(base)
    options.update(case.options)
    body = f"""
        - name: "lookup {case.id}"
          ansible.builtin.set_fact:
            hostile_probe: "{{{{ lookup('{LOOKUP}', *hostile_terms, **hostile_options) }}}}"
          vars:
            hostile_terms: {_yaml(case.terms)}
            hostile_options: {_yaml(options)}
"""
    return _collect_tasks(case.id, body)


def _role_task(case: RoleCase) -> str:
    variables = "\n".join(f"            {name}: {_yaml(value, name in case.unsafe)}" for name, value in case.variables.items())
    body = f"""
        - name: "role {case.id}"
          ansible.builtin.include_role:
            name: crossaccount.aws.{case.role}
          vars:
{variables}
"""
    return _collect_tasks(case.id, body)


def _run_batch(emu: t.Any, tmp_path: Path, tasks: str, env: dict[str, str] | None = None) -> tuple[dict[str, t.Any], t.Any]:
    out = tmp_path / "results.json"
    emu.client.clear_calls()
    proc = run_playbook(emu, _play(tasks, out), env=env)
    assert proc.rc == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    _no_traceback(proc.stdout, proc.stderr)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["passed"] == [], f"hostile input accepted: {data['passed']}"
    return data["results"], proc


def _message(result: t.Mapping[str, t.Any]) -> str:
    # A role's argument_specs failure lists every problem in argument_errors; assert/lookup failures in msg.
    return " ".join([str(result.get("msg", ""))] + [str(e) for e in result.get("argument_errors") or []])


def test_hostile_lookup_input(emu: t.Any, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = {"profile": "source-admin", "cache_dir": str(cache), "wait_timeout": 0}
    tasks = "".join(_lookup_task(case, base) for case in LOOKUP_CASES)
    results, proc = _run_batch(emu, tmp_path, tasks)
    assert sorted(results) == sorted(c.id for c in LOOKUP_CASES)
    for case in LOOKUP_CASES:
        result = results[case.id]
        assert result.get("failed") is True, (case.id, result)
        _result_has_no_traceback(result)
        _names_option(_message(result), case.option)
        record_summary("inputs", f"lookup:{case.id}", {"calls": 0, "writes": 0})
    # Every lookup case is judged offline: not even the identity or AssumeRole call was made.
    assert emu.client.calls() == []
    # ...and nothing was cached.
    assert not cache.exists() or list(cache.iterdir()) == []
    assert "hostile" * 6 not in proc.stdout + proc.stderr


def test_hostile_role_input(emu: t.Any, tmp_path: Path) -> None:
    tasks = "".join(_role_task(case) for case in ROLE_CASES)
    # A rejected profile name must not reach any AWS CLI config file: point the default one at the test.
    config = tmp_path / "aws-config"
    results, _proc = _run_batch(emu, tmp_path, tasks, env={"AWS_CONFIG_FILE": str(config)})
    assert sorted(results) == sorted(c.id for c in ROLE_CASES)
    for case in ROLE_CASES:
        result = results[case.id]
        assert result.get("failed") is True, (case.id, result)
        _result_has_no_traceback(result)
        _names_option(_message(result), case.option)
        record_summary("inputs", f"role:{case.id}", {"calls": 0, "writes": 0})
    # Role variables are checked before the first AWS call (not even the source account lookup).
    assert emu.client.calls() == []
    assert not config.exists()
    # The literal "{{ lookup('env','HOME') }}" was never templated: HOME does not appear as a role name.
    home = os.environ.get("HOME", "/root")
    jinja_case = results["ro-ta-name-jinja-literal"]
    assert f'"{home}"' not in json.dumps(jinja_case), jinja_case


def test_hostile_table_is_large_and_covers_every_entry_point() -> None:
    modules = {c.module for c in MODULE_CASES}
    assert modules == {"target_role", "trust_policy", "source_policy", "assume_role", "aws_profile", "verify_access"}
    assert {c.role for c in ROLE_CASES} == {"target_account", "source_account", "cross_account_access"}
    ids = [c.id for c in (*MODULE_CASES, *LOOKUP_CASES, *ROLE_CASES)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 50
    record_summary("inputs", "cases", {"module": len(MODULE_CASES), "lookup": len(LOOKUP_CASES), "role": len(ROLE_CASES),
                                       "total": len(ids)})
    record_summary("inputs", "findings", {"fixed": len(FIXED_FINDINGS), "open": len(OPEN_FINDINGS),
                                          "fixed_ids": [f["id"] for f in FIXED_FINDINGS], "open_ids": [f["id"] for f in OPEN_FINDINGS],
                                          "details": FIXED_FINDINGS + OPEN_FINDINGS})
