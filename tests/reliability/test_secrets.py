# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret in Ansible's output or log file (issue 6: secrets).

What counts as a secret: every ``aws_secret_access_key`` of the emulator's profiles, the secret keys and
session tokens that the lookups and assume_role returned (read back from the lookup's cache files and from
files the plays write with ``no_log``), the MFA code and secrets given as bad input. On top of the exact
values, any session token the emulator issues at all is recognisable by its fixed prefix, so tokens issued
to a module internally (a profile's role, verify_access's own AssumeRole) are caught without knowing them;
the secret keys of those internal sessions are not known to the test (the emulator does not expose them).
"""

from __future__ import annotations

import configparser
import json
import re
import textwrap
import typing as t
from pathlib import Path

from integration.ansible_runner import run_playbook
from integration.credentials_support import SOURCE, TARGET, create_role, trust

from reliability.conftest import DEMO_VARS, MAIN_PLAYBOOK, TEARDOWN_PLAYBOOK, prepare, record_summary

LOOKUP = "crossaccount.aws.assumed_credentials"
# tests/emulator/server.py issues "FwoGZXIvYXdzEMU" + random; moto's own STS uses "FQoGZXIvYXdzEBYaD".
TOKEN_RE = re.compile(r"FwoGZXIvYXdzEMU|FQoGZXIvYXdzEBYaD")
BAD_OPTION_SECRET = "BadOptionSecret0123456789abcdefghijklmnop"
MFA_CODE = "731905"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def profile_secrets(emu: t.Any) -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(emu.credentials_file)
    found = {f"profile {name} secret key": parser[name]["aws_secret_access_key"]
             for name in parser.sections() if parser.has_option(name, "aws_secret_access_key")}
    assert found, "the emulator's credentials file holds no secret key"
    return found


def cache_secrets(cache_dir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sorted(cache_dir.glob("*.json")) if cache_dir.is_dir() else []:
        creds = json.loads(entry.read_text(encoding="utf-8"))["credentials"]
        found[f"cached secret key {entry.name[:12]}"] = creds["secret_key"]
        found[f"cached session token {entry.name[:12]}"] = creds["session_token"]
    return found


def assert_no_secret(secrets: t.Mapping[str, str], outputs: t.Mapping[str, str]) -> int:
    """Fails naming the secret and where it leaked; returns how many (secret, output) pairs were checked."""
    checked = 0
    for where, text in outputs.items():
        match = TOKEN_RE.search(text)
        assert match is None, f"a session token leaked into {where}: ...{text[max(0, match.start() - 200):match.start() + 40]}"
        for what, secret in secrets.items():
            assert len(secret) >= 6, what
            assert secret not in text, f"{what} leaked into {where}"
            checked += 1
    return checked


# ---------------------------------------------------------------------------------------------- full flow
def test_full_flow_and_teardown_at_vvvv_leak_no_secret(emu: t.Any, tmp_path: Path) -> None:
    bucket = prepare(emu)
    cache_dir = tmp_path / "cache"
    log = tmp_path / "ansible.log"
    env = {"CROSSACCOUNT_EMULATOR_URL": emu.endpoint_url, "CROSSACCOUNT_AWS_CACHE_DIR": str(cache_dir), "ANSIBLE_LOG_PATH": str(log)}
    overrides = {"cross_account_access_profile_config_file": str(tmp_path / "aws-config"), "cross_account_access_verify_s3_buckets": [bucket]}
    extra = ["-e", f"@{DEMO_VARS}", "-e", json.dumps(overrides)]
    outputs: dict[str, str] = {}
    for name, playbook in (("main", MAIN_PLAYBOOK), ("teardown", TEARDOWN_PLAYBOOK)):
        result = run_playbook(emu, playbook, verbosity=4, diff=True, env=env, extra_args=extra)
        assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]
        outputs[f"{name} stdout"] = result.stdout
        outputs[f"{name} stderr"] = result.stderr
    outputs["ANSIBLE_LOG_PATH"] = _text(log)
    # The run really happened, verbosely (every task's arguments printed, as a module process or in the controller's),
    # and the log captured it: otherwise "no secret" proves nothing.
    assert "crossaccount-demo-reader" in outputs["ANSIBLE_LOG_PATH"]
    assert '"module_args": {' in outputs["main stdout"]
    assert emu.client.calls(action="AssumeRole"), "the flow assumed no role"

    secrets = {**profile_secrets(emu), **cache_secrets(cache_dir)}
    assert any(name.startswith("cached session token") for name in secrets), "the flow cached no credentials"
    # The prefix check really recognises the tokens this emulator issues.
    assert all(TOKEN_RE.match(value) for name, value in secrets.items() if "session token" in name)
    # The CLI profile the flow wrote assumes the role itself: it must hold no secret either.
    outputs["written AWS CLI config"] = _text(tmp_path / "aws-config")
    checked = assert_no_secret(secrets, outputs)
    record_summary("inputs", "secrets:full-flow", {"secrets": len(secrets), "outputs": len(outputs), "checks": checked,
                                                   "log_bytes": len(outputs["ANSIBLE_LOG_PATH"])})


# ---------------------------------------------------------------------------------------------- formats, modules, failures
FORMATS_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    source: {profile: source-admin, endpoint_url: "{{ endpoint }}", region: us-east-1, cache_dir: "{{ cache_dir }}"}
  tasks:
    - name: Format module_args as module_defaults of the collection's action group
      module_defaults:
        group/crossaccount.aws.aws: "{{ lookup('%(lookup)s', role, **source) }}"
      crossaccount.aws.verify_access:
        expected_account_id: "%(target)s"
        expected_role_name: LeakFree

    - name: Format module_args as module arguments, writing a credentials profile (diff mode)
      crossaccount.aws.aws_profile:
        name: leakfree
        kind: credentials
        access_key: "{{ creds.access_key }}"
        secret_key: "{{ creds.secret_key }}"
        session_token: "{{ creds.session_token }}"
        region: "{{ creds.region }}"
        credentials_file: "{{ workdir }}/credentials"
        config_file: "{{ workdir }}/config"
      vars:
        creds: "{{ lookup('%(lookup)s', role, **source) }}"

    - name: Format env, kept for a later process (the environment keyword is tested at -vv, see below)
      ansible.builtin.copy:
        content: "{{ lookup('%(lookup)s', role, format='env', **source) | dictsort | map('join', '=') | join('\\n') }}\\n"
        dest: "{{ workdir }}/assumed.env"
        mode: "0600"
      no_log: true

    - name: Format credential_process, kept as the output of a credential_process helper
      ansible.builtin.copy:
        content: "{{ lookup('%(lookup)s', role, format='credential_process', **source) | to_json }}"
        dest: "{{ workdir }}/credential_process.json"
        mode: "0600"
      no_log: true

    - name: assume_role, registered and used by a later task
      crossaccount.aws.assume_role:
        role_arn: "{{ role }}"
        profile: source-admin
        role_session_name: leak-free-module
      register: assumed

    - name: verify_access checking the registered credentials
      crossaccount.aws.verify_access:
        access_key: "{{ assumed.credentials.access_key }}"
        secret_key: "{{ assumed.credentials.secret_key }}"
        session_token: "{{ assumed.credentials.session_token }}"
        endpoint_url: "{{ endpoint }}"
        region: us-east-1
        expected_account_id: "%(target)s"

    - name: Keep the module's credentials for the assertions
      ansible.builtin.copy:
        content: "{{ assumed.credentials | to_json }}"
        dest: "{{ workdir }}/assume_role.json"
        mode: "0600"
      no_log: true

    - name: verify_access assuming the role itself, with target_aws credentials from the lookup
      crossaccount.aws.verify_access:
        profile: source-admin
        role_arn: "{{ role }}"
        wait_timeout: 0
        target_aws: "{{ lookup('%(lookup)s', admin_role, **source) }}"
        expected_account_id: "%(target)s"

    # ---- failure paths: each must fail, and fail without a secret in its message
    - name: A denied AssumeRole in the module (wrong external id), with an MFA code
      crossaccount.aws.assume_role:
        role_arn: "{{ denied }}"
        profile: source-admin
        external_id: wrong-external-id
        mfa_serial_number: "arn:aws:iam::%(source)s:mfa/admin"
        mfa_token: "{{ mfa_code }}"
        wait_timeout: 0
      register: denied_module
      ignore_errors: true

    - name: A denied AssumeRole in verify_access, diagnosed with target credentials from the lookup
      crossaccount.aws.verify_access:
        profile: source-admin
        role_arn: "{{ denied }}"
        external_id: wrong-external-id
        wait_timeout: 0
        target_aws: "{{ lookup('%(lookup)s', admin_role, **source) }}"
      register: denied_verify
      ignore_errors: true

    - name: A denied AssumeRole in the lookup
      block:
        - name: Lookup of the denied role
          ansible.builtin.set_fact:
            never: "{{ lookup('%(lookup)s', denied, external_id='wrong-external-id', wait_timeout=0, **source) }}"
      rescue:
        - name: Remember the lookup failed
          ansible.builtin.set_fact:
            denied_lookup: "{{ ansible_failed_result }}"

    - name: A bad option next to a secret key in the lookup
      block:
        - name: Lookup with a profile and explicit keys
          ansible.builtin.set_fact:
            never: "{{ lookup('%(lookup)s', role, access_key='AKIAHOSTILE000000000', secret_key=bad_secret, **source) }}"
      rescue:
        - name: Remember the lookup failed
          ansible.builtin.set_fact:
            bad_lookup: "{{ ansible_failed_result }}"

    - name: A bad option next to a secret key and a session token in a module
      crossaccount.aws.assume_role:
        role_arn: arn:aws:s3:::not-a-role
        access_key: AKIAHOSTILE000000000
        secret_key: "{{ bad_secret }}"
        session_token: "{{ bad_secret }}Token"
        endpoint_url: "{{ endpoint }}"
      register: bad_module
      ignore_errors: true

    - name: Every failure path really failed
      ansible.builtin.assert:
        that:
          - denied_module is failed
          - denied_verify is failed
          - denied_lookup.failed
          - bad_lookup.failed
          - bad_module is failed
          - "'sts:AssumeRole' in denied_module.msg"
          - "'role_arn' in bad_module.msg"
"""

