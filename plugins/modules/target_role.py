#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: target_role
short_description: Manage the IAM role that another account assumes
version_added: 0.1.0
description:
  - Creates, updates and deletes the IAM role in the B(target) account that principals of a source
    account assume with C(sts:AssumeRole) (step 1 of cross-account access).
  - The trust policy is built from intent (O(trusted_account_ids), O(trusted_principal_arns), O(external_id),
    O(require_mfa), O(allow_session_tags), O(allow_source_identity)) or given whole as O(trust_policy).
    Either way the module owns the B(whole) trust document; use M(crossaccount.aws.trust_policy) to change
    single statements and keep the rest.
  - Beyond account ids the role can trust an organization or its OUs (O(trusted_org_id), O(trusted_org_paths)),
    principal ARN patterns (O(trusted_principal_patterns)), service principals (O(trusted_services)) and OpenID
    Connect providers (O(trusted_oidc)); each gets a statement of its own.
  - The trust policy is linted before any write (O(lint), RV(findings)).
  - Policies are compared by meaning, not by text, so AWS rewriting a document (account id to root ARN,
    single-item lists, reordered keys) never reports a change. A rerun with the same options makes no write call.
  - Each changed attribute is updated with the API call for that attribute only.
  - All options are validated before the first AWS call.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  name:
    description:
      - Name of the role.
    type: str
    required: true
  path:
    description:
      - IAM path of the role, V(/) or a value that starts and ends with V(/).
      - IAM cannot move an existing role to another path; the module fails when an existing role has a different
        path (delete it with O(state=absent) and create it again).
    type: str
    default: /
  description:
    description:
      - Description of the role. When unset an existing description is kept.
    type: str
  state:
    description:
      - V(present) creates or updates the role; V(absent) removes instance-profile links, managed policy
        attachments and inline policies, then deletes the role.
    type: str
    choices: [present, absent]
    default: present
  trust_policy:
    description:
      - The whole trust policy document, as a dict or a JSON string. Replaces the stored one when it differs in meaning.
      - Mutually exclusive with O(trusted_account_ids), O(trusted_principal_arns), O(external_id), O(require_mfa),
        O(allow_session_tags) and O(allow_source_identity).
    type: json
  managed_policies:
    description:
      - Managed policies to attach, as names (V(AmazonS3FullAccess), V(service-role/AWSLambdaRole)) or ARNs.
      - A name resolves to the AWS managed policy C(arn:<partition>:iam::aws:policy/NAME) when it exists, else to the
        account's own policy C(arn:<partition>:iam::ACCOUNT:policy/NAME) (a name may carry a path, V(team/MyPolicy)).
        An unknown name fails before any change.
      - When unset, attachments are left alone. V([]) with O(purge_policies=true) detaches every managed policy.
    type: list
    elements: str
  inline_policies:
    description:
      - Inline policies, a dict of policy name to document (a dict or a JSON string).
      - When unset, inline policies are left alone.
    type: dict
  purge_policies:
    description:
      - With O(managed_policies) given, detach managed policies that are not listed; with O(inline_policies) given,
        delete inline policies that are not listed.
    type: bool
    default: true
  max_session_duration:
    description:
      - Maximum session duration in seconds, 3600 to 43200. AWS uses 3600 for a new role when unset; an existing value is kept.
    type: int
  permissions_boundary:
    description:
      - ARN of the managed policy used as the permissions boundary. V("") removes the boundary; unset keeps it.
    type: str
  tags:
    description:
      - Tags of the role, a dict. When unset, tags are left alone.
    type: dict
  purge_tags:
    description:
      - With O(tags) given, remove tags whose keys are not in O(tags).
    type: bool
    default: true
extends_documentation_fragment:
  - crossaccount.aws.trust_intents
  - crossaccount.aws.connection
  - crossaccount.aws.organization
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.managed
notes:
  - The partition (C(aws), C(aws-cn), C(aws-us-gov)) comes from the caller identity; ARNs given in options must use it.
  - In check mode on create, RV(role.arn) is the ARN the role will get.
  - After a write that AWS answered with a server error, botocore retries it; a retried C(CreateRole) that finds the
    role already there re-reads it and carries on, so a rerun after any partial failure converges.
seealso:
  - module: crossaccount.aws.trust_policy
  - module: crossaccount.aws.source_policy
  - module: crossaccount.aws.verify_access
