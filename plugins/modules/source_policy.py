#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: source_policy
short_description: Allow principals of the source account to assume cross-account roles
version_added: 0.1.0
description:
  - Manages the source account's half of cross-account access (step 3 of the workflow), an IAM identity
    policy that allows C(sts:AssumeRole) on exactly the roles in O(target_role_arns), and nothing else, or (the
    organization form) on the role O(target_role_name) in every account of the organization O(target_organization_id).
  - The policy is a customer managed policy attached to O(users), O(groups) and O(roles) (O(type=managed)),
    or an inline policy put on each of them (O(type=inline)).
  - Documents are compared by meaning, so a policy that IAM stores with reordered keys or lists is not
    rewritten; a managed policy gets a new version only when the wanted document differs from the default one.
  - Every option, and the existence of every named user, group and role, is checked before the first write.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  name:
    description:
      - Name of the managed policy, or of the inline policy on each principal.
    type: str
    required: true
  path:
    description:
      - IAM path of the managed policy, such as C(/) or C(/cross-account/).
      - The policy is looked up by its ARN C(arn:PARTITION:iam::ACCOUNT:policyPATHNAME), built from the caller's
        account and partition, never by listing the account's policies.
      - Only for O(type=managed).
    type: str
    default: /
  target_role_arns:
    description:
      - ARNs of the roles in other accounts that the principals may assume. They are the only resources
        the policy grants.
      - Required with O(state=present), unless O(target_organization_id) is given (mutually exclusive with it).
      - All ARNs must be in the caller's partition (C(aws), C(aws-cn) or C(aws-us-gov)). Wildcards are refused.
      - A managed policy holds at most 6,144 characters (near 100 role ARNs); above that the module fails before any
        write, saying how many of the ARNs fit, instead of an AWS error. Use the organization form for more accounts.
    type: list
    elements: str
  target_organization_id:
    description:
      - The organization form, with O(target_role_name), instead of O(target_role_arns). The policy allows
        C(sts:AssumeRole) on C(arn:PARTITION:iam::*:role/PATH/NAME) only under C(StringEquals aws:ResourceOrgID), so one
        constant-size policy covers the role of that name in every account of the organization, and no account outside it.
    type: str
    version_added: 0.2.0
  target_role_name:
    description:
      - With O(target_organization_id), the name of the role to assume in the organization's accounts.
    type: str
    version_added: 0.2.0
  target_role_path:
    description:
      - With O(target_organization_id), the IAM path of that role.
    type: str
    version_added: 0.2.0
  lint:
    description:
      - Check the wanted document before any write. V(warn) turns every finding into a warning, V(error) fails before any
        write on a finding of severity C(error), V(off) skips the check (quote it in YAML). Findings are returned in RV(findings).
      - The finding for a source policy is C(unknown_target_account) (warning), for a role in an account outside
        O(known_account_ids), when that list is given.
    type: str
    choices: [warn, error, "off"]
    default: warn
    version_added: 0.2.0
  known_account_ids:
    description:
      - Accounts you own or know; see O(lint).
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  type:
    description:
      - V(managed) creates a customer managed policy and attaches it to the principals.
      - V(inline) puts an inline policy named O(name) on each principal.
    type: str
    choices: [managed, inline]
    default: managed
  users:
    description:
      - Names of IAM users to attach the policy to (or put the inline policy on, or with O(type=inline)
        and O(state=absent) remove it from).
      - Every user must exist when O(state=present).
    type: list
    elements: str
  groups:
    description:
      - Names of IAM groups, as for O(users).
    type: list
    elements: str
  roles:
    description:
      - Names of IAM roles in the source account, as for O(users).
    type: list
    elements: str
  purge_attachments:
    description:
      - With O(type=managed), detach the policy from users, groups and roles not listed in O(users),
        O(groups) and O(roles).
      - IAM cannot list the principals that carry an inline policy of a given name without reading every
        principal of the account, so for O(type=inline) this option is refused; remove an inline policy with
        O(state=absent) and the principals to remove it from.
    type: bool
    default: false
  allow_session_tags:
    description:
      - Also allow C(sts:TagSession) on the target roles, needed to pass session tags when assuming them.
    type: bool
    default: false
  allow_source_identity:
    description:
      - Also allow C(sts:SetSourceIdentity) on the target roles, needed to set a source identity when assuming them.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the policy and its attachments.
      - V(absent) with O(type=managed) detaches the policy from every user, group and role (whether listed or not),
        deletes its non-default versions and then the policy; O(users), O(groups) and O(roles) are not needed.
      - V(absent) with O(type=inline) deletes the inline policy O(name) from the listed principals.
    type: str
    choices: [present, absent]
    default: present
