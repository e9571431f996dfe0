# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup ``format: profile``: AWS CLI / SDK commands get refreshing credentials with no secret in their environment."""

from __future__ import annotations

import configparser
import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from ansible_runner import REPO_ROOT, run_playbook
from credentials_support import TARGET, assume_calls, create_role

LOOKUP = "crossaccount.aws.assumed_credentials"
AWS_CLI = REPO_ROOT / ".venv" / "bin" / "aws"

# Two SDK calls in one process, the second after the first credentials expired; the credentials it
# used go to a private file for the test (never to the output).
SDK_SCRIPT = textwrap.dedent("""
    import json, os, sys, time, datetime, boto3
    session = boto3.session.Session()
    sts = session.client("sts")
    first = sts.get_caller_identity()["Arn"]
    one = session.get_credentials().get_frozen_credentials()
    expiry = session.get_credentials()._expiry_time
    time.sleep(max(0.0, (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1.0)
    second = sts.get_caller_identity()["Arn"]
    two = session.get_credentials().get_frozen_credentials()
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump([[one.access_key, one.secret_key, one.token], [two.access_key, two.secret_key, two.token]], handle)
    print(json.dumps({"arns": [first, second], "rotated": one.access_key != two.access_key}))
""")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_sdk_in_command_task_refreshes_across_expiry_without_secrets_in_output(emu, tmp_path):
    # 900-second sessions live 15 real seconds.
    emu.client.configure(time_scale=60)
    arn = create_role(emu, "ProfileReader")
    cache_dir = tmp_path / "cache"
    ansible_log = tmp_path / "ansible.log"
    used = tmp_path / "used.json"
    out = tmp_path / "out.json"
    cli = ""
    if AWS_CLI.exists():
        cli = f"""
        - name: The AWS CLI with the same profile
          ansible.builtin.command:
            argv: ["{AWS_CLI}", sts, get-caller-identity, --query, Arn, --output, text]
          environment: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir=cache_dir, duration_seconds=900, format='profile') }}}}"
          register: cli
          changed_when: false
        - ansible.builtin.assert:
            that: cli.stdout is search('assumed-role/ProfileReader/')
"""
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: SDK calls across an expiry, credentials from the generated profile
              ansible.builtin.command:
                argv: ["{sys.executable}", -c, "{{{{ script }}}}", "{used}"]
              environment: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir=cache_dir, duration_seconds=900, format='profile') }}}}"
              register: sdk
              changed_when: false
            - name: Keep the result
              ansible.builtin.copy:
                content: "{{{{ sdk.stdout }}}}"
                dest: "{out}"
                mode: "0600"
    """) + textwrap.indent(textwrap.dedent(cli), "    ")
    result = run_playbook(emu, play, verbosity=4, extra_vars={"role": arn, "cache_dir": str(cache_dir), "script": SDK_SCRIPT},
                          env={"ANSIBLE_LOG_PATH": str(ansible_log)})
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]

    data = json.loads(out.read_text())
    assert all(a.startswith(f"arn:aws:sts::{TARGET}:assumed-role/ProfileReader/") for a in data["arns"]), data
    assert data["rotated"] is True
    # The lookup's call, then the credential_process's own after expiry (the SDK asked it again).
    assert len(assume_calls(emu)) >= 2

    # Files: a 0600 config file without secrets and a 0600 source description, in the 0700 cache directory.
    configs = sorted(cache_dir.glob("profile-*.config"))
    assert len(configs) == 1
    for path in [*configs, *cache_dir.glob("profile-*.description.json")]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    parser = configparser.RawConfigParser()
    parser.read(configs[0])
    (section,) = parser.sections()
    assert set(parser[section]) <= {"credential_process", "region", "endpoint_url", "ca_bundle"}

    source = configparser.ConfigParser()
    source.read(emu.credentials_file)
    secrets = {"source secret key": source["source-admin"]["aws_secret_access_key"]}
    for index, (key_id, secret, token) in enumerate(json.loads(used.read_text())):
        secrets.update({f"access key id {index}": key_id, f"secret key {index}": secret, f"session token {index}": token})
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "ANSIBLE_LOG_PATH": _read(ansible_log),
               "config file": configs[0].read_text()}
    # The log really captured the run, with the environment Ansible shows at -vvv and above.
    assert "crossaccount-" in outputs["ANSIBLE_LOG_PATH"] and "AWS_CONFIG_FILE" in result.stdout
    for where, text in outputs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"{what} found in {where}"


def test_profile_format_returns_only_file_and_profile_names(emu, tmp_path):
    arn = create_role(emu, "ProfileShape")
    cache_dir = tmp_path / "cache"
    out = tmp_path / "env.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.copy:
                content: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir=cache_dir, format='profile') | to_json }}}}"
                dest: "{out}"
                mode: "0600"
    """)
    result = run_playbook(emu, play, extra_vars={"role": arn, "cache_dir": str(cache_dir)})
    assert result.rc == 0, result.stdout[-3000:]
    env = json.loads(out.read_text())
    assert set(env) == {"AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_SDK_LOAD_CONFIG"}
    assert Path(env["AWS_CONFIG_FILE"]).parent == cache_dir
    # Served from the cache the lookup filled: the SDK's first call makes no AssumeRole of its own.
    calls = len(assume_calls(emu))
    assert calls == 1
    session = emu.session(None)
    environ = dict(os.environ)
    try:
        os.environ.update(env)
        import boto3

        who = boto3.session.Session(profile_name=env["AWS_PROFILE"]).client("sts").get_caller_identity()
    finally:
        os.environ.clear()
        os.environ.update(environ)
    del session
    assert who["Arn"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/ProfileShape/")
    assert len(assume_calls(emu)) == calls


def test_profile_format_refuses_an_unusable_cache_and_no_cache(emu, tmp_path):
    arn = create_role(emu, "ProfileRefused")
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{shared}', format='profile') }}}}"
              ignore_errors: true
            - ansible.builtin.debug:
                msg: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache=false, format='profile') }}}}"
              ignore_errors: true
    """)
    result = run_playbook(emu, play, extra_vars={"role": arn})
    assert result.rc == 0, result.stdout[-3000:]
    assert f"cache_dir: format=profile needs a usable cache directory: cache_dir {shared} is writable by other users" in result.stdout, result.stdout
    assert "format: profile serves the credentials from the cache: it needs cache=true" in result.stdout
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o777
    assert assume_calls(emu) == []


def test_profile_through_a_hub_reassumes_only_the_expired_hop(emu, tmp_path):
    import json as _json

    from credentials_support import SOURCE, trust

    emu.client.configure(time_scale=30)
    iam = emu.aws("iam", profile="source-admin", max_attempts=5)
    iam.create_role(RoleName="ProfileHub", AssumeRolePolicyDocument=_json.dumps(trust()))
    iam.put_role_policy(RoleName="ProfileHub", PolicyName="assume", PolicyDocument=_json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    hub = f"arn:aws:iam::{SOURCE}:role/ProfileHub"
    leaf = create_role(emu, "ProfileLeaf", trust(principal=hub))
    used = tmp_path / "used.json"
    out = tmp_path / "out.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.command:
                argv: ["{sys.executable}", -c, "{{{{ script }}}}", "{used}"]
              # The hub's one-hour session lives 120 real seconds (served for 60), the leaf's 900 s only 30.
              environment: "{{{{ lookup('{LOOKUP}', leaf, via=[hub], profile='source-admin', cache_dir=cache_dir, duration_seconds=900,
                                       format='profile') }}}}"
              register: sdk
              changed_when: false
            - ansible.builtin.copy:
                content: "{{{{ sdk.stdout }}}}"
                dest: "{out}"
                mode: "0600"
    """)
    result = run_playbook(emu, play, extra_vars={"leaf": leaf, "hub": hub, "cache_dir": str(tmp_path / "cache"), "script": SDK_SCRIPT})
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["rotated"] is True
    assert all(a.startswith(f"arn:aws:sts::{TARGET}:assumed-role/ProfileLeaf/") for a in data["arns"]), data
    calls = [c for c in assume_calls(emu) if c["error_code"] is None]
    # The lookup: hub (source keys) and leaf; after the leaf expired, the credential_process assumed the leaf again
    # from the cached hub session, never the hub again.
    source_key = configparser.ConfigParser()
    source_key.read(emu.credentials_file)
    by_source = [c for c in calls if c["access_key"] == source_key["source-admin"]["aws_access_key_id"]]
    assert len(by_source) == 1, calls
    assert len(calls) >= 3 and len({c["access_key"] for c in calls[1:]}) == 1, calls


