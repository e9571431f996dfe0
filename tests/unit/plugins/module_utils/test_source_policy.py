# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""source_policy: every option checked before the first AWS call (table-driven), and the request it builds."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _source_policy
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter

TARGET_ROLE = "arn:aws:iam::222222222222:role/Deploy"
# 110 role ARNs of ~100 characters: well over the 6144 characters a managed policy version may hold.
TOO_MANY_ARNS = [f"arn:aws:iam::222222222222:role/{'r' * 60}{i:04d}" for i in range(110)]

# (id, module args, option the message must name). Every case is otherwise valid, so the option named is the one that is wrong.
REFUSED: list[tuple[str, dict[str, t.Any], str]] = [
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
    ("organization-and-arns", {"name": "p", "target_organization_id": "o-a1b2c3d4e5", "target_role_name": "r", "target_role_arns": [TARGET_ROLE]},
     "target_organization_id"),
    ("organization-without-role-name", {"name": "p", "target_organization_id": "o-a1b2c3d4e5"}, "target_role_name"),
    ("role-name-without-organization", {"name": "p", "target_role_arns": [TARGET_ROLE], "target_role_name": "r"}, "target_role_name"),
    ("organization-path-wildcard", {"name": "p", "target_organization_id": "o-a1b2c3d4e5", "target_role_name": "r", "target_role_path": "/a*/"},
     "target_role_path"),
    ("profile-and-keys", {"name": "p", "target_role_arns": [TARGET_ROLE], "profile": "source-admin", "access_key": "AKIAEXAMPLE000000000",
                          "secret_key": "x" * 40}, "profile"),
]


@pytest.mark.parametrize(("args", "option"), [pytest.param(args, option, id=case_id) for case_id, args, option in REFUSED])
def test_bad_input_is_refused_before_any_aws_call(offline: t.Any, args: dict[str, t.Any], option: str) -> None:
    message = offline("source_policy", args)
    assert option in message, message
    # Our own validators start with the option; Ansible's argument checks name it in the sentence.
    assert message.startswith(option) or option in ("name", "type", "state"), message
    assert "\n" not in message and "x" * 40 not in message


def _request(**options: t.Any) -> _source_policy.SourcePolicyRequest:
    return _source_policy.request_from_options(OptionAdapter.from_dict(options))


def test_the_request_builds_the_document_before_any_call() -> None:
    request = _request(name="p", target_role_arns=[TARGET_ROLE, TARGET_ROLE], users=["Alice", "alice"], allow_session_tags=True)
    assert request.target_role_arns == [TARGET_ROLE] and request.principals["users"] == ["Alice"]
    assert request.document is not None and sorted(request.document["Statement"][0]["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert request.partition == "aws" and request.managed and request.present


def test_the_organization_form_waits_for_the_caller_s_partition() -> None:
    request = _request(name="p", target_organization_id="o-a1b2c3d4e5", target_role_name="r")
    assert request.organization_form and request.document is None and request.target_role_path == "/"
