# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret reaches Ansible's output, its log file or a DEBUG root logger at -vvvv.

The play uses the lookup in module_defaults, the assume_role module with a registered result that a
later task consumes, and an MFA token, without any user-set no_log on the consuming tasks.
"""

from __future__ import annotations

import configparser
import json
import os
import textwrap

from ansible_runner import run_playbook
from credentials_support import MFA_SERIAL, TARGET, create_role, trust

LOOKUP = "crossaccount.aws.assumed_credentials"
MFA_TOKEN = "864209"

# A user (or another plugin) that routes every logger to a file at DEBUG: botocore would then log
# signed headers and the AssumeRole response body, secrets included (CVE-2019-14846).
ROOT_DEBUG_CALLBACK = '''
from __future__ import annotations

import logging
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "rootdebug"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        handler = logging.FileHandler(os.environ["ROOT_DEBUG_LOG"])
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.setLevel(logging.DEBUG)
        root.addHandler(handler)
        logging.getLogger("rootdebug").debug("debug-logging-active")
'''


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def test_no_secret_in_output_or_logs_at_vvvv(emu, tmp_path):
    first = create_role(emu, "LeakHop1", clear_log=False)
    emu.aws("iam", profile="target-admin").attach_role_policy(RoleName="LeakHop1", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    second = create_role(emu, "LeakHop2", trust(principal=f"arn:aws:iam::{TARGET}:role/LeakHop1"))

    callbacks = tmp_path / "callbacks"
    callbacks.mkdir()
    (callbacks / "rootdebug.py").write_text(ROOT_DEBUG_CALLBACK)
    ansible_log = tmp_path / "ansible.log"
    debug_log = tmp_path / "root-debug.log"
    cache_dir = tmp_path / "cache"
    out = tmp_path / "chained.json"

    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/crossaccount.aws.aws: >-
              {{{{ lookup('{LOOKUP}', first, profile='source-admin', endpoint_url=endpoint, region='us-east-1', cache_dir=cache_dir) }}}}
          tasks:
            - name: Chain to the second role, with MFA, result registered (no no_log)
              crossaccount.aws.assume_role:
                role_arn: "{{{{ second }}}}"
                mfa_serial_number: "{MFA_SERIAL}"
                mfa_token: "{MFA_TOKEN}"
              register: chained

            - name: Use the registered credentials in a later task (no no_log)
              crossaccount.aws.target_role:
                access_key: "{{{{ chained.credentials.access_key }}}}"
                secret_key: "{{{{ chained.credentials.secret_key }}}}"
                session_token: "{{{{ chained.credentials.session_token }}}}"
                endpoint_url: "{{{{ endpoint }}}}"
                name: MadeByChainedSession
                trusted_account_ids: ["{TARGET}"]
              register: made

            - name: Keep the chained secrets for the test's assertions
              ansible.builtin.copy:
                content: "{{{{ chained.credentials | to_json }}}}"
                dest: "{out}"
                mode: "0600"
              no_log: true

            - name: Non-secret parts of the registered result stay usable
              ansible.builtin.assert:
                that:
                  - chained.account_id == "{TARGET}"
                  - chained.credentials.session_token | length > 20
                  - made.role.arn is search("MadeByChainedSession")
    """)
    result = run_playbook(
        emu, play, verbosity=4,
        extra_vars={"first": first, "second": second, "endpoint": emu.endpoint_url, "cache_dir": str(cache_dir)},
        env={
            "ANSIBLE_LOG_PATH": str(ansible_log),
            "ANSIBLE_CALLBACK_PLUGINS": str(callbacks),
            "ANSIBLE_CALLBACKS_ENABLED": "rootdebug",
            "ROOT_DEBUG_LOG": str(debug_log),
        },
    )
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]

    chained = json.loads(out.read_text())
    entries = [name for name in os.listdir(cache_dir) if name.endswith(".json")]
    assert len(entries) == 1
    looked_up = json.loads((cache_dir / entries[0]).read_text())["credentials"]
    source = configparser.ConfigParser()
    source.read(emu.credentials_file)
    source_secret = source["source-admin"]["aws_secret_access_key"]
    secrets = {
        "lookup secret key": looked_up["secret_key"],
        "lookup session token": looked_up["session_token"],
        "assume_role secret key": chained["secret_key"],
        "assume_role session token": chained["session_token"],
        "source secret key": source_secret,
        "MFA token": MFA_TOKEN,
    }
    assert len(set(secrets.values())) == len(secrets)

    outputs = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "ANSIBLE_LOG_PATH": _read(str(ansible_log)),
        "DEBUG root logger": _read(str(debug_log)),
    }
    # The logs really captured the run: otherwise "no secret in them" would prove nothing.
    assert "MadeByChainedSession" in outputs["ANSIBLE_LOG_PATH"]
    assert "debug-logging-active" in outputs["DEBUG root logger"]
    for where, text in outputs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"{what} found in {where}"
    # assume_role's own result is censored for display, though registered in full.
    assert "the output has been hidden" in result.stdout


def test_failed_lookup_and_module_print_no_secret(emu, tmp_path):
    arn = create_role(emu, "Mfa", trust(condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    cache_dir = tmp_path / "cache"
    # The code comes from a vars file, as it would from vars_prompt: Ansible itself shows playbook source
    # lines in error messages and extra vars at -vvvv, so neither may hold it.
    secret_vars = tmp_path / "secret_vars.yml"
    secret_vars.write_text(f'mfa_code: "{MFA_TOKEN}"\n')
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          vars_files:
            - "{secret_vars}"
          tasks:
            - name: Denied lookup (wrong external id) with an MFA token
              ansible.builtin.set_fact:
                creds: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', external_id='nope-1', mfa_serial_number='{MFA_SERIAL}',
                             mfa_token=mfa_code, wait_timeout=0, cache_dir=cache_dir) }}}}"
              ignore_errors: true
            - name: Bad MFA token shape
              crossaccount.aws.assume_role:
                profile: source-admin
                role_arn: "{{{{ role }}}}"
                mfa_serial_number: "{MFA_SERIAL}"
                mfa_token: "{{{{ mfa_code }}}}x"
              ignore_errors: true
            - name: Denied assume_role without MFA
              crossaccount.aws.assume_role:
                profile: source-admin
                role_arn: "{{{{ role }}}}"
                wait_timeout: 0
              ignore_errors: true
    """)
    result = run_playbook(emu, play, verbosity=4, extra_vars={"role": arn, "cache_dir": str(cache_dir)},
                          env={"ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log")})
    assert result.rc == 0, result.stdout[-5000:]
    text = result.stdout + result.stderr + _read(str(tmp_path / "ansible.log"))
    assert text.count("sts:AssumeRole failed: AccessDenied") >= 2
    assert "mfa_token: must be the 6-digit code shown by the MFA device" in text
    assert MFA_TOKEN not in text
    source = configparser.ConfigParser()
    source.read(emu.credentials_file)
    assert source["source-admin"]["aws_secret_access_key"] not in text
