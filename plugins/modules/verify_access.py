#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verify_access
short_description: Prove that cross-account access works, and say exactly why when it does not
version_added: 0.1.0
description:
  - Step 5 of cross-account access, the C(aws sts get-caller-identity) and C(aws s3 ls --profile assumed-role) check as a task.
  - With O(role_arn), assumes the role with the credentials of the connection options (the source principal), then calls
    C(sts:GetCallerIdentity) with the temporary credentials. Without O(role_arn), checks the given credentials as they are.
  - Then compares the identity with O(expected_account_id) and O(expected_role_name), and lists each bucket of O(s3_buckets).
  - When C(sts:AssumeRole) is denied, AWS says nothing about why. The module then reads what the available credentials may read
    and evaluates it, and fails with a diagnosis naming the side that denied and why, for example a role that does not
    exist, a trust policy that does not name the caller's account or principal, an external id that is missing or different,
    MFA that is required, identity policies of the caller that do not allow C(sts:AssumeRole) on the role, a duration above
    the role's C(MaxSessionDuration) or the one-hour role-chaining cap, or a role so new that it is still propagating.
  - The role and its trust policy are read with O(target_aws), or with the connection itself when the role is in the caller's
    own account. The caller's identity policies are read with the connection (the caller may need C(iam:List*Policies),
    C(iam:Get*Policy) and C(iam:GetPolicyVersion) on itself; when it may not, the diagnosis says so).
  - With O(via), the hops are assumed in order before O(role_arn) (each hop's session is the caller of the next); when one is
    denied, the message and every sentence of the diagnosis start with the hop (C(via[0] ARN), or C(role_arn ARN) for the last
    role), and the diagnosis reads the policies with the credentials of the hop before it.
  - With O(web_identity_token) or O(web_identity_token_file), the first role of the chain is assumed with
    C(sts:AssumeRoleWithWebIdentity); a refused token is reported with the AWS error code, never with the token.
  - Never changes anything and runs normally in check mode. All options are validated before the first AWS call.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  role_arn:
    description:
      - ARN of the role to assume and verify. When unset, the connection's own credentials are verified.
    type: str
  duration_seconds:
    description:
      - Requested session duration, 900 to 43200 seconds. Checking it here tells whether the role's C(MaxSessionDuration)
        (or the one-hour cap of role chaining) allows the duration a later task or profile will ask for.
    type: int
  wait_timeout:
    description:
      - Seconds to keep retrying C(AccessDenied) while a role or trust policy written moments ago propagates through IAM,
        with a jittered backoff from 0.5 s up to 1 s between tries.
      - The module only waits when its diagnosis finds nothing else that explains the denial; a definite reason (for
        example a missing external id) fails at once.
    type: int
    default: 60
  expected_account_id:
    description:
      - The 12-digit account the (assumed) credentials must belong to.
    type: str
  expected_role_name:
    description:
      - Name of the role the credentials must be a session of (the C(assumed-role/NAME/...) part of the caller ARN).
    type: str
  s3_buckets:
    description:
      - Buckets the credentials must be able to list (C(s3:ListObjectsV2) with C(MaxKeys=1) on each), given as C(NAME) or
        C(s3://NAME).
      - The item V(*) checks C(s3:ListBuckets) instead, as C(aws s3 ls) does.
    type: list
    elements: str
  target_aws:
    description:
      - Connection options for the target account (for example a profile of an administrator there) used only to read the
        role and its trust policy for the diagnosis. Nothing is changed with them.
      - Without it, a denial of a role in another account can only be explained from the caller's side.
    type: dict
    suboptions:
      profile:
        description:
          - Named profile of the target account. Cannot be combined with explicit keys.
        type: str
        aliases: [aws_profile]
      access_key:
        description:
          - Access key id for the target account.
        type: str
        aliases: [aws_access_key_id, aws_access_key]
      secret_key:
        description:
          - Secret access key for the target account. Never logged or returned.
        type: str
        aliases: [aws_secret_access_key, aws_secret_key]
      session_token:
        description:
          - Session token for the target account. Never logged or returned.
        type: str
        aliases: [aws_session_token]
      region:
        description:
          - Region for the target account's clients.
        type: str
        aliases: [aws_region]
      endpoint_url:
        description:
          - Endpoint URL for the target account's clients.
        type: str
        aliases: [aws_endpoint_url]
      validate_certs:
        description:
          - Verify TLS certificates.
        type: bool
        default: true
      aws_ca_bundle:
        description:
          - CA bundle used to verify the endpoint's certificate.
        type: path
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.organization
  - crossaccount.aws.assume_role
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.read_only
notes:
  - The diagnosis evaluates the trust policy and identity policies with the collection's own policy engine. When AWS's
    error blames a service or resource control policy, the diagnosis says which kind (and, when the error carries it,
    the policy's id); with O(organization_aws) it reads and evaluates the organization's policies and names the one that
    denies. It cannot see permissions boundaries of the caller or session policies of the caller's own session; when
    everything it can see allows the request, it says so.
  - The temporary credentials are used only inside the module and never returned; use M(crossaccount.aws.assume_role) or the
    P(crossaccount.aws.assumed_credentials#lookup) lookup to obtain them.
seealso:
  - module: crossaccount.aws.assume_role
  - module: crossaccount.aws.aws_profile
  - module: crossaccount.aws.trust_policy
  - module: crossaccount.aws.source_policy
"""

EXAMPLES = r"""
- name: The deploy role can be assumed from the source account and can list the artifacts bucket
  crossaccount.aws.verify_access:
    profile: source-admin
    role_arn: arn:aws:iam::222222222222:role/Deploy
    external_id: partner-42
    expected_account_id: "222222222222"
    expected_role_name: Deploy
    s3_buckets: [artifacts-222222222222]
    target_aws:
      profile: target-admin

- name: Check credentials obtained earlier, without assuming anything
  crossaccount.aws.verify_access:
    access_key: "{{ deploy.credentials.access_key }}"
    secret_key: "{{ deploy.credentials.secret_key }}"
    session_token: "{{ deploy.credentials.session_token }}"
    expected_account_id: "222222222222"

- name: Collect the diagnosis instead of failing the play
  crossaccount.aws.verify_access:
    role_arn: "{{ role_arn }}"
    wait_timeout: 0
  register: access
  ignore_errors: true

- name: Show why
  ansible.builtin.debug:
    var: access.diagnosis

- name: A member account is reachable through the hub role (a denied hop is named in the diagnosis)
  crossaccount.aws.verify_access:
    profile: security-admin
    via: [arn:aws:iam::111111111111:role/Hub]
    role_arn: arn:aws:iam::222222222222:role/Auditor
    expected_account_id: "222222222222"
"""

RETURN = r"""
verified:
  description: True when every check passed (on failure the task fails and this is false).
  returned: always
  type: bool
  sample: true
identity:
  description: Caller identity of the verified credentials (the assumed role session with O(role_arn)). No secrets.
  returned: always; empty when the credentials could not be obtained
  type: dict
  contains:
    account:
      description: Account id.
      type: str
      sample: "222222222222"
    arn:
      description: Caller ARN.
      type: str
      sample: arn:aws:sts::222222222222:assumed-role/Deploy/ansible-alice-1700000000
    user_id:
      description: Unique id of the caller.
      type: str
      sample: AROAEXAMPLEEXAMPLE:ansible-alice-1700000000
checks:
  description: Every check made, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: >-
        Check name: V(source_identity), V(assume_role:via[N]) (one per O(via) hop), V(assume_role), V(caller_identity),
        V(expected_account_id), V(expected_role_name), V(s3:BUCKET), V(s3:ListBuckets), and on a denial V(read_role),
        V(trust_policy:ACTION), V(identity_policy:ACTION).
      type: str
    ok:
      description: Whether the check passed.
      type: bool
    detail:
      description: What was found.
      type: str
  sample: [{"name": "assume_role", "ok": true, "detail": "assumed arn:aws:iam::222222222222:role/Deploy as arn:aws:sts::..."}]
diagnosis:
  description: Sentences explaining a failure, the main reason first (the task's message starts with it). Empty on success.
  returned: always
  type: list
  elements: str
  sample: ["the trust policy of role Deploy requires an external id (sts:ExternalId) and none was given; set external_id"]
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._verify_access import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
