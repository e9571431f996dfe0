# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service and resource control policies evaluated as AWS does (_guardrails), without AWS: the level rule, keys missing
from the request, keys a check cannot know, the exemptions, AWS's wording of a denial, and the callers a trust policy admits."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _guardrails as g
from ansible_collections.crossaccount.aws.plugins.module_utils import _policy

ORG = "o-a1b2c3d4e5"
ROOT = "r-ab12"
OU = "ou-ab12-11111111"
ROLE = "arn:aws:iam::222222222222:role/Deploy"
ROLE_PLACE = g.Place(ORG, f"{ORG}/{ROOT}/{OU}/")
MEMBER = g.Place(ORG, f"{ORG}/{ROOT}/")
OUTSIDE = g.Place(ORG)
PROVIDER = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
STS_ASSUME = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]


def policy(*statements: dict[str, t.Any], policy_type: str = g.RCP, policy_id: str = "p-1", name: str = "perimeter") -> g.OrgPolicy:
    return g.OrgPolicy(policy_id, name, policy_type, {"Version": "2012-10-17", "Statement": list(statements)})


FULL_RCP = policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, policy_id="p-RCPFullAWSAccess", name="RCPFullAWSAccess")
FULL_SCP = policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, policy_type=g.SCP, policy_id="p-FullAWSAccess", name="FullAWSAccess")


def deny(condition: dict[str, t.Any] | None = None, action: t.Any = None, sid: str | None = "OrgOnly") -> dict[str, t.Any]:
    statement: dict[str, t.Any] = {"Effect": "Deny", "Principal": "*", "Action": action or STS_ASSUME, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    if sid:
        statement["Sid"] = sid
    return statement


def rcp_levels(*extra: g.OrgPolicy) -> list[g.Level]:
    return [g.Level(ROOT, (FULL_RCP,)), g.Level(OU, (FULL_RCP, *extra)), g.Level("222222222222", (FULL_RCP,))]


def web_identity() -> g.Probe:
    return g.federated_probe(_policy.WEB_IDENTITY, ROLE, ROLE_PLACE, PROVIDER)


def iam(account: str = "111111111111", place: g.Place | None = MEMBER, principal: str | None = "arn:aws:iam::111111111111:user/alice",
        **kwargs: t.Any) -> g.Probe:
    return g.iam_probe("sts:AssumeRole", ROLE, account=account, principal_arn=principal, principal_place=place, role_place=ROLE_PLACE,
                       request=kwargs.pop("request", {}), **kwargs)


ORG_PERIMETER = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}


# --- keys missing from the request: positive false, negated and IfExists true (the IAM reference) -------------------

@pytest.mark.parametrize(("condition", "denied"), [
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}, True),
    ({"StringNotEquals": {"aws:PrincipalOrgID": ORG}}, True),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-someoneelse"}}, False),
    ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-someoneelse"}}, True),
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}, True),
    ({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "Null": {"aws:PrincipalOrgID": "false"}}, False),
])
def test_a_web_identity_caller_has_no_principal_keys(condition: dict[str, t.Any], denied: bool) -> None:
    verdict = g.evaluate(rcp_levels(policy(deny(condition))), g.RCP, web_identity())
    assert (verdict.denial is not None) is denied
    assert verdict.uncertain == ()
    if denied:
        assert verdict.denial is not None
        assert (verdict.denial.target_id, verdict.denial.statement, verdict.denial.action) == (OU, "OrgOnly", _policy.WEB_IDENTITY)


def test_the_perimeter_lets_members_through_and_denies_accounts_outside_the_organization() -> None:
    levels = rcp_levels(policy(deny(ORG_PERIMETER)))
    assert g.evaluate(levels, g.RCP, iam()).allowed
    outsider = g.evaluate(levels, g.RCP, iam("333333333333", OUTSIDE, None))
    assert outsider.denial is not None and outsider.denial.explicit and outsider.uncertain == ()


def test_an_outsider_that_may_be_in_an_allowed_partner_organization_is_only_uncertain() -> None:
    partner = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": [ORG, "o-partner0001"]}}
    verdict = g.evaluate(rcp_levels(policy(deny(partner))), g.RCP, iam("333333333333", OUTSIDE, None))
    assert verdict.allowed and len(verdict.uncertain) == 1
    # And a Null exemption for an outsider depends on whether it is in some organization at all.
    exempt = {**ORG_PERIMETER, "Null": {"aws:PrincipalOrgID": "false"}}
    assert len(g.evaluate(rcp_levels(policy(deny(exempt))), g.RCP, iam("333333333333", OUTSIDE, None)).uncertain) == 1