notes:
  - A managed policy keeps at most five versions (the IAM quota). When the document changes and five versions
    exist, the oldest non-default version is deleted first; when an older version already holds the wanted
    document it is made the default again instead of creating a new one.
  - New versions are created with C(SetAsDefault=true). A request that AWS applied but answered with a server error
    is retried by botocore; the module re-reads the policy afterwards and removes a duplicate version such a retry
    may have created, so retries neither fail the task nor use up the version quota.
  - In check mode RV(policy.default_version_id) of a version that would be created is predicted as the next
    version number.
  - The caller needs C(iam:GetPolicy), C(iam:GetPolicyVersion), C(iam:ListPolicyVersions), C(iam:ListEntitiesForPolicy),
    C(iam:GetUser), C(iam:GetGroup), C(iam:GetRole) and the write actions for what it changes.
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.managed
seealso:
  - module: crossaccount.aws.target_role
  - module: crossaccount.aws.trust_policy
  - module: crossaccount.aws.verify_access
"""

EXAMPLES = r"""
# Note: These examples do not set authentication details; see the connection options.

- name: Let the deploy group assume the deployment role in the target account
  crossaccount.aws.source_policy:
    profile: source-admin
    name: AssumeDeployRole
    target_role_arns:
      - arn:aws:iam::222222222222:role/Deploy
    groups:
      - deployers

- name: Same policy under a path, attached to a user and a role; detach it from anyone else
  crossaccount.aws.source_policy:
    name: AssumeDeployRole
    path: /cross-account/
    target_role_arns:
      - arn:aws:iam::222222222222:role/Deploy
      - arn:aws:iam::333333333333:role/Deploy
    users: [ci-runner]
    roles: [build-agent]
    purge_attachments: true
    allow_session_tags: true

- name: One constant-size policy for the role Deploy in every account of the organization
  crossaccount.aws.source_policy:
    name: AssumeDeployInOrganization
    target_organization_id: o-a1b2c3d4e5
    target_role_name: Deploy
    groups:
      - deployers

- name: Inline policy on one user
  crossaccount.aws.source_policy:
    name: assume-readonly
    type: inline
    target_role_arns:
      - arn:aws:iam::222222222222:role/ReadOnly
    users: [alice]

- name: Remove the managed policy everywhere
  crossaccount.aws.source_policy:
    name: AssumeDeployRole
    path: /cross-account/
    state: absent

- name: Remove the inline policy from alice
  crossaccount.aws.source_policy:
    name: assume-readonly
    type: inline
    users: [alice]
    state: absent
"""

RETURN = r"""
findings:
  description:
    - Lint findings about the wanted document, computed before any write (empty with O(lint=off) and O(state=absent)).
    - C(statement) is the index of the statement in the document.
  returned: success
  type: list
  elements: dict
  sample:
    - severity: warning
      code: unknown_target_account
      statement: 0
      message: statement "AllowAssumeCrossAccountRole" grants sts:AssumeRole on roles of account 333333333333, which is not in known_account_ids
policy:
  description:
    - The policy after the run (predicted in check mode).
    - An empty dict with O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the managed policy (predicted in check mode when it does not exist yet).
      returned: when O(type=managed) and O(state=present)
      type: str
      sample: arn:aws:iam::111111111111:policy/AssumeDeployRole
    name:
      description: Name of the policy.
      returned: when O(state=present)
      type: str
      sample: AssumeDeployRole
    path:
      description: IAM path of the managed policy.
      returned: when O(type=managed) and O(state=present)
      type: str
      sample: /
    type:
      description: V(managed) or V(inline).
      returned: when O(state=present)
      type: str
      sample: managed
    document:
      description: The policy document (the stored one when it already had the wanted meaning).
      returned: when O(state=present)
      type: dict
      sample:
        Version: "2012-10-17"
        Statement:
          - Sid: AllowAssumeCrossAccountRole
            Effect: Allow
            Action: ["sts:AssumeRole"]
            Resource: ["arn:aws:iam::222222222222:role/Deploy"]
    default_version_id:
      description: The default version of the managed policy.
      returned: when O(type=managed) and O(state=present)
      type: str
      sample: v2
    attached:
      description:
        - Principals that carry the policy after the run, by kind.
        - For O(type=managed) every attachment of the policy (also principals not listed, unless O(purge_attachments=true)).
        - For O(type=inline) the listed principals.
      returned: when O(state=present)
      type: dict
      contains:
        users:
          description: User names.
          type: list
          elements: str
          returned: always
          sample: [ci-runner]
        groups:
          description: Group names.
          type: list
          elements: str
          returned: always
          sample: [deployers]
        roles:
          description: Role names.
          type: list
          elements: str
          returned: always
          sample: []
diff:
  description:
    - Before and after state in diff mode. For O(type=managed) the policy ARN, document and attachments; for
      O(type=inline) the document on each listed principal, by kind and name.
  returned: when diff mode is enabled
  type: dict
  sample:
    before: {}
    after:
      arn: arn:aws:iam::111111111111:policy/AssumeDeployRole
      document:
        Version: "2012-10-17"
        Statement:
          - Sid: AllowAssumeCrossAccountRole
            Effect: Allow
            Action: ["sts:AssumeRole"]
            Resource: ["arn:aws:iam::222222222222:role/Deploy"]
      attached:
        users: []
        groups: [deployers]
        roles: []
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._source_policy import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
