# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Least privilege of what the collection generates.

* Source policies allow exactly sts:AssumeRole (plus sts:TagSession / sts:SetSourceIdentity when opted in) on
  exactly the given role ARNs: checked over many random ARNs in all three partitions, by shape and with the
  emulator's independent policy evaluator (near-miss ARNs and other actions are not allowed), and on what
  the module returns and what IAM stores.
* Trust policies never contain an unconditioned ``*`` principal: build_trust never builds one, and the
  modules refuse one (in intent options or in whole documents) before any write.
"""

from __future__ import annotations

import json
import random
import string
import typing as t
from urllib.parse import unquote

import pytest
from emulator.policy import Caller, evaluate_identity, evaluate_trust
from integration.ansible_runner import run_module
from integration.credentials_support import create_role

from reliability.conftest import record_summary

from ansible_collections.crossaccount.aws.plugins.module_utils import _policy  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_build  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._policy_build import TrustIntent  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter  # isort: skip
from ansible_collections.crossaccount.aws.plugins.module_utils._source_policy import request_from_options  # isort: skip

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
NAME_CHARS = string.ascii_letters + string.digits + "+=,.@_-"
# Printable ASCII an IAM path may hold, without the characters a policy Resource treats specially.
PATH_CHARS = "".join(c for c in map(chr, range(0x21, 0x7f)) if c not in "/*?$")
BASE_ACTIONS = {"sts:AssumeRole"}
OTHER_ACTIONS = ("sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:GetCallerIdentity", "iam:PassRole",
                 "iam:CreateRole", "s3:GetObject", "sts:*", "*")
ITERATIONS = 400


def random_role_arn(rng: random.Random, partition: str | None = None) -> str:
    partition = partition or rng.choice(PARTITIONS)
    account = "".join(rng.choice(string.digits) for _index in range(12))
    segments = [("".join(rng.choice(PATH_CHARS) for _index in range(rng.randint(1, 12)))) for _index in range(rng.randint(0, 3))]
    # The collection refuses "." and ".." path segments (they look like traversal and no one means them).
    segments = [segment for segment in segments if segment not in (".", "..")]
    path = "/" + "".join(f"{segment}/" for segment in segments)
    name = "".join(rng.choice(NAME_CHARS) for _index in range(rng.randint(1, 64)))
    return f"arn:{partition}:iam::{account}:role{path}{name}"


def near_misses(arn: str, rng: random.Random) -> list[str]:
    """ARNs that an over-broad policy (wildcards, prefixes, other partitions/accounts) would also grant."""
    head, resource = arn.split(":role/", 1)
    parts = head.split(":")
    account = parts[4]
    other_account = str((int(account) + 1) % 10 ** 12).zfill(12)
    other_partition = rng.choice([p for p in PARTITIONS if p != parts[1]])
    return [
        f"{head}:role/{resource}x",
        f"{head}:role/{resource[:-1]}" if len(resource.rsplit('/', 1)[-1]) > 1 else f"{head}:role/{resource}-other",
        f"{head}:role/extra/{resource}",
        f"{':'.join(parts[:4])}:{other_account}:role/{resource}",
        f"arn:{other_partition}:iam::{account}:role/{resource}",
        f"{head}:user/{resource.rsplit('/', 1)[-1]}",
        f"{head}:role/*",
    ]


def assert_exact_source_policy(document: t.Mapping[str, t.Any], arns: t.Sequence[str], actions: set[str]) -> None:
    document = _policy.load(document) if isinstance(document, str) else document
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    assert len(statements) == 1, document
    statement = statements[0]
    assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, statement
    assert statement["Effect"] == "Allow"
    granted_actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    assert set(granted_actions) == actions, granted_actions
    assert sorted(resources) == sorted(set(arns)), resources
    assert not any(c in r for r in resources for c in "*?$"), resources


def _tags(rng: random.Random) -> tuple[bool, bool]:
    return rng.random() < 0.5, rng.random() < 0.5


def _actions(tags: bool, source_identity: bool) -> set[str]:
    return BASE_ACTIONS | ({"sts:TagSession"} if tags else set()) | ({"sts:SetSourceIdentity"} if source_identity else set())


# ---------------------------------------------------------------------------------------------- source policy (pure)
def test_source_policy_grants_exactly_the_roles_over_random_arns() -> None:
    rng = random.Random(20261128)
    checked = denied = 0
    for _index in range(ITERATIONS):
        partition = rng.choice(PARTITIONS)
        arns = [random_role_arn(rng, partition) for _index in range(rng.randint(1, 5))]
        tags, source_identity = _tags(rng)
        actions = _actions(tags, source_identity)
        document = _policy_build.build_source_policy(arns, allow_session_tags=tags, allow_source_identity=source_identity)
        assert_exact_source_policy(document, arns, actions)
        for arn in arns:
            for action in actions:
                assert evaluate_identity([document], action, arn, {}).allowed, (action, arn)
            for action in OTHER_ACTIONS:
                assert not evaluate_identity([document], action, arn, {}).allowed, (action, arn)
                denied += 1
            for miss in near_misses(arn, rng):
                if miss in arns:
                    continue
                assert not evaluate_identity([document], "sts:AssumeRole", miss, {}).allowed, (miss, document)
                denied += 1
            checked += 1
        # The module's own validation accepts exactly these ARNs and builds the same document.
        options = {"name": "p", "path": "/", "target_role_arns": arns, "type": "managed", "state": "present",
                   "allow_session_tags": tags, "allow_source_identity": source_identity,
                   "users": None, "groups": None, "roles": None, "purge_attachments": False}
        request = request_from_options(OptionAdapter.from_dict(options))
        assert _policy.equivalent(request.document, document)
    record_summary("inputs", "least-privilege:source-random", {"policies": ITERATIONS, "arns": checked, "denials_checked": denied})


@pytest.mark.parametrize("arn", [
    "*",
    "arn:aws:iam::222222222222:role/*",
    "arn:aws:iam::222222222222:role/team*/Deploy",
    "arn:aws:iam::222222222222:role/te?m/Deploy",
    "arn:aws:iam::222222222222:role/${aws:username}/Deploy",
    "arn:aws:iam::*:role/Deploy",
    "arn:aws:iam::222222222222:*",
    "arn:aws:sts::222222222222:assumed-role/Deploy/s",
    "arn:aws:s3:::bucket",
])
def test_wildcard_or_foreign_targets_never_reach_a_source_policy(arn: str) -> None:
    params = {"name": "p", "path": "/", "target_role_arns": ["arn:aws:iam::222222222222:role/Ok", arn], "type": "managed",
              "state": "present", "allow_session_tags": False, "allow_source_identity": False, "users": None, "groups": None,
              "roles": None, "purge_attachments": False}
    with pytest.raises(ValidationFailure) as failure:
        request_from_options(OptionAdapter.from_dict(params))
    assert failure.value.msg.startswith("target_role_arns"), failure.value.msg
    if "*" in arn or "?" in arn or "$" in arn:
        # Defence in depth: even unvalidated input never becomes a wildcard grant.
        with pytest.raises(ValueError):
            _policy_build.build_source_policy([arn])


# ---------------------------------------------------------------------------------------------- trust policy (pure)
def test_built_trust_never_has_an_unconditioned_star_over_random_input() -> None:
    rng = random.Random(1128)
    built = 0
    for _index in range(ITERATIONS):
        partition = rng.choice(PARTITIONS)
        accounts = ["".join(rng.choice(string.digits) for _index in range(12)) for _index in range(rng.randint(0, 3))]
        principals = [random_role_arn(rng, partition) for _index in range(rng.randint(0, 2))]
        external_id = rng.choice([None, "", "ext-" + "".join(rng.choice(string.ascii_letters) for _index in range(8))])
        mfa = rng.random() < 0.3
        tags, source_identity = _tags(rng)
        if not accounts and not principals:
            continue
        intent = TrustIntent(account_ids=tuple(accounts), principal_arns=tuple(principals), external_id=external_id, require_mfa=mfa,
                             allow_session_tags=tags, allow_source_identity=source_identity)
        document = _policy_build.build_trust(intent, partition)
        built += 1
        assert not _policy.has_unconditioned_wildcard(document)
        statement = document["Statement"][0]
        assert set(statement["Principal"]) == {"AWS"}
        expected = {f"arn:{partition}:iam::{a}:root" for a in accounts} | set(principals)
        assert set(statement["Principal"]["AWS"]) == expected
        assert set(statement["Action"]) == _actions(tags, source_identity)
        assert ("Condition" in statement) == bool(external_id or mfa)
        # An unrelated account is never trusted (the emulator's own evaluator).
        stranger = Caller(account="999999999999", arn=f"arn:{partition}:iam::999999999999:user/x",
                          principal_arn=f"arn:{partition}:iam::999999999999:user/x", unique_id="AIDASTRANGER", kind="user")
        context = {"sts:ExternalId": [external_id or ""], "aws:MultiFactorAuthPresent": ["true"]}
        assert not evaluate_trust(document, "sts:AssumeRole", stranger, context).allowed
    assert built > ITERATIONS // 2
    record_summary("inputs", "least-privilege:trust-random", {"policies": built})


@pytest.mark.parametrize("principals", [["*"], ["arn:aws:iam::111111111111:root", "*"]], ids=["star", "star-among-others"])
def test_build_trust_refuses_an_unconditioned_star(principals: list[str]) -> None:
    with pytest.raises(ValueError):
        _policy_build.build_trust(TrustIntent(principal_arns=tuple(principals)))


# ---------------------------------------------------------------------------------------------- real module runs
def _stored_managed_document(emu: t.Any, arn: str) -> t.Any:
    iam = emu.aws("iam", profile="source-admin")
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def _as_document(value: t.Any) -> dict[str, t.Any]:
    if isinstance(value, str):
        # IAM returns policy documents URL-encoded; boto3 usually decodes them already.
        return json.loads(unquote(value))
    return value


@pytest.mark.parametrize("partition_case, tags, source_identity", [
    ("two-roles", False, False),
    ("session-tags", True, False),
    ("source-identity", False, True),
    ("both", True, True),
])
def test_source_policy_module_output_and_stored_document_are_exact(emu: t.Any, partition_case: str, tags: bool, source_identity: bool) -> None:
    arns = ["arn:aws:iam::222222222222:role/Deploy", "arn:aws:iam::333333333333:role/ops/Reader"]
    result = run_module(emu, "source_policy", {"name": f"lp-{partition_case}", "target_role_arns": arns, "users": ["emulator-user"],
                                               "allow_session_tags": tags, "allow_source_identity": source_identity},
                        profile="source-admin")
    assert result["failed"] is False and result["changed"] is True, result
    actions = _actions(tags, source_identity)
    assert_exact_source_policy(result["policy"]["document"], arns, actions)
    stored = _as_document(_stored_managed_document(emu, result["policy"]["arn"]))
    assert_exact_source_policy(stored, arns, actions)


def test_inline_source_policy_stored_document_is_exact(emu: t.Any) -> None:
    arns = ["arn:aws:iam::222222222222:role/Deploy"]
    result = run_module(emu, "source_policy", {"name": "lp-inline", "type": "inline", "target_role_arns": arns, "users": ["emulator-user"]},
                        profile="source-admin")
    assert result["failed"] is False, result
    stored = emu.aws("iam", profile="source-admin").get_user_policy(UserName="emulator-user", PolicyName="lp-inline")["PolicyDocument"]
    assert_exact_source_policy(_as_document(stored), arns, {"sts:AssumeRole"})


def test_generated_trust_of_target_role_has_no_star(emu: t.Any) -> None:
    result = run_module(emu, "target_role", {"name": "lp-trust", "trusted_account_ids": ["111111111111"], "external_id": "lp-ext-1",
                                             "allow_session_tags": True}, profile="target-admin")
    assert result["failed"] is False, result
    stored = _as_document(emu.aws("iam", profile="target-admin").get_role(RoleName="lp-trust")["Role"]["AssumeRolePolicyDocument"])
    for document in (result["role"]["trust_policy"], stored):
        assert not _policy.has_unconditioned_wildcard(document)
        principals = [p for s in document["Statement"] for p in (s["Principal"]["AWS"] if isinstance(s["Principal"]["AWS"], list)
                                                                 else [s["Principal"]["AWS"]])]
        assert principals == ["arn:aws:iam::111111111111:root"], document


STAR_TRUSTS = {
    "principal-star-string": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
    "aws-star-among-accounts": {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "*"]}, "Action": "sts:AssumeRole"},
    "not-principal": {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"},
    "star-with-empty-condition": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {}},
}


@pytest.mark.parametrize("case", sorted(STAR_TRUSTS))
def test_modules_refuse_unconditioned_star_trust_before_any_write(emu: t.Any, case: str) -> None:
    document = {"Version": "2012-10-17", "Statement": [STAR_TRUSTS[case]]}
    # An existing role, so that trust_policy gets as far as it could before writing.
    create_role(emu, "lp-star")
    for module, args, option in (
        ("target_role", {"name": "lp-star", "trust_policy": document}, "trust_policy"),
        ("trust_policy", {"role_name": "lp-star", "policy": document}, "policy"),
    ):
        emu.client.clear_calls()
        result = run_module(emu, module, args, profile="target-admin")
        assert result["failed"] is True, (module, result)
        assert result["msg"].startswith(option), result["msg"]
        assert emu.client.write_calls() == [], (module, emu.client.write_calls())
    stored = _as_document(emu.aws("iam", profile="target-admin").get_role(RoleName="lp-star")["Role"]["AssumeRolePolicyDocument"])
    assert not _policy.has_unconditioned_wildcard(stored)
