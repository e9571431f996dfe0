#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: trust_report
short_description: Report who may assume the IAM roles of an account, and fail a CI gate on what must not be there
version_added: 0.2.0
description:
  - Reads every role of the account of the connection (C(iam:ListRoles), paginated, with O(path_prefix)) and classifies
    each C(Allow) statement of each trust policy by who it lets in, plus the lint findings of the policy engine (the same
    findings that M(crossaccount.aws.target_role) and M(crossaccount.aws.trust_policy) report before a write).
  - 'The classes, from the widest exposure to the narrowest:'
  - V(public) - a wildcard principal (C(*) as the principal or as its C(AWS) value, or C(NotPrincipal) in an C(Allow) statement) that no condition
    really narrows (see the lint code C(wildcard_principal)); any AWS principal of any account may assume the role.
  - V(unknown_account) - a principal of an account that is neither the role's own nor in O(known_account_ids), without
    an organization condition; also a wildcard narrowed only to such accounts (C(aws:PrincipalAccount),
    C(aws:PrincipalArn), C(aws:SourceAccount), C(aws:SourceArn)) or to a value that names no account.
  - V(dangling) - a unique id (C(AROA...), C(AIDA...)) that AWS put in place of a deleted user or role; it can never match
    again.
  - V(federated) - a C(Federated) principal (an OpenID Connect or SAML provider, Cognito), that is identities from outside IAM.
  - V(organization) - a wildcard, or a principal of an unknown account, narrowed by C(aws:PrincipalOrgID) or
    C(aws:PrincipalOrgPaths), so that only principals of the organization (or of those OUs) may assume the role.
  - V(known_account) - a principal of an account in O(known_account_ids) (or a wildcard narrowed to such accounts).
  - V(service) - a C(Service) principal such as C(ec2.amazonaws.com).
  - V(same_account) - a principal of the role's own account (or a wildcard narrowed to it).
  - A statement whose principals fall into several classes gets the widest one, in the order above (a statement trusting
    the own account and an unknown account is V(unknown_account)). C(Deny) statements are not classified.
  - Never changes anything and runs normally in check mode. All options are validated before the first AWS call.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  known_account_ids:
    description:
      - 12-digit ids of accounts you own or know (tooling, CI, security accounts). Their principals are V(known_account)
        instead of V(unknown_account), and the lint does not ask them for an external id.
    type: list
    elements: str
  path_prefix:
    description:
      - Report only the roles whose path begins with this prefix (C(iam:ListRoles) C(PathPrefix)), for example V(/ci/).
    type: str
    default: /
  fail_on:
    description:
      - Classes that must not be found. When any statement of any reported role has one of them, the task fails naming the
        class and the roles (the whole report is still returned), so the module can gate a CI pipeline.
    type: list
    elements: str
    choices: [public, unknown_account, dangling, federated, organization, known_account, service, same_account]
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.organization
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.read_only
notes:
  - Needs C(iam:ListRoles) (and C(iam:GetRole) in the rare case that a role is listed without its trust policy).
  - The role's own account is read from each role's ARN; no C(sts:GetCallerIdentity) call is made.
  - Read the report of another account by connecting to it, for example with credentials from the
    C(crossaccount.aws.assumed_credentials) lookup.
seealso:
  - module: crossaccount.aws.trust_policy
  - module: crossaccount.aws.target_role
  - module: crossaccount.aws.oidc_provider
"""

EXAMPLES = r"""
# Note: these examples use a named profile; any connection option works.
- name: Who may assume the roles of the workload account?
  crossaccount.aws.trust_report:
    profile: target-admin
    known_account_ids:
      - "111111111111"
  register: trust

- name: Show the roles that an account we do not know may assume
  ansible.builtin.debug:
    msg: "{{ trust.roles | selectattr('classes', 'contains', 'unknown_account') | map(attribute='name') | list }}"

- name: CI gate - no public trust, no unknown account, no deleted principal
  crossaccount.aws.trust_report:
    profile: target-admin
    known_account_ids: ["111111111111", "444444444444"]
    fail_on: [public, unknown_account, dangling]

- name: Only the roles under /ci/
  crossaccount.aws.trust_report:
    profile: target-admin
    path_prefix: /ci/
"""

RETURN = r"""
roles:
  description:
    - Every role reported, in the order IAM lists them. Also returned when O(fail_on) fails the task.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the role.
      type: str
      returned: always
      sample: deploy-from-tools
    arn:
      description: ARN of the role.
      type: str
      returned: always
      sample: arn:aws:iam::222222222222:role/deploy-from-tools
    path:
      description: Path of the role.
      type: str
      returned: always
      sample: /
    classes:
      description: The classes of the role's statements, widest first, each once.
      type: list
      elements: str
      returned: always
      sample: [unknown_account, same_account]
    statements:
      description: The C(Allow) statements of the trust policy.
      type: list
      elements: dict
      returned: always
      contains:
        index:
          description: Position of the statement in the trust policy (the same index as a finding's C(statement)).
          type: int
          returned: always
        class:
          description: The class of the statement (see the description of the module).
          type: str
          returned: always
        principals:
          description: The statement's principals by kind (C(AWS), C(Service), C(Federated), C(CanonicalUser)), each a list.
          type: dict
          returned: always
          sample:
            AWS: ["arn:aws:iam::333333333333:root"]
        conditions:
          description: The statement's C(Condition) block, an empty dict when there is none.
          type: dict
          returned: always
        not_principal:
          description: True when the statement uses C(NotPrincipal); RV(roles[].statements[].principals) then lists the excluded principals.
          type: bool
          returned: when the statement uses NotPrincipal
        guardrail:
          description:
            - With O(organization_aws), whether the resource control policies of the role's account let the callers of this
              statement assume the role - V(denied) when one certainly denies a kind of caller the statement trusts (the
              findings then hold a C(guardrail_denies) error naming it), else V(allowed).
          type: dict
          returned: with organization_aws
          version_added: 0.3.0
          contains:
            status:
              description: V(allowed) or V(denied).
              type: str
            policy:
              description: The denying policy (C(policy_type), C(explicit), C(policy_id), C(policy_name), C(policy_arn),
                C(target_id), C(target_type), C(statement), C(statement_index), C(action)); null when allowed.
              type: dict
          sample:
            status: denied
            policy:
              policy_type: RESOURCE_CONTROL_POLICY
              explicit: true
              policy_id: p-emu00001
              policy_name: data-perimeter
              target_id: ou-emu1-00000003
              target_type: OU
              statement: OrgOnly
              statement_index: 0
              action: sts:AssumeRoleWithWebIdentity
    findings:
      description: Lint findings of the trust policy, as the policy engine reports them.
      type: list
      elements: dict
      returned: always
      contains:
        severity:
          description: V(error) or V(warning).
          type: str
          returned: always
        code:
          description: The finding's code, for example C(wildcard_principal) or C(external_id_missing).
          type: str
          returned: always
        statement:
          description: Index of the statement in the trust policy.
          type: int
          returned: always
        message:
          description: One line saying what is wrong and why.
          type: str
          returned: always
summary:
  description: Number of trust statements of each class over all roles reported; every class is a key, zero included.
  returned: always
  type: dict
  sample:
    public: 0
    unknown_account: 1
    dangling: 0
    federated: 1
    organization: 2
    known_account: 3
    service: 4
    same_account: 5
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._trust_report import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
