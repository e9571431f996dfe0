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
# 110 role ARNs of ~100 characters: well over the 6144 characters a managed policy version may hold.
TOO_MANY_ARNS = [f"arn:aws:iam::222222222222:role/{'r' * 60}{i:04d}" for i in range(110)]

# (id, module args, option the message must name). Every case is otherwise valid, so the option
# named is the one that is wrong.
CASES: list[tuple[str, dict[str, t.Any], str]] = [
    ("name-missing", {"target_role_arns": [TARGET_ROLE]}, "name"),
    ("name-bad-characters", {"name": "assume role!", "target_role_arns": [TARGET_ROLE]}, "name"),
    ("name-too-long", {"name": "p" * 129, "target_role_arns": [TARGET_ROLE]}, "name"),
    ("path-without-slashes", {"name": "p", "path": "team", "target_role_arns": [TARGET_ROLE]}, "path"),
    ("path-double-slash", {"name": "p", "path": "/a//b/", "target_role_arns": [TARGET_ROLE]}, "path"),
    ("targets-missing", {"name": "p"}, "target_role_arns"),
    ("targets-empty", {"name": "p", "target_role_arns": []}, "target_role_arns"),
    ("target-not-an-arn", {"name": "p", "target_role_arns": ["Deploy"]}, "target_role_arns[0]"),
    ("target-user-arn", {"name": "p", "target_role_arns": [TARGET_ROLE, "arn:aws:iam::222222222222:user/bob"]}, "target_role_arns[1]"),
    ("target-wildcard", {"name": "p", "target_role_arns": ["arn:aws:iam::222222222222:role/*"]}, "target_role_arns[0]"),
    ("target-short-account", {"name": "p", "target_role_arns": ["arn:aws:iam::22222:role/Deploy"]}, "target_role_arns[0]"),
    ("target-bad-partition", {"name": "p", "target_role_arns": ["arn:aws-mars:iam::222222222222:role/Deploy"]}, "target_role_arns[0]"),
    ("targets-mixed-partitions", {"name": "p", "target_role_arns": [TARGET_ROLE, "arn:aws-cn:iam::222222222222:role/Deploy"]}, "target_role_arns"),
    ("targets-other-partition-than-caller", {"name": "p", "target_role_arns": ["arn:aws-us-gov:iam::222222222222:role/Deploy"]}, "target_role_arns"),
    ("targets-too-large", {"name": "p", "target_role_arns": TOO_MANY_ARNS}, "target_role_arns"),
    ("inline-targets-too-large-for-a-user", {"name": "p", "type": "inline", "users": ["emulator-user"], "target_role_arns": TOO_MANY_ARNS[:25]},
     "target_role_arns"),
    ("type-unknown", {"name": "p", "type": "attached", "target_role_arns": [TARGET_ROLE]}, "type"),
    ("state-unknown", {"name": "p", "state": "gone", "target_role_arns": [TARGET_ROLE]}, "state"),
    ("inline-without-principals", {"name": "p", "type": "inline", "target_role_arns": [TARGET_ROLE]}, "users"),
    ("inline-absent-without-principals", {"name": "p", "type": "inline", "state": "absent"}, "users"),
    ("inline-with-purge", {"name": "p", "type": "inline", "users": ["emulator-user"], "purge_attachments": True,
                           "target_role_arns": [TARGET_ROLE]}, "purge_attachments"),
    ("inline-with-path", {"name": "p", "type": "inline", "path": "/team/", "users": ["emulator-user"],
                          "target_role_arns": [TARGET_ROLE]}, "path"),
    ("user-name-invalid", {"name": "p", "users": ["bad/name"], "target_role_arns": [TARGET_ROLE]}, "users[0]"),
    ("group-name-too-long", {"name": "p", "groups": ["g" * 129], "target_role_arns": [TARGET_ROLE]}, "groups[0]"),
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
