# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup assumed_credentials in real ansible-playbook runs against the emulator."""

from __future__ import annotations

import json
import os
import stat
import typing as t

import pytest
from ansible_runner import run_playbook
from credentials_support import MFA_SERIAL, TARGET, assume_calls, create_role, identity_with, role_arn

LOOKUP = "crossaccount.aws.assumed_credentials"


def _kwargs(options: t.Mapping[str, t.Any], var: str = "opts") -> str:
    # Options go through extra vars so that quoting never matters.
    return "".join(f", {key}={var}.{key}" for key in options)


def dump_task(name: str, out: str, options: t.Mapping[str, t.Any], term: str = "role", fmt: str | None = None) -> str:
    """A task writing the lookup result to ``out`` as JSON (no_log: it holds secrets)."""
    literal = f", format='{fmt}'" if fmt else ""
    return f"""
    - name: {name}
      ansible.builtin.copy:
        content: "{{{{ lookup('{LOOKUP}', {term}{_kwargs(options)}{literal}) | to_json }}}}"
        dest: "{out}"
        mode: "0600"
      no_log: true
"""


def play(tasks: str, hosts: str = "localhost") -> str:
    return f"""
- hosts: {hosts}
  gather_facts: false
  tasks:
{tasks}
"""


def read(path: str) -> dict[str, t.Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache")


def base_options(cache_dir: str, **extra: t.Any) -> dict[str, t.Any]:
    options: dict[str, t.Any] = {"profile": "source-admin", "cache_dir": cache_dir}
    options.update(extra)
    return options


def check(result) -> None:
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.smoke
def test_module_defaults_from_lookup_reach_the_target_account(emu, cache_dir, tmp_path):
    # The assumed role may administer IAM in the target account.
    arn = create_role(emu, "Operator", clear_log=False)
    emu.aws("iam", profile="target-admin").attach_role_policy(RoleName="Operator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    emu.client.clear_calls()
    options = base_options(cache_dir, endpoint_url=emu.endpoint_url, region="us-east-1")
    out = str(tmp_path / "made.json")
    text = f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/crossaccount.aws.aws: "{{{{ lookup('{LOOKUP}', role{_kwargs(options)}) }}}}"
  tasks:
    - name: Create a role in the target account with the assumed credentials
      crossaccount.aws.target_role:
        name: MadeThroughLookup
        trusted_account_ids: ["{TARGET}"]
      register: made
    - name: Chain from the assumed role with the same defaults
      crossaccount.aws.assume_role:
        role_arn: "{{{{ made.role.arn }}}}"
        wait_timeout: 30
      register: chained
    - ansible.builtin.copy:
        content: "{{{{ {{'role': made.role.arn, 'chained': chained.assumed_role.arn, 'account': chained.account_id}} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    result = run_playbook(emu, text, extra_vars={"role": arn, "opts": options})
    check(result)
    data = read(out)
    assert data["role"] == role_arn("MadeThroughLookup")
    assert data["chained"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/MadeThroughLookup/")
    # The role exists in the target account, created by the assumed-role session.
    assert emu.aws("iam", profile="target-admin").get_role(RoleName="MadeThroughLookup")["Role"]["Arn"] == data["role"]
    creates = emu.client.calls(service="iam", action="CreateRole")
    assert [c["account"] for c in creates] == [TARGET]
    # One AssumeRole by the lookup (cached for both tasks), one by the chained assume_role task.
    calls = assume_calls(emu)
    assert len(calls) == 2
    assert [c["access_key"] for c in calls].count("AKIAEMUSOURCEADMIN01") == 1


@pytest.mark.smoke
def test_fifty_tasks_make_one_assume_role_call(emu, cache_dir, tmp_path):
    arn = create_role(emu, "Fifty")
    options = base_options(cache_dir)
    tasks = "".join(
        f"""
    - ansible.builtin.assert:
        that: lookup('{LOOKUP}', role{_kwargs(options)}).access_key is match('ASIA')
        quiet: true
"""
        for _task in range(50)
    )
    check(run_playbook(emu, play(tasks), extra_vars={"role": arn, "opts": options}))
    assert len(assume_calls(emu)) == 1


def test_cache_false_calls_once_per_use(emu, cache_dir, tmp_path):
    arn = create_role(emu, "NoCache")
    options = base_options(cache_dir, cache=False)
    tasks = "".join(dump_task(f"use {i}", str(tmp_path / f"{i}.json"), options) for i in range(3))
    check(run_playbook(emu, play(tasks), extra_vars={"role": arn, "opts": options}))
    assert len(assume_calls(emu)) == 3
    keys = {read(str(tmp_path / f"{i}.json"))["access_key"] for i in range(3)}
    assert len(keys) == 3
    assert not os.path.exists(cache_dir)


def test_entry_near_expiry_is_refreshed(emu, cache_dir, tmp_path):
    # The third lookup asks for a refresh window as long as the session (900 s): the cached entry, which has less
    # than that left whatever the machine's speed, is inside it and must be refreshed. (The default window, a third
    # of the lifetime, is unit-tested: a wall-clock pause here would depend on the machine's load.)
    arn = create_role(emu, "Scaled")
    options = base_options(cache_dir, duration_seconds=900, format="credential_process")
    near_expiry = {**options, "refresh_window": 900}
    tasks = (
        dump_task("first", str(tmp_path / "a.json"), options)
        + dump_task("second, still fresh", str(tmp_path / "b.json"), options)
        + dump_task("third, within the refresh window", str(tmp_path / "c.json"), near_expiry)
    )
    check(run_playbook(emu, play(tasks), extra_vars={"role": arn, "opts": near_expiry}))
    a, b, c = (read(str(tmp_path / f"{n}.json")) for n in "abc")
    assert a["Version"] == 1 and a["AccountId"] == TARGET
    assert a["AccessKeyId"] == b["AccessKeyId"]
    assert c["AccessKeyId"] != a["AccessKeyId"] and c["Expiration"] >= a["Expiration"]
    assert len(assume_calls(emu)) == 2


def test_expired_entry_is_never_returned(emu, cache_dir, tmp_path):
    # 900-second sessions live 3 real seconds; with no refresh window only expiry itself counts.
    emu.client.configure(time_scale=300)
    arn = create_role(emu, "Expiring")
    options = base_options(cache_dir, duration_seconds=900, refresh_window=0, format="credential_process")
    tasks = (
        dump_task("first", str(tmp_path / "a.json"), options)
        + "\n    - ansible.builtin.pause:\n        seconds: 4\n"
        + dump_task("after expiry", str(tmp_path / "b.json"), options)
    )
    check(run_playbook(emu, play(tasks), extra_vars={"role": arn, "opts": options}))
    a, b = read(str(tmp_path / "a.json")), read(str(tmp_path / "b.json"))
    assert b["AccessKeyId"] != a["AccessKeyId"]
    assert len(assume_calls(emu)) == 2


def test_cache_files_0600_in_0700_directory_and_corrupt_file_replaced(emu, cache_dir, tmp_path):
    arn = create_role(emu, "Files")
    options = base_options(cache_dir)
    text = play(dump_task("fill", str(tmp_path / "a.json"), options))
    check(run_playbook(emu, text, extra_vars={"role": arn, "opts": options}))
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    entries = [name for name in os.listdir(cache_dir) if name.endswith(".json")]
    assert len(entries) == 1
    for name in os.listdir(cache_dir):
        assert stat.S_IMODE(os.stat(os.path.join(cache_dir, name)).st_mode) == 0o600
    entry = os.path.join(cache_dir, entries[0])
    assert read(entry)["credentials"]["access_key"] == read(str(tmp_path / "a.json"))["access_key"]

    with open(entry, "w", encoding="utf-8") as handle:
        handle.write('{"format": "crossaccount.aws/assumed-credentials/v1", "key": "trunc')
    text = play(dump_task("after corruption", str(tmp_path / "b.json"), options))
    check(run_playbook(emu, text, extra_vars={"role": arn, "opts": options}))
    assert len(assume_calls(emu)) == 2
    replaced = read(entry)
    assert replaced["credentials"]["access_key"] == read(str(tmp_path / "b.json"))["access_key"]
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600


def test_ten_forks_make_at_most_one_call(emu, cache_dir, tmp_path):
    arn = create_role(emu, "Forked")
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[forkers]\n"
        + "".join(f"fork{i} ansible_connection=local\n" for i in range(10))
    )
    options = base_options(cache_dir)
    tasks = f"""
    - ansible.builtin.assert:
        that: lookup('{LOOKUP}', role{_kwargs(options)}).access_key is match('ASIA')
        quiet: true
"""
    result = run_playbook(emu, play(tasks, hosts="forkers"), extra_vars={"role": arn, "opts": options},
                          extra_args=["-i", str(inventory), "-f", "10"])
    check(result)
    assert result.stdout.count("ok: [fork") == 10
    assert len(assume_calls(emu)) == 1


def test_role_created_in_the_same_play_is_assumed_without_a_pause(emu, cache_dir, tmp_path):
    emu.client.configure(propagation_delay=5)
    options = base_options(cache_dir, format="env")
    text = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the role in the target account
      crossaccount.aws.target_role:
        profile: target-admin
        name: BornInPlay
        trusted_account_ids: ["111111111111"]
    - name: Use it at once
      ansible.builtin.copy:
        content: "{{{{ lookup('{LOOKUP}', '{role_arn("BornInPlay")}'{_kwargs(options)}) | to_json }}}}"
        dest: "{tmp_path / 'env.json'}"
        mode: "0600"
      no_log: true
"""
    check(run_playbook(emu, text, extra_vars={"opts": options}))
    env = read(str(tmp_path / "env.json"))
    assert set(env) >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"}
    assert env["AWS_REGION"] == "us-east-1"
    calls = assume_calls(emu)
    # Denied while propagating, then allowed; no pause task was needed. (The target-admin profile's own
    # AssumeRole, made by botocore for the first task, always succeeds.)
    assert [c["error_code"] for c in calls].count("AccessDenied") >= 1, calls
    assert calls[-1]["error_code"] is None
    who = identity_with(emu, {"AccessKeyId": env["AWS_ACCESS_KEY_ID"], "SecretAccessKey": env["AWS_SECRET_ACCESS_KEY"],
                              "SessionToken": env["AWS_SESSION_TOKEN"]})
    assert who["Arn"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/BornInPlay/")


def test_formats_and_options_reach_aws(emu, cache_dir, tmp_path):
    from credentials_support import trust

    document = trust(actions=("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"),
                     condition={"StringEquals": {"sts:ExternalId": "ext-1"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}})
    arn = create_role(emu, "AllOptions", document)
    options = base_options(cache_dir, external_id="ext-1", mfa_serial_number=MFA_SERIAL, mfa_token="654321",
                           session_tags={"project": "atlas"}, transitive_tag_keys=["project"], source_identity="alice",
                           role_session_name="all-options", policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    tasks = "".join(dump_task(fmt, str(tmp_path / f"{fmt}.json"), options, fmt=fmt) for fmt in ("module_args", "env", "credential_process"))
    check(run_playbook(emu, play(tasks), extra_vars={"role": arn, "opts": options}))
    module_args = read(str(tmp_path / "module_args.json"))
    assert set(module_args) == {"access_key", "secret_key", "session_token", "region"}
    env = read(str(tmp_path / "env.json"))
    process = read(str(tmp_path / "credential_process.json"))
    # One cache entry serves every format.
    assert module_args["access_key"] == env["AWS_ACCESS_KEY_ID"] == process["AccessKeyId"]
    assert len(assume_calls(emu)) == 1
    who = identity_with(emu, module_args)
    assert who["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/AllOptions/all-options"


# (id, options, term, option the message names): every case refused before any AWS call, all in one playbook run.
BAD_INPUT = [
    ("unknown-option", {"bogus": 1}, "role", "bogus"),
    ("malformed-arn", {}, "'arn:aws:iam::12:role/X'", "role_arn"),
    ("duration-low", {"duration_seconds": 100}, "role", "duration_seconds"),
    ("duration-high", {"duration_seconds": 99999}, "role", "duration_seconds"),
    ("session-name", {"role_session_name": "no spaces please"}, "role", "role_session_name"),
    ("mfa-token", {"mfa_serial_number": MFA_SERIAL, "mfa_token": "12345"}, "role", "mfa_token"),
    ("format", {"format": "yaml"}, "role", "format"),
    ("external-id", {"external_id": "x"}, "role", "external_id"),
    ("profile-and-keys", {"profile": "source-admin", "access_key": "AKIAX", "secret_key": "zzz"}, "role", "profile"),
]


def test_bad_input_names_the_option_and_makes_no_call(emu, cache_dir, tmp_path):
    out = str(tmp_path / "attempts.json")
    tasks = []
    extra_vars: dict[str, t.Any] = {"role": role_arn("Whatever")}
    for index, (_case, options, term, _option) in enumerate(BAD_INPUT):
        opts = dict(base_options(cache_dir), **options)
        extra_vars[f"opts{index}"] = opts
        tasks.append(f"""
    - ansible.builtin.set_fact:
        creds: "{{{{ lookup('{LOOKUP}', {term}{_kwargs(opts, f'opts{index}')}) }}}}"
      ignore_errors: true
      register: attempt{index}
""")
    attempts = ", ".join(f"attempt{index}" for index in range(len(BAD_INPUT)))
    text = f"""
- hosts: localhost
  gather_facts: false
  tasks:
{"".join(tasks)}
    - ansible.builtin.copy:
        content: "{{{{ [{attempts}] | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    emu.client.clear_calls()
    result = run_playbook(emu, text, extra_vars=extra_vars)
    check(result)
    for (case, _options, _term, option), attempt in zip(BAD_INPUT, read(out)):
        assert attempt["failed"] is True, case
        # What the lookup said, after Ansible's "... failed:" preamble; the option's name is in it.
        said = attempt["msg"].split("assumed_credentials' failed", 1)[1]
        assert option in said, (case, attempt["msg"])
    assert "Traceback" not in result.stdout + result.stderr
    assert emu.client.calls() == []
    assert not os.path.exists(cache_dir)


@pytest.mark.parametrize("where", ["role", "via hop"])
def test_a_wrong_external_id_is_denied_by_aws_not_served_from_the_cache(emu, cache_dir, tmp_path, where):
    # The cached credentials of the right external id must never answer a lookup with another one.
    from credentials_support import SOURCE, trust

    guard = {"StringEquals": {"sts:ExternalId": "right-external-id"}}
    if where == "role":
        role = create_role(emu, "ExternalIdGuard", trust(condition=guard))
        right = {"external_id": "right-external-id"}
        wrong = {"external_id": "wrong-external-id"}
    else:
        iam = emu.aws("iam", profile="source-admin", max_attempts=5)
        iam.create_role(RoleName="GuardedHub", AssumeRolePolicyDocument=json.dumps(trust(condition=guard)))
        iam.put_role_policy(RoleName="GuardedHub", PolicyName="assume", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        hub = f"arn:aws:iam::{SOURCE}:role/GuardedHub"
        role = create_role(emu, "BehindGuardedHub", trust(principal=hub))
        right = {"via": [{"role_arn": hub, "external_id": "right-external-id"}]}
        wrong = {"via": [{"role_arn": hub, "external_id": "wrong-external-id"}]}
    out = tmp_path / "out.json"
    tasks = f"""
    - name: The right external id
      ansible.builtin.set_fact:
        right_key: "{{{{ lookup('{LOOKUP}', role, wait_timeout=0{_kwargs(base_options(cache_dir, **right))}).access_key }}}}"
    - name: The wrong one, right after
      block:
        - ansible.builtin.set_fact:
            wrong_key: "{{{{ lookup('{LOOKUP}', role, wait_timeout=0, **wrong_options).access_key }}}}"
      rescue:
        - ansible.builtin.set_fact:
            denied: "{{{{ ansible_failed_result.msg }}}}"
    - ansible.builtin.copy:
        content: "{{{{ {{'right': right_key is defined, 'wrong': wrong_key | default(''), 'denied': denied | default('')}} | to_json }}}}"
        dest: "{out}"
        mode: "0600"
"""
    result = run_playbook(emu, play(tasks), extra_vars={"role": role, "opts": base_options(cache_dir, **right),
                                                        "wrong_options": base_options(cache_dir, **wrong)})
    check(result)
    seen = read(str(out))
    assert seen["right"] is True and seen["wrong"] == "", seen
    assert "sts:AssumeRole failed: AccessDenied" in seen["denied"], seen
    # AWS was asked, and said no: the second lookup was not answered from the first one's entry.
    denied = [call for call in assume_calls(emu) if call["error_code"] == "AccessDenied"]
    assert denied, assume_calls(emu)
