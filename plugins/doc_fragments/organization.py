# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # organization_aws: _org_guardrails.ORGANIZATION_SPEC (one ArgumentSpec), merged into each module that reads guardrails.
    DOCUMENTATION = r"""
options:
  organization_aws:
    description:
      - Connection options of the organization's management account or of a delegated administrator for AWS Organizations
        policies, used only to read the service control policies (SCPs) and resource control policies (RCPs)
        (C(organizations:DescribeOrganization), C(ListRoots), C(ListParents), C(ListPoliciesForTarget), C(DescribePolicy)).
        Nothing is changed with them.
      - The policies are evaluated as AWS does, with the collection's policy engine; every read is made at most once per task.
        A condition on a key that the module cannot know (a source IP, a principal tag) never counts as a denial.
      - M(crossaccount.aws.verify_access) names the policy that denied a C(sts:AssumeRole) (its id and name, the root, OU or
        account it is attached to, the statement), or the level where no policy allows the action.
        M(crossaccount.aws.target_role) and M(crossaccount.aws.trust_policy) add the lint finding C(guardrail_denies) when a
        resource control policy of the role's account denies a path the trust policy opens. M(crossaccount.aws.trust_report)
        adds a C(guardrail) verdict to every statement.
    type: dict
    version_added: 0.3.0
    suboptions:
      profile:
        description:
          - Named profile of the management (or delegated administrator) account. Cannot be combined with explicit keys.
        type: str
        aliases: [aws_profile]
      access_key:
        description:
          - Access key id.
        type: str
        aliases: [aws_access_key_id, aws_access_key]
      secret_key:
        description:
          - Secret access key. Never logged or returned.
        type: str
        aliases: [aws_secret_access_key, aws_secret_key]
      session_token:
        description:
          - Session token. Never logged or returned.
        type: str
        aliases: [aws_session_token]
      region:
        description:
          - Region of the Organizations client.
        type: str
        aliases: [aws_region]
      endpoint_url:
        description:
          - Endpoint URL, for example a local emulator.
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
"""
