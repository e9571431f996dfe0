# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input that ansible-core or botocore would mishandle, refused cleanly: real module processes and playbooks against
the emulator.

- a dict-typed connection option given as a list must not echo its secret sub-options (invocation, syslog line);
- a secret under an unknown key must not be echoed by the "Unsupported parameters" failure;
- a malformed endpoint URL fails naming the option, not as an unhandled ValueError;
- a role ARN without a role name is refused, not waited for (its propagation cannot come).

The module's syslog line is captured by a ``sitecustomize`` that replaces ``syslog.syslog`` in the module
process (the modules log through syslog when systemd's journal module is absent, as here).
"""

from __future__ import annotations

import json
import textwrap
import typing as t
from pathlib import Path

import pytest
import yaml
from ansible_runner import COLLECTIONS_PATH, REPO_ROOT, run_module, run_playbook

TARGET = "222222222222"
ROLE = f"arn:aws:iam::{TARGET}:role/Nope"
SECRET = "wJalrXUtnFEMI/K7MDENG/hardeningSECRETvalue01"
TOKEN = "FwoGZXIvYXdzEMUhardeningTOKENvalue0123456789"
LOOKUP = "crossaccount.aws.assumed_credentials"
# Minimal valid arguments of each module, so that the failure is about the one bad value.
MODULE_ARGS: dict[str, dict[str, t.Any]] = {
    "assume_role": {"role_arn": ROLE, "wait_timeout": 0},
    "verify_access": {"wait_timeout": 0},
    "target_role": {"name": "hardening", "trusted_account_ids": ["111111111111"]},
    "trust_policy": {"role_name": "hardening", "trusted_account_ids": ["111111111111"]},
    "source_policy": {"name": "hardening", "target_role_arns": [ROLE]},
    "aws_profile": {"name": "hardening"},
    "oidc_provider": {"url": "https://oidc.hardening.invalid", "client_ids": ["sts.amazonaws.com"]},
    "trust_report": {},
    "guardrail_check": {"source_principals": ["111111111111"], "account_ids": [TARGET], "role_name": "hardening"},
}
SYSLOG_CAPTURE = """
import os
import syslog

def _capture(*args):
    with open(os.environ["HARDENING_SYSLOG"], "a", encoding="utf-8") as handle:
        handle.write(str(args[-1]) + "\\n")

syslog.syslog = _capture
syslog.openlog = lambda *args, **kwargs: None
"""


def modules() -> list[str]:
    """The modules that run as module processes (a file that is only documentation belongs to a controller-side action)."""
    return sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")
                  if not path.stem.startswith("_") and "\ndef main(" in path.read_text(encoding="utf-8"))


def _documentation(path: Path) -> dict[str, t.Any]:
    text = path.read_text(encoding="utf-8")
    return t.cast(dict[str, t.Any], yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0]))


def dict_options(module: str) -> list[str]:
    """The options of a module documented as dicts with sub-options (connection dicts such as target_aws), its own and
    those of the collection's doc fragments it extends (organization_aws, trusted_oidc)."""
    doc = _documentation(REPO_ROOT / "plugins" / "modules" / f"{module}.py")
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        parts = fragment.split(".")
        if parts[:2] == ["crossaccount", "aws"] and len(parts) == 3:
            options.update(_documentation(REPO_ROOT / "plugins" / "doc_fragments" / f"{parts[2]}.py").get("options") or {})
    return sorted(name for name, spec in options.items() if spec.get("type") == "dict" and spec.get("suboptions"))


def run_logged(emu: t.Any, tmp_path: Path, module: str, args: dict[str, t.Any]) -> tuple[dict[str, t.Any], str]:
    """Run a module as a process; returns its result and its syslog lines."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SYSLOG_CAPTURE, encoding="utf-8")
    log = tmp_path / f"syslog-{module}.txt"
    env = {"PYTHONPATH": f"{hook}:{COLLECTIONS_PATH}", "HARDENING_SYSLOG": str(log)}
    if module == "aws_profile":
        args = {**args, "config_file": str(tmp_path / "config"), "credentials_file": str(tmp_path / "credentials")}
    result = run_module(emu, module, args, profile=None if module == "aws_profile" else "source-admin", env=env)
    return result, log.read_text(encoding="utf-8") if log.exists() else ""


def assert_hidden(result: dict[str, t.Any], syslog: str, *secrets: str) -> None:
    text = json.dumps(result)
    for secret in secrets:
        assert secret not in text, f"secret in the module result: {text[:3000]}"
        assert secret not in syslog, f"secret in the syslog line: {syslog[:3000]}"


def test_every_module_is_in_the_table() -> None:
    assert sorted(MODULE_ARGS) == modules()


def test_syslog_capture_sees_module_arguments(emu: t.Any, tmp_path: Path) -> None:
    # The leak detector below works: an ordinary argument does reach the captured syslog line.
    _result, syslog = run_logged(emu, tmp_path, "assume_role", {"role_arn": ROLE, "wait_timeout": 0, "external_id": "visible-ext-id"})
    assert "visible-ext-id" in syslog


# --- dict options given as something else never echo their secrets -------------------------------------

DICT_OPTION_CASES = [(module, option) for module in modules() for option in dict_options(module)]


def test_every_dict_option_with_suboptions_is_covered() -> None:
    assert ("verify_access", "target_aws") in DICT_OPTION_CASES
    assert ("verify_access", "organization_aws") in DICT_OPTION_CASES
    assert ("trust_report", "organization_aws") in DICT_OPTION_CASES


@pytest.mark.parametrize("shape", ["list-of-dicts", "list-of-strings", "nested"])
@pytest.mark.parametrize(("module", "option"), DICT_OPTION_CASES)
def test_dict_option_given_as_a_list_never_echoes_its_secrets(emu: t.Any, tmp_path: Path, module: str, option: str, shape: str) -> None:
    value: t.Any = {
        "list-of-dicts": [{"access_key": "AKIAEXAMPLEEXAMPLE01", "secret_key": SECRET, "session_token": TOKEN}],
        "list-of-strings": [f"secret_key={SECRET}", f"session_token={TOKEN}"],
        "nested": [[{"secret_key": SECRET}], {"session_token": TOKEN}],
    }[shape]
    emu.client.clear_calls()
    result, syslog = run_logged(emu, tmp_path, module, {**MODULE_ARGS[module], option: value})
    assert result["failed"], result
    assert result["msg"].startswith(f"{option}: must be a dictionary of options"), result["msg"]
    assert_hidden(result, syslog, SECRET, TOKEN)
    assert emu.client.calls() == []


def test_role_connection_dicts_have_no_log_secrets() -> None:
    found = 0
    for path in sorted((REPO_ROOT / "roles").glob("*/meta/argument_specs.yml")):
        specs = yaml.safe_load(path.read_text(encoding="utf-8"))["argument_specs"]
        for entry in specs.values():
            for name, spec in entry["options"].items():
                if name.endswith("_aws"):
                    found += 1
                    assert spec["type"] == "dict", name
                    for secret in ("secret_key", "session_token"):
                        assert spec["options"][secret].get("no_log") is True, f"{path}: {name}.{secret}"
    assert found >= 5


@pytest.mark.parametrize(("role", "variable"), [
    ("target_account", "target_account_aws"), ("source_account", "source_account_aws"),
    ("cross_account_access", "cross_account_access_target_aws"),
])
def test_role_connection_dict_given_as_a_list_never_echoes_its_secrets(emu: t.Any, tmp_path: Path, role: str, variable: str) -> None:
    variables = {variable: [{"secret_key": SECRET, "session_token": TOKEN, "secret_access_key": SECRET + "x"}]}
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(variables), encoding="utf-8")
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: crossaccount.aws.{role}
"""
    log = tmp_path / "ansible.log"
    result = run_playbook(emu, play, extra_args=["-e", f"@{vars_file}"], verbosity=3, env={"ANSIBLE_LOG_PATH": str(log)})
    output = result.stdout + result.stderr + (log.read_text(encoding="utf-8") if log.exists() else "")
    assert result.rc != 0
    assert variable in output
    assert SECRET not in output and TOKEN not in output


# --- unknown keys are named, never their values ---------------------------------------------------------

def test_unknown_key_in_a_connection_dict_never_echoes_its_value(emu: t.Any, tmp_path: Path) -> None:
    target = {"region": "us-east-1", "secret_access_key": SECRET, "session_token": TOKEN}
    result, syslog = run_logged(emu, tmp_path, "verify_access", {**MODULE_ARGS["verify_access"], "target_aws": target})
    assert result["failed"], result
    assert "target_aws.secret_access_key" in result["msg"], result["msg"]
    assert_hidden(result, syslog, SECRET, TOKEN)
    assert emu.client.calls() == []


@pytest.mark.parametrize("module", modules())
def test_unknown_top_level_key_never_echoes_its_value(emu: t.Any, tmp_path: Path, module: str) -> None:
    result, syslog = run_logged(emu, tmp_path, module, {**MODULE_ARGS[module], "secret_acess_key": SECRET})
    assert result["failed"], result
    assert "secret_acess_key" in result["msg"], result["msg"]
    assert_hidden(result, syslog, SECRET)
    assert emu.client.calls() == []


# --- malformed endpoint URLs name the option -------------------------------------------------------------

BAD_URLS = ["http://a b", "http://host:99999", "http://", "http://[::1", "ftp://host"]


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("module", [m for m in modules() if m != "aws_profile"])
def test_malformed_endpoint_url_names_the_option(emu: t.Any, module: str, url: str) -> None:
    emu.client.clear_calls()
    result = run_module(emu, module, {**MODULE_ARGS[module], "endpoint_url": url}, profile="source-admin")
    assert result["failed"], result
    assert result["msg"].startswith("endpoint_url: must be an http:// or https:// URL"), result["msg"]
    assert "Traceback" not in json.dumps(result)
    assert emu.client.calls() == []


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_target_aws_endpoint_url_names_the_option(emu: t.Any, url: str) -> None:
    result = run_module(emu, "verify_access", {"wait_timeout": 0, "target_aws": {"profile": "target-admin", "endpoint_url": url}},
                        profile="source-admin")
    assert result["failed"], result
    assert result["msg"].startswith("target_aws.endpoint_url: "), result["msg"]
    assert emu.client.calls() == []


@pytest.mark.parametrize("url", BAD_URLS)
def test_malformed_profile_endpoint_url_names_the_option(emu: t.Any, tmp_path: Path, url: str) -> None:
    result, _syslog = run_logged(emu, tmp_path, "aws_profile", {"name": "p", "kind": "role", "role_arn": ROLE,
                                                                "source_profile": "source-admin", "endpoint_url": url})
    assert result["failed"], result
    assert result["msg"].startswith("endpoint_url: must be an http:// or https:// URL"), result["msg"]
    assert not (tmp_path / "config").exists()


# --- a role ARN must name a role ------------------------------------------------------------------------

NAMELESS = f"arn:aws:iam::{TARGET}:role"


@pytest.mark.parametrize(("module", "args", "option"), [
    ("assume_role", {"role_arn": NAMELESS}, "role_arn"),
    ("assume_role", {"role_arn": ROLE, "via": [NAMELESS]}, "via[0].role_arn"),
    ("assume_role", {"role_arn": ROLE, "via": [{"role_arn": f"arn:aws:iam::{TARGET}:role//Hub"}]}, "via[0].role_arn"),
    ("verify_access", {"role_arn": NAMELESS}, "role_arn"),
    ("verify_access", {"role_arn": ROLE, "via": [ROLE, NAMELESS]}, "via[1].role_arn"),
    ("source_policy", {"name": "p", "target_role_arns": [ROLE, NAMELESS]}, "target_role_arns[1]"),
])
def test_role_arn_without_a_name_is_refused_before_any_call(emu: t.Any, module: str, args: dict[str, t.Any], option: str) -> None:
    # wait_timeout keeps its default (60 s): before the fix, assume_role waited all of it.
    emu.client.clear_calls()
    result = run_module(emu, module, args, profile="source-admin")
    assert result["failed"], result
    assert result["msg"].startswith(f"{option}: "), result["msg"]
    assert emu.client.calls() == []


def test_lookup_refuses_nameless_role_arns_and_bad_urls_before_any_call(emu: t.Any, tmp_path: Path) -> None:
    cases = {
        "term": ([NAMELESS], {}, "role_arn: "),
        "via": ([ROLE], {"via": [NAMELESS]}, "via[0].role_arn: "),
        "endpoint": ([ROLE], {"endpoint_url": "http://a b"}, "endpoint_url: must be an http:// or https:// URL"),
        "port": ([ROLE], {"endpoint_url": "http://127.0.0.1:70000"}, "endpoint_url: must be an http:// or https:// URL"),
        "chaining": ([ROLE], {"via": [ROLE, {"role_arn": ROLE, "duration_seconds": 7200}]}, "via[1].duration_seconds: 7200 is too long"),
    }
    tasks = "".join(textwrap.dedent(f"""
        - name: case {name}
          ansible.builtin.set_fact:
            probe: "{{{{ lookup('{LOOKUP}', *terms, profile='source-admin', cache=false, **options) }}}}"
          vars:
            terms: {json.dumps(terms)}
            options: {json.dumps(options)}
          register: case_{name}
          ignore_errors: true
        """) for name, (terms, options, _prefix) in cases.items())
    out = tmp_path / "out.json"
    results = ", ".join(f"'{name}': case_{name}.msg | default('')" for name in cases)
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
{textwrap.indent(tasks, '    ')}
    - name: Write the messages
      ansible.builtin.copy:
        content: "{{{{ {{{results}}} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    emu.client.clear_calls()
    proc = run_playbook(emu, play)
    assert proc.rc == 0, proc.stdout[-3000:]
    messages = json.loads(out.read_text(encoding="utf-8"))
    for name, (_terms, _options, prefix) in cases.items():
        assert prefix in messages[name], (name, messages[name])
    assert emu.client.calls() == []
