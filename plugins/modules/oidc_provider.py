#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: oidc_provider
short_description: Manage an IAM OpenID Connect provider, so CI systems can assume roles without keys
version_added: 0.2.0
description:
  - Creates, updates or deletes the IAM OpenID Connect (OIDC) identity provider of an issuer such as GitHub Actions
    (C(https://token.actions.githubusercontent.com)), GitLab or Ansible Automation Platform in the account of the connection.
  - Roles then trust the provider with the C(trusted_oidc) option of
    M(crossaccount.aws.target_role) or M(crossaccount.aws.trust_policy), and a job exchanges its OIDC token for role
    credentials with C(sts:AssumeRoleWithWebIdentity) (option C(web_identity_token_file)
    of M(crossaccount.aws.assume_role) and of the C(crossaccount.aws.assumed_credentials) lookup).
  - The provider is found by its URL (IAM names it C(arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH])). Client ids and
    thumbprints are compared as sets and tags as a dict, so a rerun with the same options makes no write call.
  - All options are validated before the first AWS call.
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  url:
    description:
      - The issuer URL, equal to the C(iss) claim of the provider's tokens, for example
        V(https://token.actions.githubusercontent.com).
      - Only C(https) URLs are accepted, without port, query string or fragment. The host is compared case-insensitively
        and a trailing C(/) is dropped (IAM names the provider without it).
      - The URL of an existing provider cannot change; a different URL is a different provider.
    type: str
    required: true
  client_ids:
    description:
      - The audiences (C(aud) claim) the provider's tokens may carry, for example V(sts.amazonaws.com) for GitHub Actions.
      - Compared as a set; the provider ends up with exactly these. When unset, the client ids of an existing provider are
        left alone and a new provider gets none.
    type: list
    elements: str
  thumbprints:
    description:
      - SHA-1 thumbprints (40 hex characters, case does not matter) of the certificates of the issuer's key endpoint, at most 5.
      - Compared as a set. When unset, the thumbprints of an existing provider are left alone and a new provider gets none;
        IAM then verifies well-known issuers with its own library of trusted certificate authorities.
    type: list
    elements: str
  tags:
    description:
      - Tags of the provider, a dict. When unset, tags are left alone.
    type: dict
  purge_tags:
    description:
      - With O(tags) given, remove tags whose keys are not in O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the provider, V(absent) deletes it.
      - Deleting a provider breaks every role trust that names it; roles themselves are not touched.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.action_group
  - crossaccount.aws.attributes.managed
notes:
  - Needs C(iam:ListOpenIDConnectProviders) and C(iam:GetOpenIDConnectProvider), plus for changes
    C(iam:CreateOpenIDConnectProvider), C(iam:DeleteOpenIDConnectProvider), C(iam:UpdateOpenIDConnectProviderThumbprint),
    C(iam:AddClientIDToOpenIDConnectProvider), C(iam:RemoveClientIDFromOpenIDConnectProvider),
    C(iam:TagOpenIDConnectProvider) and C(iam:UntagOpenIDConnectProvider).
  - In check mode the ARN of a provider that would be created is predicted; it may read the caller identity for that.
seealso:
  - module: crossaccount.aws.target_role
  - module: crossaccount.aws.trust_report
  - name: IAM OIDC identity providers
    description: Creating OpenID Connect identity providers in IAM.
    link: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
"""

EXAMPLES = r"""
# Note: these examples use a named profile; any connection option works.
- name: Let GitHub Actions jobs come in with their OIDC token
  crossaccount.aws.oidc_provider:
    profile: target-admin
    url: https://token.actions.githubusercontent.com
    client_ids:
      - sts.amazonaws.com
    tags:
      owner: platform
  register: github

- name: Show the provider ARN (also predicted in check mode)
  ansible.builtin.debug:
    msg: "{{ github.arn }}"

- name: Pin the certificate of a self-hosted issuer
  crossaccount.aws.oidc_provider:
    profile: target-admin
    url: https://gitlab.example.com
    client_ids:
      - https://gitlab.example.com
    thumbprints:
      - 9e99a48a9960b14926bb7f3b02e22da2b0ab7280

- name: Remove a provider nobody uses any more
  crossaccount.aws.oidc_provider:
    profile: target-admin
    url: https://gitlab.example.com
    state: absent
"""

RETURN = r"""
arn:
  description:
    - ARN of the provider (predicted in check mode when it would be created).
    - With O(state=absent), the ARN of the provider that was deleted, or null when there was none.
  returned: always
  type: str
  sample: arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com
url:
  description: The issuer URL of the provider.
  returned: when O(state=present)
  type: str
  sample: https://token.actions.githubusercontent.com
client_ids:
  description: The client ids (audiences) of the provider, sorted.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [sts.amazonaws.com]
thumbprints:
  description: The certificate thumbprints of the provider, sorted.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]
tags:
  description: The tags of the provider.
  returned: when O(state=present)
  type: dict
  sample:
    owner: platform
diff:
  description: The provider before and after the change, in diff mode (an empty dict stands for no provider).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The provider before the change (arn, url, client_ids, thumbprints, tags).
      type: dict
      returned: in diff mode
    after:
      description: The provider after the change.
      type: dict
      returned: in diff mode
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module
from ansible_collections.crossaccount.aws.plugins.module_utils._oidc_provider import ARGSPEC, handle


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