ENV_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Format env in the environment keyword
      ansible.builtin.command:
        argv: ["{{ ansible_playbook_python }}", "-c", "import os, sys; sys.exit(0 if os.environ['AWS_SESSION_TOKEN'] else 3)"]
      environment: "{{ lookup('%(lookup)s', role, format='env', profile='source-admin', endpoint_url=endpoint, cache_dir=cache_dir) }}"
      changed_when: false
"""


def _roles(emu: t.Any) -> tuple[str, str, str]:
    role = create_role(emu, "LeakFree", clear_log=False)
    denied = create_role(emu, "LeakDenied", trust(condition={"StringEquals": {"sts:ExternalId": "right-external-id"}}), clear_log=False)
    admin_role = f"arn:aws:iam::{TARGET}:role/EmulatorTargetAdmin"
    emu.client.clear_calls()
    return role, denied, admin_role


def test_lookup_formats_modules_and_failure_paths_at_vvvv_leak_no_secret(emu: t.Any, tmp_path: Path) -> None:
    role, denied, admin_role = _roles(emu)
    cache_dir = tmp_path / "cache"
    workdir = tmp_path / "work"
    workdir.mkdir()
    log = tmp_path / "ansible.log"
    # The MFA code arrives from a vars file (as from vars_prompt): -vvvv prints extra vars given inline.
    secret_vars = tmp_path / "secret-vars.yml"
    secret_vars.write_text(f'mfa_code: "{MFA_CODE}"\nbad_secret: "{BAD_OPTION_SECRET}"\n', encoding="utf-8")
    play = textwrap.dedent(FORMATS_PLAY % {"lookup": LOOKUP, "target": TARGET, "source": SOURCE})
    result = run_playbook(
        emu, play, verbosity=4, diff=True,
        extra_vars={"role": role, "denied": denied, "admin_role": admin_role, "endpoint": emu.endpoint_url,
                    "cache_dir": str(cache_dir), "workdir": str(workdir)},
        env={"ANSIBLE_LOG_PATH": str(log)}, extra_args=["-e", f"@{secret_vars}"],
    )
    assert result.rc == 0, result.stdout[-6000:] + result.stderr[-3000:]

    module_creds = json.loads((workdir / "assume_role.json").read_text(encoding="utf-8"))
    process = json.loads((workdir / "credential_process.json").read_text(encoding="utf-8"))
    env_lines = dict(line.split("=", 1) for line in (workdir / "assumed.env").read_text(encoding="utf-8").splitlines() if line)
    written = configparser.ConfigParser()
    written.read(workdir / "credentials")
    secrets = {
        **profile_secrets(emu),
        **cache_secrets(cache_dir),
        "assume_role secret key": module_creds["secret_key"],
        "assume_role session token": module_creds["session_token"],
        "credential_process secret key": process["SecretAccessKey"],
        "env session token": env_lines["AWS_SESSION_TOKEN"],
        "aws_profile written secret key": written["leakfree"]["aws_secret_access_key"],
        "MFA code": MFA_CODE,
        "bad-option secret key": BAD_OPTION_SECRET,
    }
    # The formats really returned the cached secrets (the lookup is the same role and source for all three).
    assert process["SessionToken"] == env_lines["AWS_SESSION_TOKEN"] == written["leakfree"]["aws_session_token"]
    assert process["SessionToken"] in secrets.values()
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "ANSIBLE_LOG_PATH": _text(log)}
    assert "LeakDenied" in outputs["ANSIBLE_LOG_PATH"]
    checked = assert_no_secret(secrets, outputs)
    record_summary("inputs", "secrets:formats-and-failures", {"secrets": len(secrets), "outputs": len(outputs), "checks": checked})


def test_env_format_in_environment_keyword_leaks_no_secret_below_vvv(emu: t.Any, tmp_path: Path) -> None:
    # At -vvv and above ansible-core itself prints the environment of each command it runs
    # (ansible/ansible#24181), whatever the plugin does; the lookup documents that. Below it, nothing shows.
    role, _denied, _admin = _roles(emu)
    cache_dir = tmp_path / "cache"
    log = tmp_path / "ansible.log"
    result = run_playbook(emu, textwrap.dedent(ENV_PLAY % {"lookup": LOOKUP}), verbosity=2,
                          extra_vars={"role": role, "endpoint": emu.endpoint_url, "cache_dir": str(cache_dir)},
                          env={"ANSIBLE_LOG_PATH": str(log)})
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-2000:]
    secrets = {**profile_secrets(emu), **cache_secrets(cache_dir)}
    assert any(name.startswith("cached session token") for name in secrets)
    checked = assert_no_secret(secrets, {"stdout": result.stdout, "stderr": result.stderr, "ANSIBLE_LOG_PATH": _text(log)})
    record_summary("inputs", "secrets:env-keyword", {"secrets": len(secrets), "checks": checked})


def test_leak_detector_sees_a_secret_printed_on_purpose(emu: t.Any, tmp_path: Path) -> None:
    """The checks above would fail on a leak: print a secret deliberately and watch them catch it."""
    role, _denied, _admin = _roles(emu)
    cache_dir = tmp_path / "cache"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: A careless user prints the credentials
              ansible.builtin.debug:
                msg: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir=cache_dir).secret_key }}}}"
    """)
    result = run_playbook(emu, play, extra_vars={"role": role, "cache_dir": str(cache_dir)})
    assert result.rc == 0, result.stdout[-3000:]
    secrets = cache_secrets(cache_dir)
    assert secrets
    try:
        assert_no_secret(secrets, {"stdout": result.stdout})
    except AssertionError as caught:
        assert "cached secret key" in str(caught) and "stdout" in str(caught)
    else:
        raise AssertionError("a printed secret key went unnoticed")
    try:
        assert_no_secret({}, {"text": "token=" + secrets[next(k for k in secrets if "token" in k)]})
    except AssertionError as caught:
        assert "session token" in str(caught)
    else:
        raise AssertionError("a session token went unnoticed by its prefix")
