#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: trust_policy
short_description: Manage who may assume an existing IAM role
version_added: 0.1.0
description:
  - Edits the trust policy (C(AssumeRolePolicyDocument)) of an existing IAM role in the B(target) account
    (step 2 of cross-account access).
  - With O(policy) the whole document is replaced, as in the console's JSON editor.
  - With statement-level intent (O(trusted_account_ids), O(trusted_principal_arns) and the conditions
    O(external_id), O(require_mfa), O(allow_session_tags), O(allow_source_identity)) and O(state=present),
    the module makes sure these principals are trusted under these conditions and leaves every other statement
    (service principals, other accounts, Deny statements) untouched. With O(state=absent) it removes just these principals.
  - Documents are compared by meaning; a rerun with the same options makes no write call.
  - Principals that AWS replaced by unique ids (C(AROA...), C(AIDA...)) because the user or role was deleted are
    always reported in RV(dangling_principals) and warned about; O(remove_dangling=true) drops them.
  - Beyond account ids it trusts an organization or its OUs (O(trusted_org_id), O(trusted_org_paths)), principal ARN
    patterns (O(trusted_principal_patterns)), service principals (O(trusted_services)) and OpenID Connect providers
    (O(trusted_oidc)), each in a statement of its own, merged and removed the same way.
  - The document is linted before any write (O(lint)); a foreign account trusted without O(external_id) is the
    C(external_id_missing) finding. A statement that trusts C(*) without a condition that narrows it is refused.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  role_name:
    description:
      - Name of the existing role whose trust policy is managed.
    type: str
    required: true
  policy:
    description:
      - The whole trust policy document, as a dict or a JSON string. Replaces the stored one when it differs in meaning.
      - Mutually exclusive with the intent options and with O(state=absent).
    type: json
  state:
    description:
      - V(present) makes sure the principals are trusted (or, with O(policy), that the document is stored).
      - V(absent) removes the principals from every Allow statement. A trust policy cannot be empty, so the module
        fails instead of removing the last principal; delete the role with M(crossaccount.aws.target_role) instead.
    type: str
    choices: [present, absent]
    default: present
  remove_dangling:
    description:
      - Remove principals that AWS has replaced by unique ids (C(AROA...), C(AIDA...)) because the user or role was deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - crossaccount.aws.trust_intents
  - crossaccount.aws.connection
  - crossaccount.aws.organization
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.managed
notes:
  - The role must exist; create it with M(crossaccount.aws.target_role).
  - The partition (C(aws), C(aws-cn), C(aws-us-gov)) comes from the caller identity; ARNs given in options must use it.
seealso:
  - module: crossaccount.aws.target_role
  - module: crossaccount.aws.verify_access
"""

EXAMPLES = r"""
# Note: these examples use a named profile; any connection option works.
- name: Let the tools account assume the role, with an external id, keeping other statements
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: deploy-from-tools
    trusted_account_ids:
      - "111111111111"
    external_id: tools-pipeline-7f3a

- name: Also trust one role of a third account, with MFA
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: deploy-from-tools
    trusted_principal_arns:
      - arn:aws:iam::333333333333:role/auditor
    require_mfa: true

- name: Stop trusting the third account's role and clean up deleted principals
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: deploy-from-tools
    trusted_principal_arns:
      - arn:aws:iam::333333333333:role/auditor
    state: absent
    remove_dangling: true
  register: trust

- name: Let every principal of two OUs of the organization assume the role
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: read-only-audit
    trusted_org_id: o-a1b2c3d4e5
    trusted_org_paths:
      - o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*

- name: Let GitHub Actions of one repository assume the role (no keys)
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: deploy-from-github
    trusted_oidc:
      provider: https://token.actions.githubusercontent.com
      audience: sts.amazonaws.com
      subjects:
        - repo:my-org/my-app:ref:refs/heads/main
    lint: error

- name: Replace the whole document
  crossaccount.aws.trust_policy:
    profile: target-admin
    role_name: lambda-exec
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal:
            Service: lambda.amazonaws.com
          Action: sts:AssumeRole
"""

RETURN = r"""
trust_policy:
  description: The trust policy as stored by IAM after the change (the predicted document in check mode).
  returned: success
  type: dict
  sample:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Principal:
          Service: ec2.amazonaws.com
        Action: sts:AssumeRole
      - Effect: Allow
        Principal:
          AWS: arn:aws:iam::111111111111:root
        Action: sts:AssumeRole
        Condition:
          StringEquals:
            sts:ExternalId: tools-pipeline-7f3a
findings:
  description:
    - Lint findings about the trust policy after the change, computed before any write (empty with O(lint=off)).
    - C(statement) is the index of the statement in the document, or null for a finding about the whole document (C(size_quota)).
  returned: success
  type: list
  elements: dict
  sample:
    - severity: warning
      code: org_trust_without_path
      statement: 1
      message: 'statement "TrustOrganization" trusts every account of organization o-a1b2c3d4e5, sandbox accounts included: ...'
dangling_principals:
  description:
    - Unique ids (C(AROA...), C(AIDA...)) found in the stored trust policy before the change; they stand for deleted
      users or roles. With O(remove_dangling=true) they are removed.
  returned: success
  type: list
  elements: str
  sample: [AIDAEXAMPLE1234567890]
role_arn:
  description: ARN of the role.
  returned: success
  type: str
  sample: arn:aws:iam::222222222222:role/deploy-from-tools
diff:
  description: The trust policy before and after the change, in diff mode.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The stored trust policy before the change.
      type: dict
      returned: in diff mode
    after:
      description: The trust policy after the change.
      type: dict
      returned: in diff mode
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._trust_policy import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
