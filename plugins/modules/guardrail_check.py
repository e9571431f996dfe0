#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: guardrail_check
short_description: Tell, before any write, which accounts an organization's SCPs or RCPs would keep a cross-account role out of
version_added: 0.3.0
description:
  - The pre-flight of a rollout over many accounts. For each account of O(account_ids), evaluates whether the source
    principals may assume the role O(role_name) (under O(role_path)) there, as far as the organization's policies decide it.
  - The service control policies (SCPs) of each source principal's account are evaluated on its C(sts:AssumeRole) call
    (and C(sts:TagSession) / C(sts:SetSourceIdentity) with O(allow_session_tags) / O(allow_source_identity)), the resource
    control policies (RCPs) of the target account on the role being assumed.
  - AWS's rules apply, evaluated by the collection's policy engine - every level from the root through the OUs to the account
    must allow the action, an explicit C(Deny) anywhere wins, the management account's principals are not limited by SCPs
    and its resources not by RCPs, service-linked roles are exempt, and a condition key missing from the request makes a
    negated operator and every C(...IfExists) operator true (so C(StringNotEqualsIfExists aws:PrincipalOrgID) denies every
    principal outside the organization).
  - An account is V(blocked) only when a policy certainly denies. A statement that would deny only for values the module
    cannot know (the caller's source IP, a principal tag, the session's MFA) is listed under RV(accounts[].uncertain) and the
    account stays V(allowed).
  - The connection options are those of the organization's management account or of a delegated administrator for AWS
    Organizations policies. Nothing is changed; the module runs normally in check mode. All options are validated before
    the first AWS call.
  - Reads, each made once per task - C(DescribeOrganization), C(ListRoots) (enabled policy types), then for fewer than eight
    accounts (counting the source accounts) C(ListParents) per account and OU and C(ListPoliciesForTarget) per root, OU and
    account on the paths, and from eight accounts on the whole tree (C(ListOrganizationalUnitsForParent),
    C(ListAccountsForParent) per OU) and every attachment (C(ListPolicies), C(ListTargetsForPolicy) per policy), plus
    C(DescribePolicy) per policy met. RV(organization_calls) says how many calls were made.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  source_principals:
    description:
      - The principals that will call C(sts:AssumeRole) - IAM user or role ARNs, STS assumed-role ARNs, account root ARNs, or
        12-digit account ids. An account root or id stands for any principal of that account, so a statement conditioned on
        C(aws:PrincipalArn) is uncertain for it.
    type: list
    elements: str
    required: true
  account_ids:
    description:
      - The 12-digit ids of the accounts whose role the source principals will assume (for the role
        C(crossaccount.aws.organization_access), every selected account).
    type: list
    elements: str
    required: true
  role_name:
    description:
      - Name of the role in each account.
    type: str
    required: true
  role_path:
    description:
      - Path of the role.
    type: str
    default: /
  external_id:
    description:
      - The C(sts:ExternalId) the AssumeRole calls will carry; without it the calls are evaluated without one.
    type: str
  allow_session_tags:
    description:
      - The calls will pass session tags, so C(sts:TagSession) is evaluated as well.
    type: bool
    default: false
  allow_source_identity:
    description:
      - The calls will set a source identity, so C(sts:SetSourceIdentity) is evaluated as well.
    type: bool
    default: false
  fail_on_blocked:
    description:
      - Fail the task (with the whole result) when any account is V(blocked), naming the first guardrail.
    type: bool
    default: false
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.read_only
notes:
  - Organization policy names are data read from AWS; in messages they are quoted with control characters escaped.
  - Permissions boundaries, session policies and the trust policy of the role are not part of this check; the role's own
    verification (M(crossaccount.aws.verify_access)) still proves the access end to end.
seealso:
  - module: crossaccount.aws.verify_access
  - module: crossaccount.aws.trust_report
"""

EXAMPLES = r"""
- name: Which accounts would the guardrails keep the deploy role out of?
  crossaccount.aws.guardrail_check:
    profile: management-admin
    source_principals:
      - arn:aws:iam::111111111111:role/deployer
    account_ids: "{{ groups['organization_accounts'] | map('extract', hostvars, 'aws_account_id') | list }}"
    role_name: Deploy
  run_once: true
  register: guardrails

- name: Skip the blocked accounts
  ansible.builtin.debug:
    msg: "{{ item.account_id }} is blocked: {{ item.reason }}"
  loop: "{{ guardrails.accounts | selectattr('status', 'equalto', 'blocked') }}"
  loop_control:
    label: "{{ item.account_id }}"

- name: A CI gate - fail when a guardrail would block any account
  crossaccount.aws.guardrail_check:
    profile: management-admin
    source_principals: ["111111111111"]
    account_ids: ["222222222222", "200000000001"]
    role_name: Deploy
    fail_on_blocked: true
"""

RETURN = r"""
accounts:
  description: One row per account of O(account_ids), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The account.
      type: str
      returned: always
    role_arn:
      description: The ARN of the role evaluated in that account.
      type: str
      returned: always
    status:
      description: V(blocked) when a service or resource control policy certainly denies the access, else V(allowed).
      type: str
      returned: always
      sample: blocked
    blocked_by:
      description: The guardrail that blocks the account; null when it is allowed.
      type: dict
      returned: always
      contains:
        policy_type:
          description: C(SERVICE_CONTROL_POLICY) or C(RESOURCE_CONTROL_POLICY).
          type: str
        explicit:
          description: True for an explicit C(Deny); false when no policy at one level allows the action.
          type: bool
        policy_id:
          description: Id of the denying policy (null when no policy allows at a level).
          type: str
        policy_name:
          description: Name of the denying policy, as read from AWS.
          type: str
        policy_arn:
          description: ARN of the denying policy.
          type: str
        target_id:
          description: The root, OU or account the denying policy is attached to, or the level where nothing allows the action.
          type: str
        target_type:
          description: V(root), V(OU) or V(account).
          type: str
        statement:
          description: The C(Sid) of the denying statement, or its index when it has none.
          type: str
        statement_index:
          description: Index of the denying statement in the policy.
          type: int
        action:
          description: The denied action, for example C(sts:AssumeRole).
          type: str
      sample:
        policy_type: RESOURCE_CONTROL_POLICY
        explicit: true
        policy_id: p-emu00001
        policy_name: data-perimeter
        policy_arn: arn:aws:organizations::100000000000:policy/o-emulator0001/resource_control_policy/p-emu00001
        target_id: ou-emu1-00000003
        target_type: OU
        statement: OrgOnly
        statement_index: 0
        action: sts:AssumeRole
    reason:
      description: One sentence naming the guardrail and whom it denies; null when the account is allowed.
      type: str
      returned: always
    uncertain:
      description: Statements that would deny only for values this check cannot know, one sentence each.
      type: list
      elements: str
      returned: always
blocked:
  description: The ids of the blocked accounts.
  returned: always
  type: list
  elements: str
allowed:
  description: The ids of the allowed accounts.
  returned: always
  type: list
  elements: str
organization_calls:
  description: The number of AWS Organizations API calls the check made (each page counts).
  returned: always
  type: int
  sample: 31
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._guardrail_check import ARGSPEC, handle
from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
