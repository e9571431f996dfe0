# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module source_policy refuses bad input with a message naming the option, before any write."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible_runner import run_module

TARGET_ROLE = "arn:aws:iam::222222222222:role/Deploy"
# Refusals that need a read of the account (a principal that must exist, the caller's partition), and two offline
# ones as real module processes; the offline table is tests/unit/plugins/module_utils/test_source_policy.py.
CASES: list[tuple[str, dict[str, t.Any], str]] = [
    ("name-bad-characters", {"name": "assume role!", "target_role_arns": [TARGET_ROLE]}, "name"),
    ("inline-without-principals", {"name": "p", "type": "inline", "target_role_arns": [TARGET_ROLE]}, "users"),
    ("targets-other-partition-than-caller", {"name": "p", "target_role_arns": ["arn:aws-us-gov:iam::222222222222:role/Deploy"]}, "target_role_arns"),
    ("user-missing", {"name": "p", "users": ["emulator-user", "nobody"], "target_role_arns": [TARGET_ROLE]}, "users"),
    ("group-missing", {"name": "p", "users": ["emulator-user"], "groups": ["no-such-group"], "target_role_arns": [TARGET_ROLE]}, "groups"),
    ("role-missing", {"name": "p", "roles": ["no-such-role"], "target_role_arns": [TARGET_ROLE]}, "roles"),
    ("inline-role-missing", {"name": "p", "type": "inline", "users": ["emulator-user"], "roles": ["no-such-role"],
                             "target_role_arns": [TARGET_ROLE]}, "roles"),
    ("profile-and-keys", {"name": "p", "target_role_arns": [TARGET_ROLE], "access_key": "AKIAEXAMPLE000000000", "secret_key": "x" * 40}, "profile"),
]


@pytest.mark.parametrize("args, option", [pytest.param(args, option, id=case_id) for case_id, args, option in CASES])
def test_bad_input_fails_before_any_write(emu: t.Any, args: dict[str, t.Any], option: str) -> None:
    emu.client.clear_calls()
    result = run_module(emu, "source_policy", args, profile="source-admin")
    assert result["failed"] is True, result
    message = result["msg"]
    assert option in message, message
    # Our own validators start with the option; Ansible's argument checks name it in the sentence.
    assert message.startswith(option) or option in ("name", "type", "state"), message
    assert "Traceback" not in message
    assert "\n" not in message
    assert emu.client.write_calls() == []
    # No secret ever comes back, even when the bad input came with one.
    assert "x" * 40 not in json.dumps(result)


def test_bad_input_leaves_existing_policy_untouched(emu: t.Any) -> None:
    good = run_module(emu, "source_policy", {"name": "p", "target_role_arns": [TARGET_ROLE]}, profile="source-admin")
    assert good["changed"] is True, good
    emu.client.clear_calls()
    # A valid new target list but one missing user: nothing is written, not even the new version.
    result = run_module(emu, "source_policy", {"name": "p", "target_role_arns": ["arn:aws:iam::222222222222:role/Other"], "users": ["nobody"]},
                        profile="source-admin")
    assert result["failed"] is True
    assert result["msg"].startswith("users: IAM user 'nobody' does not exist")
    assert emu.client.write_calls() == []
