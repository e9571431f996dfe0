# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The trust options of target_role and trust_policy, and their lint: _trust.trust_spec() (one ArgumentSpec).
    DOCUMENTATION = r"""
options:
  trusted_account_ids:
    description:
      - 12-digit ids of accounts whose principals may assume the role (trusted as C(arn:<partition>:iam::ID:root)) or,
        with O(state=absent) (M(crossaccount.aws.trust_policy)), that are no longer trusted.
      - M(crossaccount.aws.target_role) leaves the trust policy of an existing role as it is when none of the trust options
        (O(trusted_account_ids), O(trusted_principal_arns), O(trusted_org_id), O(trusted_org_paths),
        O(trusted_principal_patterns), O(trusted_services), O(trusted_oidc)) nor a whole document is given; creating a role
        needs one of them.
      - A whole trust document (C(trust_policy) of M(crossaccount.aws.target_role), C(policy) of
        M(crossaccount.aws.trust_policy)) is mutually exclusive with every trust option.
    type: list
    elements: str
  trusted_principal_arns:
    description:
      - IAM ARNs (root, user, role, or assumed-role session) that may assume the role or, with O(state=absent)
        (M(crossaccount.aws.trust_policy)), that are no longer trusted.
      - A user or role that was created a moment ago may not be known to IAM yet; the module retries
        C(MalformedPolicyDocument) "Invalid principal" answers for up to 30 seconds, then fails naming the principal.
    type: list
    elements: str
  external_id:
    description:
      - Require this C(sts:ExternalId) in the AssumeRole call of the trusted AWS principals (2 to 1224 characters of
        C([\w+=,.@:/-])). With M(crossaccount.aws.trust_policy), only with O(state=present).
    type: str
  require_mfa:
    description:
      - Require C(aws:MultiFactorAuthPresent) in the AssumeRole call of the trusted AWS principals. With
        M(crossaccount.aws.trust_policy), only with O(state=present).
    type: bool
    default: false
  allow_session_tags:
    description:
      - Also allow C(sts:TagSession) to the trusted principals, so they can pass session tags. With
        M(crossaccount.aws.trust_policy), only with O(state=present).
    type: bool
    default: false
  allow_source_identity:
    description:
      - Also allow C(sts:SetSourceIdentity) to the trusted principals. With M(crossaccount.aws.trust_policy), only with
        O(state=present).
    type: bool
    default: false
  trusted_org_id:
    description:
      - Trust every principal of this AWS Organization (C(o-...)), with a statement whose principal C(*) is limited by
        C(StringEquals aws:PrincipalOrgID). Sandbox accounts are members too; narrow it with O(trusted_org_paths).
      - With O(state=absent) (M(crossaccount.aws.trust_policy)), the organization's statement is removed.
    type: str
    version_added: 0.2.0
  trusted_org_paths:
    description:
      - Trust the principals of these organizational units only, written C(o-.../r-.../ou-.../) (C(ForAnyValue:StringLike
        aws:PrincipalOrgPaths)). A path ending in C(/*) includes the sub-OUs. All paths belong to one organization, the
        one of O(trusted_org_id) when it is given.
      - They replace the paths of the organization's statement. With O(state=absent) only these paths are removed; a
        statement left without paths is removed rather than widened to the whole organization.
    type: list
    elements: str
    version_added: 0.2.0
  trusted_principal_patterns:
    description:
      - IAM role or user ARN patterns such as C(arn:aws:iam::111111111111:role/ci-*). The statement trusts the root of
        each pattern's account and adds C(ArnLike aws:PrincipalArn), so access survives the principal being deleted and
        created again (a named ARN turns into a dangling unique id). Each pattern names one concrete 12-digit account.
    type: list
    elements: str
    version_added: 0.2.0
  trusted_services:
    description:
      - AWS service principals such as C(ec2.amazonaws.com) that may assume the role.
    type: list
    elements: str
    version_added: 0.2.0
  source_account:
    description:
      - With O(trusted_services), the account on whose behalf the service must act (C(aws:SourceAccount)), against the
        confused-deputy problem.
    type: str
    version_added: 0.2.0
  source_arn:
    description:
      - With O(trusted_services), the resource on whose behalf the service must act (C(ArnLike aws:SourceArn),
        wildcards allowed).
    type: str
    version_added: 0.2.0
  trusted_oidc:
    description:
      - Trust tokens of an OpenID Connect provider (GitHub Actions, GitLab, ...) for C(sts:AssumeRoleWithWebIdentity),
        with a statement naming the C(Federated) provider, C(StringEquals HOST:aud) and C(StringLike HOST:sub).
      - Subjects are merged like principals; with O(state=absent) the given subjects (or, without subjects, every
        statement of the provider) are removed.
      - The provider must exist in the role's account (M(crossaccount.aws.oidc_provider)).
    type: dict
    version_added: 0.2.0
    suboptions:
      provider:
        description: The issuer URL (C(https://token.actions.githubusercontent.com)) or the provider's ARN in the role's account.
        type: str
        required: true
      audience:
        description: The audience (client id) the tokens must carry, such as C(sts.amazonaws.com); one or a list. Required with O(state=present).
        type: raw
      subjects:
        description:
          - Subject patterns (C(*) and C(?) wildcards), such as C(repo:ORG/REPO:ref:refs/heads/main). Required with O(state=present).
          - A subject must name who may assume the role. Refused before any call, since identities of every account on
            the provider (every repository on GitHub) could then assume it - a subject of nothing but wildcards and
            separators (C(*), C(*:*)); a wildcard in the first field, before the first C(:) (C(*:ref:refs/heads/main));
            for C(repo:) (GitHub) and C(project_path:) (GitLab) subjects, a wildcard or nothing before the first C(/)
            (C(repo:*), C(repo:*:*), C(repo:my-org*/app)). C(repo:my-org/*) names its owner and is accepted.
        type: list
        elements: str
  lint:
    description:
      - Check the trust policy the role will have before any write, as IAM Access Analyzer would. Findings are returned
        in RV(findings).
      - V(warn) turns every finding into a warning; V(error) fails the task before any write when a finding has severity
        C(error) (C(wildcard_principal), C(external_id_missing), C(oidc_audience_missing), C(oidc_subject_broad), C(size_quota),
        C(mixed_partition), C(guardrail_denies)); V(off) skips the check (quote it in YAML, where a bare off is a boolean).
      - The trust-policy size quota is read with C(iam:GetAccountSummary) only when a write is due.
      - With O(organization_aws), the resource control policies of the role's account are evaluated against every kind of
        caller each statement trusts; C(guardrail_denies) names the policy that certainly denies one of them (for example
        an RCP requiring C(aws:PrincipalOrgID) against a O(trusted_oidc) or O(trusted_services) statement, whose callers
        never carry that key, or against an account outside the organization).
    type: str
    choices: [warn, error, "off"]
    default: warn
    version_added: 0.2.0
  known_account_ids:
    description:
      - Accounts you own or know (for example the source account). Trusting them without C(sts:ExternalId) is not a
        finding.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
"""
