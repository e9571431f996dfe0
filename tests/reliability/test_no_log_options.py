# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every secret option, given a value of the wrong shape, stays out of every output.

The options come from the code, not from a list kept here: each module's argument spec (every option,
sub-options included, marked ``no_log``), the lookup's and the inventory plugin's secret options. Each one
is given, in a real ansible-playbook / ansible-inventory process, a list, a dict, an int and a string with
a newline, each holding a marker of its own; at default verbosity and at -vvvv, no marker may appear in
stdout, stderr or the ANSIBLE_LOG_PATH file. A secret of the wrong shape must not make an error echo it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from integration.ansible_runner import COLLECTIONS_PATH, ensure_collection_link, run_playbook

from reliability.conftest import record_summary

from ansible_collections.crossaccount.aws.plugins.inventory import organization_accounts  # isort: skip
from ansible_collections.crossaccount.aws.plugins.lookup import assumed_credentials  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import connection_argspec  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import assume_role_argspec  # isort: skip

MODULES = ("assume_role", "aws_profile", "oidc_provider", "source_policy", "target_role", "trust_policy", "trust_report",
           "verify_access")
SHAPES = ("list", "dict", "int", "newline")
ROLE = "arn:aws:iam::222222222222:role/NoLogProbe"
# Arguments that make each module valid apart from the secret, so the secret is really used where it can be.
VALID: dict[str, dict[str, t.Any]] = {
    "assume_role": {"role_arn": ROLE},
    "aws_profile": {"name": "nolog", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE00"},
    "oidc_provider": {"url": "https://oidc.example.invalid", "client_ids": ["sts.amazonaws.com"]},
    "source_policy": {"name": "nolog", "target_role_arns": [ROLE]},
    "target_role": {"name": "nolog", "trusted_account_ids": ["111111111111"]},
    "trust_policy": {"role_name": "nolog", "trusted_account_ids": ["111111111111"]},
    "trust_report": {},
    "verify_access": {"role_arn": ROLE, "wait_timeout": 0},
}
# What goes next to a secret option (by its canonical name), so the plugin or module gets as far as using it.
NEIGHBOURS = {
    "secret_key": {"access_key": "AKIAEXAMPLEEXAMPLE00"},
    "session_token": {"access_key": "AKIAEXAMPLEEXAMPLE00", "secret_key": "not-the-secret-under-test"},
    "mfa_token": {"mfa_serial_number": "arn:aws:iam::111111111111:mfa/nolog"},
}


def canonical(option: str) -> str:
    """The option's own name for one of its aliases (aws_secret_access_key -> secret_key)."""
    specs = {**connection_argspec(), **assume_role_argspec()}
    return next((name for name, spec in specs.items() if option == name or option in (spec.get("aliases") or ())), option)


class _Spec(Exception):
    def __init__(self, spec: dict[str, t.Any]) -> None:
        super().__init__("argument spec")
        self.spec = spec


def module_spec(name: str) -> dict[str, t.Any]:
    """The argument spec a module builds in main(), taken from its CrossAccountModule call."""
    module = importlib.import_module(f"ansible_collections.crossaccount.aws.plugins.modules.{name}")

    def capture(spec: ArgumentSpec, *_args: t.Any, **_kwargs: t.Any) -> t.NoReturn:
        raise _Spec(dict(spec.argument_spec))

    original = module.CrossAccountModule
    module.CrossAccountModule = capture
    try:
        module.main()
    except _Spec as found:
        return found.spec
    finally:
        module.CrossAccountModule = original
    raise AssertionError(f"{name}: main() built no CrossAccountModule")


def no_log_paths(spec: t.Mapping[str, t.Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, option in spec.items():
        if option.get("no_log"):
            found.append((*prefix, name))
        if option.get("options"):
            found.extend(no_log_paths(option["options"], (*prefix, name)))
    return found


def secret_value(shape: str, marker: str) -> t.Any:
    return {"list": [marker], "dict": {"k": marker}, "int": int(marker), "newline": f"{marker}\n{marker}-second-line"}[shape]


class Cases:
    """Markers handed out one per case, so a leak names its case; the values reach the play as variables.

    A value written into the playbook itself would show in ansible-core's own error context (2.19+ prints
    the lines around a failed task), so each secret comes from a vars file, as from a vault.
    """

    def __init__(self) -> None:
        self.markers: dict[str, str] = {}
        self.variables: dict[str, t.Any] = {}

    def secret(self, case: str, shape: str) -> str:
        """A reference to a new secret variable: ``{{ secret_N }}``."""
        # Digits only, so the int shape carries the same marker; long enough never to occur by chance.
        marker = f"9{len(self.markers) + 1:05d}73109482736"
        self.markers[marker] = f"{case} ({shape})"
        name = f"secret_{len(self.markers)}"
        self.variables[name] = secret_value(shape, marker)
        return name


def module_tasks(cases: Cases, endpoint: str, workdir: Path) -> list[dict[str, t.Any]]:
    tasks = []
    for name in MODULES:
        paths = no_log_paths(module_spec(name))
        assert paths, f"{name} has no no_log option: the spec was not read"
        for path in paths:
            for shape in SHAPES:
                variable = cases.secret(f"module {name} {'.'.join(path)}", shape)
                args = dict(VALID[name], endpoint_url=endpoint, region="us-east-1")
                if name == "aws_profile":
                    args.pop("endpoint_url")
                    args["credentials_file"] = str(workdir / f"credentials-{variable}")
                target = args
                for key in path[:-1]:
                    target = target.setdefault(key, {"endpoint_url": endpoint, "region": "us-east-1"})
                target.update(NEIGHBOURS.get(path[-1], {}))
                target[path[-1]] = f"{{{{ {variable} }}}}"
                tasks.append({"name": f"{name} {'.'.join(path)} {shape}", f"crossaccount.aws.{name}": args})
    return tasks


def lookup_tasks(cases: Cases, endpoint: str, workdir: Path) -> list[dict[str, t.Any]]:
    tasks = []
    for option in assumed_credentials.SECRET_OPTIONS:
        for shape in SHAPES:
            variable = cases.secret(f"lookup {option}", shape)
            neighbours = NEIGHBOURS.get(canonical(option), {})
            kwargs = ", ".join(f"{key}={json.dumps(value)}" for key, value in neighbours.items())
            tasks.append({
                "name": f"lookup {option} {shape}",
                "ansible.builtin.set_fact": {
                    "never": f"{{{{ lookup('crossaccount.aws.assumed_credentials', '{ROLE}', endpoint_url='{endpoint}', "
                             f"cache_dir='{workdir / 'cache'}', wait_timeout=0, {kwargs + ', ' if kwargs else ''}{option}={variable}) }}}}",
                },
            })
    return tasks


def leaks(cases: Cases, outputs: t.Mapping[str, str]) -> list[str]:
    return [f"{case} in {where}" for marker, case in cases.markers.items() for where, text in outputs.items() if marker in text]


# Module processes are most of the time: the cases are spread over a few local hosts run side by side.
HOSTS = 4


@pytest.mark.parametrize("verbosity", [0, 4])
def test_module_and_lookup_secret_options_of_every_shape_never_show(emu: t.Any, tmp_path: Path, verbosity: int) -> None:
    cases = Cases()
    workdir = tmp_path / "work"
    workdir.mkdir()
    tasks = module_tasks(cases, emu.endpoint_url, workdir) + lookup_tasks(cases, emu.endpoint_url, workdir)
    for index, task in enumerate(tasks):
        task.update({"when": f"inventory_hostname == 'nolog{index % HOSTS}'", "ignore_errors": True})
    play = [{"hosts": "nolog", "connection": "local", "gather_facts": False, "strategy": "free", "tasks": tasks}]
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"nolog": {"hosts": {f"nolog{index}": {} for index in range(HOSTS)}}}), encoding="utf-8")
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(yaml.safe_dump(cases.variables), encoding="utf-8")
    log = tmp_path / "ansible.log"
    result = run_playbook(emu, yaml.safe_dump(play, sort_keys=False), verbosity=verbosity, env={"ANSIBLE_LOG_PATH": str(log)},
                          extra_args=["-i", str(hosts), "--forks", str(HOSTS), "-e", f"@{secrets}"])
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "ANSIBLE_LOG_PATH": log.read_text(encoding="utf-8", errors="replace")}
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # Every case ran once (on its host; the others skipped it): none was lost.
    skipped = sum(int(count) for count in re.findall(r"^nolog\d+\s*:.*skipped=(\d+)", result.stdout, re.M))
    assert HOSTS * len(tasks) - skipped == len(tasks), result.stdout[-2000:]
    assert outputs["ANSIBLE_LOG_PATH"], "the log file stayed empty: checking it proves nothing"
    assert not leaks(cases, outputs), leaks(cases, outputs)
    record_summary("inputs", f"no_log:modules-and-lookup:v{verbosity}", {"cases": len(cases.markers), "tasks": len(tasks)})


