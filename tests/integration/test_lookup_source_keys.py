# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookup's cache is tied to the keys a profile resolves to, not only to its name."""

from __future__ import annotations

import configparser
import textwrap

from ansible_runner import run_playbook
from credentials_support import assume_calls, create_role

LOOKUP = "crossaccount.aws.assumed_credentials"


def test_profile_whose_keys_changed_is_not_served_the_previous_principals_credentials(emu, tmp_path):
    arn = create_role(emu, "KeyedBySource")
    shipped = configparser.ConfigParser()
    shipped.read(emu.credentials_file)
    credentials = tmp_path / "credentials"

    def profile_with(source: str) -> None:
        # The same profile name and file, with the keys of another user.
        credentials.write_text(f"[mine]\naws_access_key_id = {shipped[source]['aws_access_key_id']}\n"
                               f"aws_secret_access_key = {shipped[source]['aws_secret_access_key']}\n")

    play = textwrap.dedent(f"""
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.assert:
                that: lookup('{LOOKUP}', role, profile='mine', endpoint_url=endpoint, region='us-east-1', cache_dir=cache_dir,
                             wait_timeout=0).access_key is match('ASIA')
    """)
    run = {"extra_vars": {"role": arn, "endpoint": emu.endpoint_url, "cache_dir": str(tmp_path / "cache")},
           "env": {"AWS_SHARED_CREDENTIALS_FILE": str(credentials)}}
    profile_with("source-admin")
    first = run_playbook(emu, play, **run)
    assert first.rc == 0, first.stdout[-3000:]
    again = run_playbook(emu, play, **run)
    assert again.rc == 0 and len(assume_calls(emu)) == 1
    # source-user may not assume the role: served from the cache it would wrongly pass.
    profile_with("source-user")
    changed = run_playbook(emu, play, **run)
    assert changed.rc != 0
    assert "sts:AssumeRole failed: AccessDenied" in changed.stdout, changed.stdout[-3000:]
    calls = assume_calls(emu)
    assert len(calls) == 2 and calls[-1]["access_key"] == shipped["source-user"]["aws_access_key_id"]