"""

EXAMPLES = r"""
# Note: these examples use a named profile; any connection option works.
- name: Role that the source account may assume, with read access to S3
  crossaccount.aws.target_role:
    profile: target-admin
    name: deploy-from-tools
    description: Assumed by the tools account pipeline
    trusted_account_ids:
      - "111111111111"
    external_id: tools-pipeline-7f3a
    managed_policies:
      - AmazonS3ReadOnlyAccess
    max_session_duration: 7200
    tags:
      team: platform
  register: target

- name: Show the role ARN (also predicted in check mode)
  ansible.builtin.debug:
    msg: "{{ target.role.arn }}"

- name: Trust one role of the source account, MFA required, with an inline policy
  crossaccount.aws.target_role:
    profile: target-admin
    name: break-glass
    path: /admin/
    trusted_principal_arns:
      - arn:aws:iam::111111111111:role/oncall
    require_mfa: true
    inline_policies:
      read-logs:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: logs:Get*
            Resource: "*"

- name: CI roles of the tools account (any role named ci-*, even after it is re-created), linted strictly
  crossaccount.aws.target_role:
    profile: target-admin
    name: deploy-from-ci
    trusted_principal_patterns:
      - arn:aws:iam::111111111111:role/ci-*
    known_account_ids:
      - "111111111111"
    lint: error

- name: Role for EC2 instances of this account only
  crossaccount.aws.target_role:
    profile: target-admin
    name: ec2-app
    trusted_services:
      - ec2.amazonaws.com

- name: Whole trust document, for example for a service
  crossaccount.aws.target_role:
    profile: target-admin
    name: lambda-exec
    trust_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal:
            Service: lambda.amazonaws.com
          Action: sts:AssumeRole

- name: Remove the role and everything attached to it
  crossaccount.aws.target_role:
    profile: target-admin
    name: deploy-from-tools
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role after the change; in check mode, the predicted role. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role (predicted in check mode on create).
      type: str
      returned: when the role exists or would be created
      sample: arn:aws:iam::222222222222:role/deploy-from-tools
    name:
      description: Name of the role.
      type: str
      returned: when the role exists or would be created
      sample: deploy-from-tools
    role_id:
      description: Unique id of the role (C(AROA...)); V(null) in check mode on create.
      type: str
      returned: when the role exists or would be created
      sample: AROAEXAMPLE1234567890
    path:
      description: IAM path of the role.
      type: str
      returned: when the role exists or would be created
      sample: /
    description:
      description: Description of the role.
      type: str
      returned: when the role exists or would be created
      sample: Assumed by the tools account pipeline
    trust_policy:
      description: The trust policy document as stored by IAM.
      type: dict
      returned: when the role exists or would be created
      sample:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::111111111111:root
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId: tools-pipeline-7f3a
    managed_policies:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      returned: when the role exists or would be created
      sample: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
    inline_policies:
      description: Inline policies, policy name to document.
      type: dict
      returned: when the role exists or would be created
      sample: {}
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      returned: when the role exists or would be created
      sample: 7200
    permissions_boundary:
      description: ARN of the permissions boundary policy, V(null) when there is none.
      type: str
      returned: when the role exists or would be created
      sample: null
    tags:
      description: Tags of the role.
      type: dict
      returned: when the role exists or would be created
      sample:
        team: platform
    create_date:
      description: When the role was created (ISO 8601); V(null) in check mode on create.
      type: str
      returned: when the role exists or would be created
      sample: "2024-05-01T10:00:00+00:00"
findings:
  description:
    - Lint findings about the trust policy after the change, computed before any write (empty with O(lint=off) and
      O(state=absent)).
    - C(statement) is the index of the statement in the document, or null for a finding about the whole document (C(size_quota)).
  returned: success
  type: list
  elements: dict
  sample:
    - severity: error
      code: external_id_missing
      statement: 0
      message: 'statement "CrossAccountAssumeRole" trusts account 333333333333 (neither the role''s own account nor in known_account_ids) ...'
diff:
  description: Before and after state (attributes and documents) of the role, in diff mode.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The role before the change; empty when it did not exist.
      type: dict
      returned: in diff mode
    after:
      description: The role after the change; empty after O(state=absent).
      type: dict
      returned: in diff mode
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._target_role import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