@pytest.mark.parametrize("verbosity", [0, 4])
def test_inventory_secret_options_of_every_shape_never_show(emu: t.Any, tmp_path: Path, verbosity: int) -> None:
    cases = Cases()
    sources = []
    for option in organization_accounts.SECRET_OPTIONS:
        for shape in SHAPES:
            cases.secret(f"inventory {option}", shape)
            marker = list(cases.markers)[-1]
            config = {"plugin": "crossaccount.aws.organization_accounts", "endpoint_url": emu.endpoint_url, "region": "us-east-1"}
            config.update(NEIGHBOURS[canonical(option)])
            config[option] = secret_value(shape, marker)
            path = tmp_path / f"{len(sources):02d}.organization_accounts.yml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            sources += ["-i", str(path)]
    log = tmp_path / "ansible.log"
    env = dict(emu.env, ANSIBLE_COLLECTIONS_PATH=str(ensure_collection_link()), ANSIBLE_LOG_PATH=str(log), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(emu.state_dir, "ansible-tmp"))
    env.pop("PYTHONPATH", None)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), *sources, "--list"]
    if verbosity:
        command.append("-" + "v" * verbosity)
    # Ansible's default inventory plugins (auto finds this one; yaml, ini, toml try the files too).
    proc = subprocess.run(command, env=env, cwd=str(COLLECTIONS_PATH), capture_output=True, text=True, timeout=300, check=False)
    outputs = {"stdout": proc.stdout, "stderr": proc.stderr, "ANSIBLE_LOG_PATH": log.read_text(encoding="utf-8", errors="replace")}
    # Each source failed in the plugin (none was read), naming the option where its shape is wrong.
    listing = re.search(r"^\{$.*", proc.stdout, re.M | re.S)  # -vvvv prints a header before the JSON
    assert proc.returncode == 0 and listing and json.loads(listing.group(0))["_meta"]["hostvars"] == {}, proc.stderr[-3000:]
    assert " ".join(proc.stderr.split()).count("must be a string, got a") >= 2 * len(organization_accounts.SECRET_OPTIONS), proc.stderr[-3000:]
    assert outputs["ANSIBLE_LOG_PATH"], "the log file stayed empty: checking it proves nothing"
    assert not leaks(cases, outputs), leaks(cases, outputs)
    record_summary("inputs", f"no_log:inventory:v{verbosity}", {"cases": len(cases.markers)})
