# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The sts:AssumeRole options shared by assume_role, verify_access and the assumed_credentials lookup
    # (one argument spec: _sts_request.ASSUME_ROLE_ARGSPEC). role_arn is documented by each, as its role differs.
    DOCUMENTATION = r"""
options:
  role_session_name:
    description:
      - Name of the role session, visible in the target account's CloudTrail.
      - 2 to 64 letters, digits and C(+=,.@_-).
      - Defaults to C(ansible-<local user name>-<unix time>).
    type: str
  external_id:
    description:
      - External id the role's trust policy requires (C(sts:ExternalId)).
    type: str
  duration_seconds:
    description:
      - Lifetime of the credentials, 900 to 43200 seconds, and at most the role's C(MaxSessionDuration).
      - AWS caps role chaining (the source is itself an assumed-role session) at 3600 seconds; a longer duration then fails
        before the call.
      - When unset, AWS issues one-hour credentials.
    type: int
  mfa_serial_number:
    description:
      - ARN (or hardware serial) of the source principal's MFA device, for roles that require MFA.
      - Requires O(mfa_token).
    type: str
  mfa_token:
    description:
      - Current six-digit code of the MFA device O(mfa_serial_number).
    type: str
  policy:
    description:
      - Session policy (a JSON object or JSON text, at most 2048 characters) that further limits the session's permissions.
    type: json
  policy_arns:
    description:
      - ARNs of up to 10 managed policies used as session policies.
    type: list
    elements: str
  session_tags:
    description:
      - Session tags (key to value). The trust policy must allow C(sts:TagSession).
    type: dict
  transitive_tag_keys:
    description:
      - Keys of O(session_tags) that persist through role chaining.
    type: list
    elements: str
  source_identity:
    description:
      - Source identity of the session (2 to 64 letters, digits and C(+=,.@_-)); it cannot be changed for the session's life.
        The trust policy must allow C(sts:SetSourceIdentity).
    type: str
  wait_timeout:
    description:
      - Seconds to keep retrying C(AccessDenied), with a jittered backoff from 0.5 s up to 1 s between tries, while a role or
        trust policy written moments ago propagates through IAM. V(0) fails at the first denial; at most V(3600).
    type: int
    default: 60
  via:
    description:
      - Roles assumed in order before the role to assume (role chaining), for example a hub role in a central account that
        may assume the roles of member accounts. The credentials of each hop are the source of the next.
      - Each item is a role ARN, or a dict with C(role_arn) (required), C(external_id), C(role_session_name) and
        C(duration_seconds), which mean the same as the options of the same name, for that hop.
      - Every hop after the first, and the role to assume when O(via) is not empty, is assumed with role credentials, and AWS then
        allows at most 3600 seconds, so a longer C(duration_seconds) fails before any call, naming the option (for example
        C(via[1].duration_seconds)).
    type: list
    elements: raw
  web_identity_token:
    description:
      - An OpenID Connect token (JWT) to call C(sts:AssumeRoleWithWebIdentity) with, instead of source credentials, for the
        first role of the chain (the first item of O(via), else the role to assume). Never logged or returned.
      - Mutually exclusive with O(web_identity_token_file); cannot be combined with O(mfa_serial_number).
    type: str
  web_identity_token_file:
    description:
      - Path of a regular file holding the OpenID Connect token, such as the file named by E(AWS_WEB_IDENTITY_TOKEN_FILE) in
        Kubernetes or CI. It is read before any call; a path that is not a readable regular file fails, naming this option.
      - Mutually exclusive with O(web_identity_token).
    type: path
"""
