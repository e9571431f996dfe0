# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: member_access
short_description: Make a role in one member account through its access role, then prove the access (the organization_access step per account)
version_added: 0.3.0
description:
  - The per-account step of the role C(crossaccount.aws.organization_access), one task per account host. It assumes the
    account's access role once with the P(crossaccount.aws.assumed_credentials#lookup) lookup (its cache included), runs
    M(crossaccount.aws.target_role) with those credentials, then, when C(verify) in O(account) says so and the role step
    succeeded, M(crossaccount.aws.verify_access) as the source principals would call it.
  - Each of the two runs through its own action plugin, with its own argument spec, validation, check mode, diff and
    C(no_log) masking, in the controller's process or as a module process as C(crossaccount_aws_execution) and the task's
    connection decide. One task instead of two halves the controller's work per account in a rollout over many accounts.
  - A failure of either step fails the task; the role registers the result with C(ignore_errors) and its ledger step
    (M(crossaccount.aws.access_ledger)) reads RV(role) and RV(probe).
  - Written for that role; its options follow the role's variables. The connections come from O(access_aws) and
    O(probe_aws) only - C(module_defaults) of the C(crossaccount.aws.aws) group do not reach the two steps.
options:
  account:
    description:
      - The account, as the V(open) step of M(crossaccount.aws.access_ledger) returns it for the host.
      - C(access_role_arn) (the role assumed to work in the account), C(account_id) (the account the probe must land in),
        C(role_arn) (the role to probe when the role step returns none, as in check mode), C(verify) (whether to probe).
    type: dict
    required: true
  access_aws:
    description:
      - Options of the P(crossaccount.aws.assumed_credentials#lookup) lookup that assumes C(access_role_arn) of O(account)
        (the role's C(organization_access_management_aws)); its connection options and its C(cache_dir).
    type: dict
    default: {}
  role:
    description:
      - Options of M(crossaccount.aws.target_role) other than the connection. An option that is null or an empty string is
        not given.
    type: dict
    required: true
  probe:
    description:
      - Options of M(crossaccount.aws.verify_access) other than the connection, C(role_arn), C(expected_account_id) and
        C(target_aws), which this step sets. An option that is null or an empty string is not given.
    type: dict
    default: {}
  probe_aws:
    description:
      - The connection options of the probe (the role's C(organization_access_verify_aws)).
    type: dict
    default: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode a role that would change is not probed (it does not exist in that form yet).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff of M(crossaccount.aws.target_role).
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
author:
  - crossaccount.aws contributors (@crossaccount)
notes:
  - The credentials of the access role reach M(crossaccount.aws.target_role) and the C(target_aws) option of
    M(crossaccount.aws.verify_access) as their C(no_log) options; they are masked in both results.
seealso:
  - module: crossaccount.aws.access_ledger
  - module: crossaccount.aws.target_role
  - module: crossaccount.aws.verify_access
"""

EXAMPLES = r"""
# From roles/organization_access/tasks/main.yml, once per account host:
- name: Make the role in each account through its access role, and prove the access with a real AssumeRole call
  when: organization_access__batch.accounts[inventory_hostname].write
  crossaccount.aws.member_access:
    account: "{{ organization_access__batch.accounts[inventory_hostname] }}"
    access_aws:
      profile: management-admin
    role:
      name: audit-from-tools
      trusted_account_ids: ["111111111111"]
      external_id: audit-7d1c
      managed_policies: [ReadOnlyAccess]
    probe:
      external_id: audit-7d1c
      expected_role_name: audit-from-tools
    probe_aws:
      profile: tools-auditor
  register: organization_access__member_result
  ignore_errors: true
"""

RETURN = r"""
role:
  description: The result of M(crossaccount.aws.target_role) (see its return values), or a failure whose C(msg) says why the
    access role could not be assumed.
  returned: always
  type: dict
probe:
  description: The result of M(crossaccount.aws.verify_access) (see its return values), or C(skipped) when no probe ran.
  returned: always
  type: dict
msg:
  description: The failed steps, each prefixed C(role:) or C(verify:).
  returned: failure
  type: str
"""