# SDK calls before and after the generated profile's session expired; what the second one said.
EXPIRY_SCRIPT = textwrap.dedent("""
    import datetime, json, time, boto3
    session = boto3.session.Session()
    sts = session.client("sts")
    first = sts.get_caller_identity()["Arn"]
    expiry = session.get_credentials()._expiry_time
    time.sleep(max(0.0, (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1.0)
    try:
        second = "no error: " + sts.get_caller_identity()["Arn"]
    except Exception as exc:
        second = str(exc)
    print(json.dumps({"first": first, "second": second}))
""")


def _oidc_role(emu) -> str:
    from emulator.oidc import ISSUER

    host = ISSUER.split("://", 1)[1]
    iam = emu.aws("iam", profile="target-admin", max_attempts=5)
    iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["0" * 40])
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{TARGET}:oidc-provider/{host}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"}, "StringLike": {f"{host}:sub": "repo:example/app:*"}},
    }]}
    iam.create_role(RoleName="ProfileFromToken", AssumeRolePolicyDocument=json.dumps(document))
    return f"arn:aws:iam::{TARGET}:role/ProfileFromToken"


@pytest.mark.parametrize("source", ["explicit keys", "inline token"])
def test_a_secret_given_to_the_lookup_is_never_written_and_its_profile_stops_at_expiry(emu, tmp_path, source):
    from emulator.oidc import ISSUER, mint_token

    # One-hour sessions live 60 real seconds: long enough for the command to start on a busy machine.
    emu.client.configure(time_scale=60)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir(mode=0o700)
    # What 0.2 left behind: a source description holding the secret. It goes.
    legacy = cache_dir / f"profile-{'ab' * 16}.source.json"
    legacy.write_text(json.dumps({"format": "crossaccount.aws/profile-source/v1", "options": {"secret_key": "legacy-secret-0001"}}))
    os.chmod(legacy, 0o600)
    keys = configparser.ConfigParser()
    keys.read(emu.credentials_file)
    if source == "explicit keys":
        role = create_role(emu, "ProfileExplicitKeys")
        secret = keys["source-admin"]["aws_secret_access_key"]
        secrets = {"access_key": keys["source-admin"]["aws_access_key_id"], "secret_key": secret}
    else:
        role = _oidc_role(emu)
        secret = mint_token(ISSUER, "sts.amazonaws.com", "repo:example/app:ref:refs/heads/main")
        secrets = {"web_identity_token": secret}
    emu.client.clear_calls()
    vars_file = tmp_path / "secrets.yml"
    vars_file.write_text(json.dumps({"source": secrets}), encoding="utf-8")
    out = tmp_path / "out.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.command:
                argv: ["{sys.executable}", -c, "{{{{ script }}}}"]
              environment: "{{{{ lookup('{LOOKUP}', role, endpoint_url=endpoint, region='us-east-1', cache_dir=cache_dir,
                                       duration_seconds=3600, format='profile', **source) }}}}"
              register: sdk
              changed_when: false
            - ansible.builtin.copy:
                content: "{{{{ sdk.stdout }}}}"
                dest: "{out}"
                mode: "0600"
    """)
    env = {"AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": os.devnull}
    result = run_playbook(emu, play, extra_vars={"role": role, "cache_dir": str(cache_dir), "endpoint": emu.endpoint_url,
                                                 "script": EXPIRY_SCRIPT}, env=env, extra_args=["-e", f"@{vars_file}"])
    assert result.rc == 0, result.stdout[-5000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    # The session the lookup cached served the command while it lasted...
    assert data["first"].startswith(f"arn:aws:sts::{TARGET}:assumed-role/"), data
    # ...and then the profile said, in one line, why it cannot refresh and what refreshes.
    assert "never written to disk" in data["second"] and "web_identity_token_file" in data["second"], data
    assert "profile" in data["second"] and "environment" in data["second"], data
    calls = emu.client.calls(service="sts")
    assert len([c for c in calls if c["action"] in ("AssumeRole", "AssumeRoleWithWebIdentity")]) == 1, calls
    # No file anywhere under the cache directory holds the secret, and the legacy description is gone.
    assert not legacy.exists()
    for path in cache_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name


def test_profile_format_refuses_a_cache_below_a_directory_of_another_user(emu, tmp_path):
    # The other user could swap the cache directory for one holding a credential_process of theirs.
    assert os.geteuid() == 0, "needs root to give a directory to another user"
    arn = create_role(emu, "ProfileParent")
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    (theirs / "cache").mkdir(mode=0o700)  # ours and private: only its parent is wrong
    os.chown(theirs, 40126, 40126)
    out = tmp_path / "out.json"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{theirs}/cache', format='profile') }}}}"
              ignore_errors: true
            - ansible.builtin.copy:
                content: "{{{{ lookup('{LOOKUP}', role, profile='source-admin', cache_dir='{theirs}/cache').access_key }}}}"
                dest: "{out}"
                mode: "0600"
    """)
    result = run_playbook(emu, play, extra_vars={"role": arn})
    assert result.rc == 0, result.stdout[-3000:]
    text = " ".join(result.stdout.split())
    assert f"cache_dir: format=profile needs a usable cache directory: cache_dir {theirs}/cache: its parent {theirs} is owned by another user" in text
    # Other formats warn and work without the cache.
    assert "not caching credentials" in " ".join(result.stderr.split()) + text
    assert out.read_text().startswith("ASIA") and os.listdir(theirs / "cache") == []
