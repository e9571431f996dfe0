# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module aws_profile: the profile it writes works for boto3 and the AWS CLI against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import typing as t

import boto3
import botocore.session
from ansible_runner import run_module, run_playbook

TARGET = "222222222222"
SOURCE = "111111111111"
ROLE = "cli-role"
ROLE_ARN = f"arn:aws:iam::{TARGET}:role/{ROLE}"
BUCKET = "cli-profile-bucket"
# The AWS CLI pinned in tests/requirements*.txt, next to this interpreter: it always runs, never "when installed".
AWS_CLI = os.path.join(os.path.dirname(sys.executable), "aws")


def create_target_role(emu: t.Any) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole"}]}
    iam = emu.aws("iam", "target-admin")
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")


def seed_bucket(emu: t.Any) -> None:
    s3 = emu.aws("s3", "target-admin")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="reports/seed.txt", Body=b"seed\n")


def aws_cli(emu: t.Any, tmp_path: t.Any, config: str, credentials: str, *args: str) -> str:
    """Run the real AWS CLI with only the given files (and a private HOME); return its stdout."""
    # A private HOME: the CLI caches assumed-role credentials in ~/.aws/cli/cache, and an entry from an earlier
    # emulator run would be a stale (unknown) key.
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = dict(emu.env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials, HOME=str(home))
    proc = subprocess.run([AWS_CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout


def session(config_file: str, credentials_file: str, profile: str) -> boto3.Session:
    core = botocore.session.Session()
    core.set_config_variable("config_file", config_file)
    core.set_config_variable("credentials_file", credentials_file)
    core.set_config_variable("profile", profile)
    return boto3.Session(botocore_session=core)


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_role_profile_works_for_boto3_and_cli_and_preserves_the_file(emu: t.Any, tmp_path: t.Any) -> None:
    create_target_role(emu)
    config = str(tmp_path / "config")
    shutil.copyfile(emu.config_file, config)
    with open(config, "a", encoding="utf-8") as handle:
        handle.write("# a comment the module must keep\n\n")
    os.chmod(config, 0o644)
    with open(config, "rb") as handle:
        original = handle.read()
    args = {
        "name": "assumed-role",
        "config_file": config,
        "role_arn": ROLE_ARN,
        "source_profile": "source-admin",
        "role_session_name": "cli-check",
        "region": "us-east-1",
        "endpoint_url": emu.endpoint_url,
    }

    # check mode: predicts the change, writes nothing
    result = run_module(emu, "aws_profile", args, check=True, diff=True)
    assert not result["failed"], result
    assert result["changed"] and result["profile"]["mode_tightened"]
    with open(config, "rb") as handle:
        assert handle.read() == original
    assert mode(config) == 0o644

    result = run_module(emu, "aws_profile", args, diff=True)
    assert not result["failed"], result
    assert result["changed"]
    assert result["profile"]["config_file"] == config
    assert result["profile"]["section"] == "profile assumed-role"
    assert result["profile"]["settings"]["role_arn"] == ROLE_ARN
    assert result["profile"]["mode_tightened"] is True
    assert result["diff"]["before"] == ""
    assert f"role_arn = {ROLE_ARN}\n" in result["diff"]["after"]
    assert mode(config) == 0o600
    with open(config, "rb") as handle:
        written = handle.read()
    # every byte of the original file is still there, in place; only the new section follows
    assert written.startswith(original)
    added = written[len(original):].decode()
    assert added.startswith("[profile assumed-role]\n")
    assert added == result["diff"]["after"]

    # boto3 assumes the role through the profile alone
    identity = session(config, emu.credentials_file, "assumed-role").client("sts").get_caller_identity()
    assert identity["Account"] == TARGET
    assert identity["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/{ROLE}/cli-check"
    # ... and so does the real AWS CLI: the seed's step 5, `aws s3 ls --profile assumed-role`
    out = aws_cli(emu, tmp_path, config, emu.credentials_file, "sts", "get-caller-identity", "--profile", "assumed-role", "--output", "json")
    assert json.loads(out)["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/{ROLE}/cli-check"
    seed_bucket(emu)
    out = aws_cli(emu, tmp_path, config, emu.credentials_file, "s3", "ls", f"s3://{BUCKET}", "--recursive", "--profile", "assumed-role")
    assert out.rstrip().endswith(" 5 reports/seed.txt"), out

    # idempotent
    again = run_module(emu, "aws_profile", args, diff=True)
    assert not again["failed"] and not again["changed"]
    with open(config, "rb") as handle:
        assert handle.read() == written

    # a changed setting is edited in place; check mode does not write it
    changed_args = dict(args, external_id="ext-0042")
    predicted = run_module(emu, "aws_profile", changed_args, check=True, diff=True)
    assert predicted["changed"] and "external_id = ext-0042" in predicted["diff"]["after"]
    with open(config, "rb") as handle:
        assert handle.read() == written
    result = run_module(emu, "aws_profile", changed_args)
    assert result["changed"] and "diff" not in result
    with open(config, "rb") as handle:
        edited = handle.read()
    assert edited.startswith(original) and b"external_id = ext-0042\n" in edited[len(original):]

    # absent removes exactly the section
    removed = run_module(emu, "aws_profile", {"name": "assumed-role", "state": "absent", "config_file": config})
    assert removed["changed"] and removed["profile"]["section"] is None
    with open(config, "rb") as handle:
        assert handle.read() == original
    assert not run_module(emu, "aws_profile", {"name": "assumed-role", "state": "absent", "config_file": config})["changed"]


def test_credentials_profile_masks_secrets_and_works(emu: t.Any, tmp_path: t.Any) -> None:
    create_target_role(emu)
    creds = emu.aws("sts", "source-admin").assume_role(RoleArn=ROLE_ARN, RoleSessionName="stored")["Credentials"]
    credentials = str(tmp_path / "aws" / "credentials")
    config = str(tmp_path / "aws" / "config")
    args = {
        "name": "stored",
        "kind": "credentials",
        "credentials_file": credentials,
        "access_key": creds["AccessKeyId"],
        "secret_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
        "region": "us-east-1",
        "endpoint_url": emu.endpoint_url,
    }
    result = run_module(emu, "aws_profile", args, diff=True)
    assert not result["failed"], result
    assert result["changed"]
    dumped = json.dumps(result)
    assert creds["SecretAccessKey"] not in dumped and creds["SessionToken"] not in dumped
    assert "aws_secret_access_key = ********\n" in result["diff"]["after"]
    assert "aws_session_token = ********\n" in result["diff"]["after"]
    assert result["profile"]["settings"] == {"aws_access_key_id": creds["AccessKeyId"], "region": "us-east-1", "endpoint_url": emu.endpoint_url}
    assert mode(credentials) == 0o600 and mode(os.path.dirname(credentials)) == 0o700
    assert not os.path.exists(config)  # kind=credentials writes only the credentials file
    identity = session(config, credentials, "stored").client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/{ROLE}/stored"
    assert not run_module(emu, "aws_profile", args)["changed"]


def test_bad_input_names_the_option_and_touches_nothing(emu: t.Any, tmp_path: t.Any) -> None:
    config = str(tmp_path / "config")
    cases = [
        ({"name": "bad name", "role_arn": ROLE_ARN, "source_profile": "source-admin"}, "name"),
        ({"name": "p", "role_arn": "arn:aws:iam::2222:role/x", "source_profile": "source-admin"}, "role_arn"),
        ({"name": "p", "role_arn": ROLE_ARN, "source_profile": "source-admin", "duration_seconds": 60}, "duration_seconds"),
        ({"name": "p", "role_arn": ROLE_ARN}, "source_profile"),
        ({"name": "p", "role_arn": ROLE_ARN, "source_profile": "a", "credential_source": "Environment"}, "source_profile"),
        ({"name": "p", "role_arn": ROLE_ARN, "source_profile": "a", "secret_key": "hunter22"}, "secret_key"),
        ({"name": "p", "role_arn": ROLE_ARN, "source_profile": "a", "role_session_name": "x"}, "role_session_name"),
        ({"name": "p", "role_arn": ROLE_ARN, "source_profile": "a", "external_id": "has space"}, "external_id"),
    ]
    for args, option in cases:
        result = run_module(emu, "aws_profile", dict(args, config_file=config))
        assert result["failed"], (args, result)
        assert result["msg"].startswith(f"{option}: "), (option, result["msg"])
        assert "hunter22" not in json.dumps(result)
    assert not os.path.exists(config)
    # connection options are not options of this module
    result = run_module(emu, "aws_profile", {"name": "p", "role_arn": ROLE_ARN, "source_profile": "a", "config_file": config},
                        profile="source-admin")
    assert result["failed"] and "profile" in result["msg"]
    assert emu.client.calls() == []


def test_secret_aliases_of_every_module_and_unknown_keys_never_echo_a_secret(emu: t.Any, tmp_path: t.Any) -> None:
    create_target_role(emu)
    creds = emu.aws("sts", "source-admin").assume_role(RoleArn=ROLE_ARN, RoleSessionName="aliased")["Credentials"]
    credentials = str(tmp_path / "credentials")
    # The names every other module (and the AWS CLI's files) use for the same values.
    args = {
        "name": "aliased",
        "kind": "credentials",
        "credentials_file": credentials,
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
        "aws_region": "us-east-1",
        "aws_endpoint_url": emu.endpoint_url,
    }
    result = run_module(emu, "aws_profile", args, diff=True)
    assert not result["failed"], result
    dumped = json.dumps(result)
    assert creds["SecretAccessKey"] not in dumped and creds["SessionToken"] not in dumped
    identity = session(str(tmp_path / "config"), credentials, "aliased").client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/{ROLE}/aliased"
    other_aliases = {key: value for key, value in args.items() if key not in ("aws_access_key_id", "aws_secret_access_key")}
    other_aliases.update(aws_access_key=creds["AccessKeyId"], aws_secret_key=creds["SecretAccessKey"])
    again = run_module(emu, "aws_profile", other_aliases)
    assert not again["failed"] and not again["changed"], again

    # A misspelt key next to the secret, and a secret under a key the module does not know.
    misspelt = dict(args, secret_acces_key="MisspeltSecretValue0001", aws_secret_key_id="MisspeltSecretValue0002")
    result = run_module(emu, "aws_profile", misspelt)
    assert result["failed"]
    assert "secret_acces_key" in result["msg"] and "aws_secret_key_id" in result["msg"]
    dumped = json.dumps(result)
    for secret in ("MisspeltSecretValue0001", "MisspeltSecretValue0002", creds["SecretAccessKey"], creds["SessionToken"]):
        assert secret not in dumped


def test_credential_process_output_of_the_lookup_works_for_the_aws_cli(emu: t.Any, tmp_path: t.Any) -> None:
    create_target_role(emu)
    seed_bucket(emu)
    out = str(tmp_path / "process.json")
    play = f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The lookup's credential_process document (Version 1 JSON)
      ansible.builtin.copy:
        content: "{{{{ lookup('crossaccount.aws.assumed_credentials', '{ROLE_ARN}', profile='source-admin',
                   role_session_name='from-process', cache_dir='{tmp_path / "cache"}', format='credential_process') | to_json }}}}"
        dest: "{out}"
        mode: "0600"
      no_log: true
"""
    result = run_playbook(emu, play)
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-4000:]
    config = str(tmp_path / "config")
    with open(config, "w", encoding="utf-8") as handle:
        # The CLI runs the command and reads the document from its stdout, as with any credential_process.
        handle.write(f"[profile from-process]\ncredential_process = cat {out}\nregion = us-east-1\nendpoint_url = {emu.endpoint_url}\n")
    empty = str(tmp_path / "no-credentials")
    open(empty, "w", encoding="utf-8").close()
    identity = json.loads(aws_cli(emu, tmp_path, config, empty, "sts", "get-caller-identity", "--profile", "from-process", "--output", "json"))
    assert identity["Arn"] == f"arn:aws:sts::{TARGET}:assumed-role/{ROLE}/from-process"
    listing = aws_cli(emu, tmp_path, config, empty, "s3", "ls", f"s3://{BUCKET}", "--recursive", "--profile", "from-process")
    assert listing.rstrip().endswith(" 5 reports/seed.txt"), listing
