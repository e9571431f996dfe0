# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web identity as the source: assume_role and the lookup with the emulator's OIDC issuer."""

from __future__ import annotations

import json
import os
import textwrap
import typing as t

import pytest
from ansible_runner import run_module, run_playbook
from credentials_support import TARGET, THIRD, assume_calls, role_arn, trust
from emulator.oidc import ISSUER, mint_token, other_key

LOOKUP = "crossaccount.aws.assumed_credentials"
HOST = ISSUER.split("://", 1)[1]
AUDIENCE = "sts.amazonaws.com"
SUBJECT = "repo:example/app:ref:refs/heads/main"
CI_ROLE = role_arn("CiDeployer", TARGET)
ALLOW_ASSUME = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def web_calls(emu: t.Any) -> list[dict[str, t.Any]]:
    return emu.client.calls(service="sts", action="AssumeRoleWithWebIdentity")


@pytest.fixture
def ci_role(emu: t.Any) -> str:
    """An OIDC provider in the target account and a role trusting its tokens for repo:example/app:* (written by hand)."""
    iam = emu.aws("iam", profile="target-admin", max_attempts=5)
    iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=[AUDIENCE], ThumbprintList=["0" * 40])
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{TARGET}:oidc-provider/{HOST}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{HOST}:aud": AUDIENCE}, "StringLike": {f"{HOST}:sub": "repo:example/app:*"}},
    }]}
    iam.create_role(RoleName="CiDeployer", AssumeRolePolicyDocument=json.dumps(document))
    iam.put_role_policy(RoleName="CiDeployer", PolicyName="assume-anything", PolicyDocument=json.dumps(ALLOW_ASSUME))
    emu.client.clear_calls()
    return CI_ROLE


def no_source(emu: t.Any) -> dict[str, str]:
    # No profile and no keys anywhere: the token is the only credential.
    return {"AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": os.devnull}


def test_assume_role_with_a_token_and_no_source_credentials(emu: t.Any, ci_role: str) -> None:
    token = mint_token(ISSUER, AUDIENCE, SUBJECT)
    result = run_module(emu, "assume_role", {"role_arn": ci_role, "web_identity_token": token, "endpoint_url": emu.endpoint_url,
                                             "region": "us-east-1", "role_session_name": "ci-run"}, env=no_source(emu))
    assert not result["failed"], result
    assert result["assumed_role"]["arn"] == f"arn:aws:sts::{TARGET}:assumed-role/CiDeployer/ci-run"
    assert len(web_calls(emu)) == 1 and assume_calls(emu) == []
    assert token not in json.dumps(result)


def test_lookup_token_file_then_via_hop_is_cached_and_keeps_no_token(emu: t.Any, ci_role: str, tmp_path: t.Any) -> None:
    iam = emu.aws("iam", profile="third-admin", max_attempts=5)
    iam.create_role(RoleName="Workload", AssumeRolePolicyDocument=json.dumps(trust(principal=ci_role)))
    emu.client.clear_calls()
    token = mint_token(ISSUER, AUDIENCE, SUBJECT)
    token_file = tmp_path / "token"
    token_file.write_text(token)
    cache_dir = tmp_path / "cache"
    out = tmp_path / "out.json"
    use = (f"lookup('{LOOKUP}', workload, via=[ci_role], web_identity_token_file=token_file, endpoint_url=endpoint, region='us-east-1', "
           f"cache_dir=cache_dir, format='credential_process').AccountId")
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.set_fact:
                first: "{{{{ {use} }}}}"
            - ansible.builtin.set_fact:
                second: "{{{{ {use} }}}}"
            - ansible.builtin.copy:
                content: "{{{{ [first, second] | to_json }}}}"
                dest: "{out}"
                mode: "0600"
    """)
    result = run_playbook(emu, play, verbosity=3, env=no_source(emu),
                          extra_vars={"workload": role_arn("Workload", THIRD), "ci_role": ci_role, "token_file": str(token_file),
                                      "endpoint": emu.endpoint_url, "cache_dir": str(cache_dir)})
    assert result.rc == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert json.loads(out.read_text()) == [THIRD, THIRD]
    # The web identity step once, the hop once: the second use came from the cache.
    assert len(web_calls(emu)) == 1 and len(assume_calls(emu)) == 1
    assert token not in result.stdout + result.stderr
    for name in os.listdir(cache_dir):
        assert token not in (cache_dir / name).read_text(), f"the token is in {name}"


@pytest.mark.parametrize(("case", "code"), [
    ("wrong-sub", "AccessDenied"),
    ("expired", "ExpiredTokenException"),
    ("wrong-key", "InvalidIdentityToken"),
])
def test_refused_token_fails_in_one_line_with_the_aws_code_and_no_token(emu: t.Any, ci_role: str, tmp_path: t.Any, case: str,
                                                                        code: str) -> None:
    token = {
        "wrong-sub": lambda: mint_token(ISSUER, AUDIENCE, "repo:other/app:ref:refs/heads/main"),
        "expired": lambda: mint_token(ISSUER, AUDIENCE, SUBJECT, expires_in=-60),
        "wrong-key": lambda: mint_token(ISSUER, AUDIENCE, SUBJECT, key=other_key()),
    }[case]()
    token_file = tmp_path / "token"
    token_file.write_text(token)
    # The token text reaches the module from a vars file, as from a CI variable: never from the playbook source.
    secret_vars = tmp_path / "secret_vars.yml"
    secret_vars.write_text(f'ci_token: "{token}"\n')
    log = tmp_path / "ansible.log"
    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          vars_files:
            - "{secret_vars}"
          tasks:
            - name: Module with the token
              crossaccount.aws.assume_role:
                role_arn: "{ci_role}"
                web_identity_token: "{{{{ ci_token }}}}"
                endpoint_url: "{{{{ endpoint }}}}"
                region: us-east-1
                wait_timeout: 0
              ignore_errors: true
            - name: Lookup with the token file
              ansible.builtin.debug:
                msg: "{{{{ lookup('{LOOKUP}', '{ci_role}', web_identity_token_file='{token_file}', endpoint_url=endpoint,
                                 region='us-east-1', wait_timeout=0, cache_dir='{tmp_path / "cache"}') }}}}"
              ignore_errors: true
    """)
    result = run_playbook(emu, play, verbosity=4, env={**no_source(emu), "ANSIBLE_LOG_PATH": str(log)},
                          extra_vars={"endpoint": emu.endpoint_url})
    assert result.rc == 0, result.stdout[-4000:]
    text = result.stdout + result.stderr + log.read_text()
    message = f"sts:AssumeRoleWithWebIdentity failed: {code}"
    failures = [line for line in result.stdout.splitlines() if message in line and '"msg"' in line]
    assert len(failures) >= 2, result.stdout[-4000:]
    assert len(web_calls(emu)) == 2
    assert token not in text
    # Neither half of the token (header+payload, signature) leaks either.
    for part in token.split("."):
        assert part not in text
