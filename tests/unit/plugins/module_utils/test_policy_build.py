# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The least-privilege source (identity) policy."""

from __future__ import annotations

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy as policy
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy_build, _policy_eval

ROLE_A = "arn:aws:iam::222222222222:role/A"
ROLE_B = "arn:aws:iam::333333333333:role/team/B"


def test_build_source_policy_grants_only_assume_role_on_exact_arns():
    built = _policy_build.build_source_policy([ROLE_B, ROLE_A, ROLE_A])
    assert built == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowAssumeCrossAccountRole",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Resource": [ROLE_A, ROLE_B],
        }],
    }


@pytest.mark.parametrize("tags, source_identity, actions", [
    (True, False, ["sts:AssumeRole", "sts:TagSession"]),
    (False, True, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
    (True, True, ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]),
])
def test_build_source_policy_opt_in_actions(tags, source_identity, actions):
    built = _policy_build.build_source_policy([ROLE_A], allow_session_tags=tags, allow_source_identity=source_identity)
    assert built["Statement"][0]["Action"] == actions
    assert built["Statement"][0]["Resource"] == [ROLE_A]


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_build_source_policy_in_every_partition(partition):
    arn = f"arn:{partition}:iam::222222222222:role/A"
    built = _policy_build.build_source_policy([arn])
    assert built["Statement"][0]["Resource"] == [arn]
    decision = _policy_eval.evaluate_identity_policies([built], "sts:AssumeRole", arn)
    assert decision.effect == "allow"


def test_build_source_policy_accepts_a_single_string():
    assert _policy_build.build_source_policy(ROLE_A) == _policy_build.build_source_policy([ROLE_A])


def test_build_source_policy_requires_a_target():
    with pytest.raises(ValueError, match="at least one"):
        _policy_build.build_source_policy([])
    with pytest.raises(ValueError, match="at least one"):
        _policy_build.build_source_policy(None)


def test_source_policy_order_does_not_change_meaning_but_targets_do():
    assert policy.equivalent(_policy_build.build_source_policy([ROLE_A, ROLE_B]), _policy_build.build_source_policy([ROLE_B, ROLE_A]))
    assert not policy.equivalent(_policy_build.build_source_policy([ROLE_A]), _policy_build.build_source_policy([ROLE_A, ROLE_B]))
    assert not policy.equivalent(_policy_build.build_source_policy([ROLE_A]), _policy_build.build_source_policy([ROLE_A], allow_session_tags=True))


def test_stored_source_policy_with_scalars_is_equivalent():
    stored = {"Version": "2012-10-17", "Statement": [{"Sid": "AllowAssumeCrossAccountRole", "Effect": "Allow", "Action": "sts:assumerole",
                                                      "Resource": ROLE_A}]}
    assert policy.equivalent(stored, _policy_build.build_source_policy([ROLE_A]))


def test_source_policy_allows_nothing_else():
    built = _policy_build.build_source_policy([ROLE_A])
    assert _policy_eval.evaluate_identity_policies(built, "sts:AssumeRole", ROLE_B).effect == "implicit_deny"
    assert _policy_eval.evaluate_identity_policies(built, "sts:TagSession", ROLE_A).effect == "implicit_deny"
    assert _policy_eval.evaluate_identity_policies(built, "iam:PassRole", ROLE_A).effect == "implicit_deny"