def test_a_key_the_check_cannot_know_makes_a_deny_uncertain_never_definite() -> None:
    by_ip = deny({"NotIpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}})
    verdict = g.evaluate(rcp_levels(policy(by_ip)), g.RCP, iam())
    assert verdict.allowed
    assert [d.statement for d in verdict.uncertain] == ["OrgOnly"]
    # A known key that already rules the statement out settles it whatever the unknown one says.
    both = deny({"NotIpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}, **ORG_PERIMETER})
    assert g.evaluate(rcp_levels(policy(both)), g.RCP, iam()) == g.Verdict()


def test_a_principal_arn_condition_is_uncertain_for_any_principal_of_an_account() -> None:
    statement = deny({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}})
    assert g.statement_applies(statement, iam(principal=None)) is None
    assert g.statement_applies(statement, iam(principal="arn:aws:iam::111111111111:role/admin-ops")) is False
    assert g.statement_applies(statement, iam(principal="arn:aws:iam::111111111111:role/deploy")) is True


def test_a_session_is_evaluated_as_its_role() -> None:
    session = iam(principal="arn:aws:sts::111111111111:assumed-role/deploy/run-1")
    assert session.known("aws:PrincipalArn") == ["arn:aws:iam::111111111111:role/deploy"]
    assert session.known("aws:PrincipalType") == ["AssumedRole"]
    assert session.is_absent("aws:username")


# --- the level rule ------------------------------------------------------------------------------------------

def scp(*statements: dict[str, t.Any], policy_id: str = "p-2", name: str = "allow-list") -> g.OrgPolicy:
    return policy(*statements, policy_type=g.SCP, policy_id=policy_id, name=name)


def test_every_level_must_allow_and_the_first_level_without_an_allow_is_named() -> None:
    allow_iam = scp({"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"})
    levels = [g.Level(ROOT, (FULL_SCP,)), g.Level(OU, (allow_iam,)), g.Level("111111111111", (allow_iam,))]
    verdict = g.evaluate(levels, g.SCP, iam())
    assert verdict.denial == g.Denial(g.SCP, False, OU, "sts:AssumeRole")
    assert verdict.denial.sentence("alice") == (
        f"no service control policy attached to OU {OU} allows sts:AssumeRole for alice: every level from the root to the account must "
        "allow it, so attach one there that allows sts:AssumeRole")
    assert g.evaluate([*levels[:2], g.Level("111111111111", ())], g.SCP, iam()).denial.target_id == OU  # first level wins
    assert g.evaluate([g.Level(ROOT, (FULL_SCP,)), g.Level(OU, ())], g.SCP, iam()).denial.target_id == OU  # nothing attached


def test_an_explicit_deny_anywhere_wins_over_allows_at_every_level_and_the_root_comes_first() -> None:
    no_hop = {"Sid": "NoHop", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
    root_deny = scp({"Effect": "Allow", "Action": "*", "Resource": "*"}, no_hop, policy_id="p-root")
    account_deny = scp({"Effect": "Deny", "Action": "sts:*", "Resource": "*"}, policy_id="p-account")
    verdict = g.evaluate([g.Level(ROOT, (root_deny,)), g.Level(OU, (FULL_SCP,)), g.Level("111111111111", (FULL_SCP, account_deny))],
                         g.SCP, iam())
    assert verdict.denial is not None
    assert (verdict.denial.policy.id, verdict.denial.statement, verdict.denial.statement_index) == ("p-root", "NoHop", 1)
    assert verdict.denial.as_dict() == {"policy_type": g.SCP, "explicit": True, "policy_id": "p-root", "policy_name": "allow-list",
                                        "policy_arn": None, "target_id": ROOT, "target_type": "root", "statement": "NoHop",
                                        "statement_index": 1, "action": "sts:AssumeRole"}


def test_a_deny_that_does_not_cover_the_resource_or_action_does_not_apply() -> None:
    other_role = scp({"Effect": "Allow", "Action": "*", "Resource": "*"},
                     {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Admin"})
    assert g.evaluate([g.Level(ROOT, (other_role,))], g.SCP, iam()).allowed
    tag_only = scp({"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "sts:TagSession", "Resource": "*"})
    assert g.evaluate([g.Level(ROOT, (tag_only,))], g.SCP, iam()).allowed


def test_an_allow_that_may_apply_is_no_implicit_denial() -> None:
    maybe = scp({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}})
    verdict = g.evaluate([g.Level(ROOT, (maybe,))], g.SCP, iam())
    assert verdict.allowed and verdict.uncertain == (g.Denial(g.SCP, False, ROOT, "sts:AssumeRole"),)


@pytest.mark.parametrize(("account", "arn", "member", "applies"), [
    ("111111111111", "arn:aws:iam::111111111111:user/alice", True, True),
    ("100000000000", "arn:aws:iam::100000000000:user/admin", True, False),  # the management account
    ("111111111111", "arn:aws:iam::111111111111:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX", True, False),
    ("333333333333", "arn:aws:iam::333333333333:user/bob", False, False),  # outside the organization
    (None, None, False, False),  # a web identity or a service
])
def test_who_scps_limit(account: str | None, arn: str | None, member: bool, applies: bool) -> None:
    assert g.scp_applies(account, arn, "100000000000", member) is applies


def test_which_roles_rcps_protect() -> None:
    assert g.rcp_applies("222222222222", ROLE, "100000000000", True)
    assert not g.rcp_applies("100000000000", "arn:aws:iam::100000000000:role/Deploy", "100000000000", True)
    assert not g.rcp_applies("222222222222", "arn:aws:iam::222222222222:role/aws-service-role/x/AWSServiceRoleForX", "100000000000", True)
    assert not g.rcp_applies("333333333333", "arn:aws:iam::333333333333:role/Deploy", "100000000000", False)


# --- AWS's wording ---------------------------------------------------------------------------------------------

CALLER = "arn:aws:iam::111111111111:user/alice"


@pytest.mark.parametrize(("message", "expected"), [
    (f"User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: {ROLE} with an explicit deny in a service control policy",
     g.DenialHint(g.SCP, True, "sts:AssumeRole")),
    (f"User: {CALLER} is not authorized to perform: sts:TagSession on resource: {ROLE} with an explicit deny in a resource control policy",
     g.DenialHint(g.RCP, True, "sts:TagSession")),
    (f"User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: {ROLE} because no service control policy allows the "
     "sts:AssumeRole action", g.DenialHint(g.SCP, False, "sts:AssumeRole")),
    ("sts:AssumeRole failed: AccessDenied: User: x is not authorized to perform: sts:AssumeRole on resource: y with an explicit deny in "
     "a service control policy: arn:aws:organizations::100000000000:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234",
     g.DenialHint(g.SCP, True, "sts:AssumeRole",
                  "arn:aws:organizations::100000000000:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234")),
    (f"User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: {ROLE}", None),
    ("Not authorized to perform sts:AssumeRoleWithWebIdentity", None),
])
def test_the_kind_of_policy_is_read_from_aws_s_message(message: str, expected: g.DenialHint | None) -> None:
    assert g.denial_from_message(message) == expected


def test_a_hint_names_the_policy_id_of_the_arn() -> None:
    hint = g.DenialHint(g.SCP, True, "sts:AssumeRole", "arn:aws:organizations::100000000000:policy/o-x/service_control_policy/p-abcd1234")
    assert hint.policy_id == "p-abcd1234"
    assert hint.sentence("alice") == "a service control policy (p-abcd1234) explicitly denies sts:AssumeRole to alice"
    assert g.DenialHint(g.RCP, False, "sts:AssumeRole").sentence("alice") == (
        "no resource control policy allows sts:AssumeRole to alice at some level from the root to the account")


def test_names_read_from_aws_are_quoted_with_control_characters_escaped_and_bounded() -> None:
    assert g.shown("evil\n{{ lookup('pipe', 'id') }}") == '"evil\\n{{ lookup(\'pipe\', \'id\') }}"'
    assert len(g.shown("x" * 500)) <= 66
    assert policy(name="a\x1b[31mred").label == 'resource control policy p-1 ("a\\u001b[31mred")'


# --- the callers a trust policy admits ----------------------------------------------------------------------------

def statement(principal: t.Any, action: t.Any = "sts:AssumeRole", condition: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        result["Condition"] = condition
    return result


def test_trust_probes_of_each_kind_of_principal() -> None:
    oidc = statement({"Federated": PROVIDER}, "sts:AssumeRoleWithWebIdentity",
                     {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})
    [probe] = g.trust_probes(oidc, ROLE, ROLE_PLACE, {})
    assert probe.action == _policy.WEB_IDENTITY and probe.is_absent("aws:PrincipalOrgID")
    assert probe.known("token.actions.githubusercontent.com:aud") == ["sts.amazonaws.com"]
    saml = g.trust_probes(statement({"Federated": "arn:aws:iam::222222222222:saml-provider/corp"}, "sts:AssumeRoleWithSAML"), ROLE,
                          ROLE_PLACE, {})
    assert [p.action for p in saml] == [g.SAML]
    service = g.trust_probes(statement({"Service": "ec2.amazonaws.com"}, ["sts:AssumeRole", "sts:TagSession"],
                                       {"StringEquals": {"aws:SourceAccount": "222222222222"}}), ROLE, ROLE_PLACE, {})
    assert [p.action for p in service] == ["sts:AssumeRole", "sts:TagSession"]
    assert service[0].known("aws:PrincipalIsAWSService") == ["true"] and service[0].known("aws:SourceAccount") == ["222222222222"]
    accounts = g.trust_probes(statement({"AWS": ["arn:aws:iam::333333333333:root", "arn:aws:iam::111111111111:role/ci"]},
                                        condition={"StringEquals": {"sts:ExternalId": "x-1"}}), ROLE, ROLE_PLACE,
                              {"333333333333": OUTSIDE, "111111111111": MEMBER})
    assert [p.who for p in accounts] == ["principals of account 333333333333", "arn:aws:iam::111111111111:role/ci"]
    assert accounts[0].excluded["aws:principalorgid"] == (ORG.lower(),) and accounts[1].known("aws:PrincipalOrgID") == [ORG]
    assert accounts[0].known("sts:ExternalId") == ["x-1"]
    assert g.trust_probes({**statement({"AWS": "arn:aws:iam::111111111111:root"}), "Effect": "Deny"}, ROLE, ROLE_PLACE, {}) == []


def test_a_wildcard_narrowed_to_the_organization_is_a_member_of_it() -> None:
    narrowed = statement("*", condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})
    [probe] = g.trust_probes(narrowed, ROLE, ROLE_PLACE, {})
    assert probe.known("aws:PrincipalOrgID") == [ORG] and probe.who == f"principals of organization {ORG}"
    assert g.evaluate(rcp_levels(policy(deny(ORG_PERIMETER))), g.RCP, probe).allowed


def test_trusted_accounts_and_pinned_keys() -> None:
    document = {"Statement": [statement({"AWS": ["111111111111", "arn:aws:iam::333333333333:role/x", "AROAEXAMPLEEXAMPLE01"]}),
                              statement("*", condition={"StringEquals": {"aws:PrincipalAccount": "444444444444"}}),
                              {**statement({"AWS": "555555555555"}), "Effect": "Deny"}]}
    assert g.trusted_accounts(document) == ["111111111111", "333333333333", "444444444444"]
    assert g.pinned_keys(statement("*", condition={
        "StringEquals": {"aws:PrincipalOrgID": ORG, "sts:ExternalId": ["a", "b"]}, "StringLike": {"x:sub": "repo:*"},
        "StringEqualsIfExists": {"aws:SourceAccount": "1"}, "Bool": {"aws:MultiFactorAuthPresent": True}})) == {
        "aws:PrincipalOrgID": [ORG], "aws:MultiFactorAuthPresent": ["true"]}


def test_key_states_say_how_the_request_stands_on_the_denying_statement() -> None:
    denial = g.evaluate(rcp_levels(policy(deny({**ORG_PERIMETER, "StringEquals": {"aws:ResourceOrgID": ORG}}))), g.RCP, web_identity()).denial
    assert denial is not None
    assert g.key_states(denial, web_identity()) == f"aws:PrincipalOrgID absent; aws:ResourceOrgID {ORG}"


@pytest.mark.parametrize("condition", [
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"DateGreaterThan": {"aws:EpochTime": "1893456000"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "3600"}},
    {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"StringLike": {"aws:PrincipalTag/team": "blue-*"}},
])
def test_an_operator_on_a_key_the_check_cannot_know_can_go_either_way(condition: dict[str, t.Any]) -> None:
    assert g.statement_applies(deny(condition), iam()) is None


def test_a_statement_without_sid_is_named_by_its_index() -> None:
    denial = g.evaluate([g.Level(ROOT, (FULL_SCP, scp({"Effect": "Deny", "Action": "sts:*", "Resource": "*"})))], g.SCP, iam()).denial
    assert denial is not None and (denial.statement, denial.statement_index) == ("0", 0)
    assert denial.sentence("alice") == (f'service control policy p-2 ("allow-list") attached to root {ROOT} denies sts:AssumeRole to alice '
                                        "by the statement at index 0")
