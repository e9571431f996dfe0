#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: assume_role
short_description: Assume an IAM role and return its temporary credentials
version_added: 0.1.0
description:
  - Calls C(sts:AssumeRole) with the source principal given by the connection options and returns temporary credentials
    of the role, for later tasks (step 4 of cross-account access).
  - Supports external ids, MFA, session policies, session tags, transitive tag keys and source identity.
  - With O(via), the roles listed are assumed in order before O(role_arn), the credentials of each hop being the source of the
    next (for example a hub role in a security account, then a role in each member account). A denied hop is named in the
    message (C(via[1] ARN) or C(role_arn ARN)). MFA applies to the first call made with the source credentials; session
    policies, tags and source identity to the session of O(role_arn).
  - With O(web_identity_token) or O(web_identity_token_file), the first role of the chain is assumed with
    C(sts:AssumeRoleWithWebIdentity) (an OpenID Connect token of a CI system); no source credentials are needed. A refused token
    fails with the AWS error code (C(AccessDenied), C(ExpiredTokenException), C(InvalidIdentityToken)) and never shows the token.
  - AWS rejects a freshly created role or trust policy for a few seconds; O(wait_timeout) keeps retrying C(AccessDenied)
    with a bounded backoff, and the final message says whether the call was denied at once or still denied after waiting.
  - Never reports a change, and runs normally in check mode because it changes nothing.
  - All options are validated before the first AWS call.
  - To use the credentials in many tasks without a task of its own, see the lookup
    P(crossaccount.aws.assumed_credentials#lookup), which also caches them.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  role_arn:
    description:
      - ARN of the role to assume, such as C(arn:aws:iam::123456789012:role/Deploy).
    type: str
    required: true
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.assume_role
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.read_only
notes:
  - The result holds the secret access key and session token. So that they are usable by later tasks (through C(register))
    but never printed, the task result is marked C(no_log) when it contains credentials; the default callback then shows it
    as censored at every verbosity. Do not print the registered variable.
  - Ansible's debug mode (E(ANSIBLE_DEBUG)) prints raw module output, secrets included; do not use it with real credentials.
seealso:
  - plugin: crossaccount.aws.assumed_credentials
    plugin_type: lookup
  - module: crossaccount.aws.verify_access
"""

EXAMPLES = r"""
- name: Assume the deploy role of the target account
  crossaccount.aws.assume_role:
    profile: source-admin
    role_arn: arn:aws:iam::222222222222:role/Deploy
    role_session_name: release-42
    external_id: partner-42
    duration_seconds: 900
  register: deploy

- name: Use the credentials
  crossaccount.aws.verify_access:
    access_key: "{{ deploy.credentials.access_key }}"
    secret_key: "{{ deploy.credentials.secret_key }}"
    session_token: "{{ deploy.credentials.session_token }}"
    expected_account_id: "222222222222"

- name: Role that requires MFA and session tags, right after it was created
  crossaccount.aws.assume_role:
    role_arn: "{{ target_role.role.arn }}"
    mfa_serial_number: arn:aws:iam::111111111111:mfa/alice
    mfa_token: "{{ mfa_code }}"
    session_tags:
      project: atlas
    transitive_tag_keys: [project]
    source_identity: alice
    wait_timeout: 120
  register: tagged

- name: A member account's role through the hub role of the security account
  crossaccount.aws.assume_role:
    profile: security-admin
    via:
      - arn:aws:iam::111111111111:role/Hub
    role_arn: arn:aws:iam::222222222222:role/Auditor
  register: auditor

- name: From a CI job's OpenID Connect token, no keys at all
  crossaccount.aws.assume_role:
    role_arn: arn:aws:iam::222222222222:role/Deployer
    web_identity_token_file: "{{ lookup('ansible.builtin.env', 'CI_OIDC_TOKEN_FILE') }}"
    role_session_name: "ci-{{ lookup('ansible.builtin.env', 'CI_JOB_ID') }}"
  register: deployer
"""

RETURN = r"""
credentials:
  description: Temporary credentials of the role session.
  returned: success
  type: dict
  contains:
    access_key:
      description: Access key id.
      type: str
      sample: ASIAIOSFODNN7EXAMPLE
    secret_key:
      description: Secret access key.
      type: str
    session_token:
      description: Session token.
      type: str
    expiration:
      description: When the credentials expire (ISO 8601, UTC).
      type: str
      sample: "2026-01-01T12:00:00Z"
assumed_role:
  description: The role session.
  returned: success
  type: dict
  contains:
    arn:
      description: ARN of the assumed-role session.
      type: str
      sample: arn:aws:sts::222222222222:assumed-role/Deploy/release-42
    assumed_role_id:
      description: Unique id of the role, a colon, and the session name.
      type: str
      sample: "AROA3XFRBF535PLBIFPI4:release-42"
account_id:
  description: Account the role belongs to.
  returned: success
  type: str
  sample: "222222222222"
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._assume_role import ARGSPEC, handle
from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
