# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_ledger
short_description: Plan and record a rollout of cross-account access over account hosts, batch by batch (the organization_access ledger)
version_added: 0.3.0
description:
  - The bookkeeping of the role C(crossaccount.aws.organization_access), which calls it three times per batch of the play
    (C(serial)), each time with C(run_once). It makes no AWS call; the AWS work is done by the role's other tasks
    (M(crossaccount.aws.member_access) in each account). It is written for that role; its options follow the role's
    variables.
  - V(plan) (start of each batch) reads the account of every selected host from its variables (C(organization_access_account_id),
    else the hostvar C(aws_account_id) of the P(crossaccount.aws.organization_accounts#inventory) inventory; the same for
    the name, the access role ARN and C(aws_account_joined_method)) and checks them all before any AWS call, numbers the batch
    (the first of the run, or the next one of the run carried in O(carried)), chooses the form of the source policy with the
    M(crossaccount.aws.source_policy) module's own request builder (so the role refuses exactly what the module refuses),
    and lists the accounts to prune from the ledger in O(report_path).
  - V(open) (after the first batch's source-account work) turns what that work learned, or the carried state in a later
    batch, into what each account of the batch gets - its role written, verified, or neither because a guardrail blocks it
    or the source policy failed.
  - V(record) (end of each batch) makes one ledger row per account of the batch from the registered results of its tasks,
    marks the accounts of later batches C(pending), merges the rows into the ledger in O(report_path) (the rows of other
    accounts are kept), and writes C(organization_access_report.json), C(organization_access_report.md) and
    C(organization_access.retry) there.
  - "The files are written on the controller under a lock on their directory (runs at the same time on one machine merge
    their rows), each replaced atomically, C(0600) in a directory made C(0700) when missing (an existing directory keeps
    its mode). They hold no timestamps: a run that changes nothing rewrites nothing and reports no change."
  - A host of a sliced AWX or AAP job is recognised from the variables AWX passes to every job (a slice runs as a job of
    the workflow job that AWX creates from the sliced job template and names after it, so C(awx_job_launch_type) is
    C(workflow) and C(awx_workflow_job_name) equals C(awx_job_template_name); the C(tower_) names alike). There, V(plan)
    refuses the per-ARN form of the source policy and O(prune), which would each act on one slice's accounts only.
options:
  step:
    description:
      - Which step of the batch.
    type: str
    required: true
    choices: [plan, open, record]
  hosts:
    description:
      - The hosts of the run (C(ansible_play_hosts_all)), in the order the batches take them. V(plan) and V(record).
    type: list
    elements: str
    default: []
  batch_hosts:
    description:
      - The hosts of this batch (C(ansible_play_batch)). V(plan).
    type: list
    elements: str
    default: []
  selection:
    description:
      - The hosts of the selection, from the inventory pattern of the play whatever C(--limit) says. Empty means O(hosts).
        Accounts outside the run stay in the source policy and are not pruned. V(plan).
    type: list
    elements: str
    default: []
  hosts_pattern:
    description:
      - Whether O(selection) comes from an inventory pattern; without one, V(plan) refuses the per-ARN form and
        O(prune) under C(--limit). V(plan).
    type: bool
    default: false
  carried:
    description:
      - The state that V(record) returned for the previous batch (RV(state)), kept by the role on the first host of the play.
        A state of another run or play is recognised and ignored. V(plan).
    type: raw
  role_name:
    description:
      - Name of the role made in every account.
    type: str
    default: ""
  role_path:
    description:
      - Path of that role.
    type: str
    default: /
  state:
    description:
      - V(present) or V(absent), as the role's C(organization_access_state).
    type: str
    default: present
    choices: [present, absent]
  policy_name:
    description:
      - Name of the managed policy in the source account.
    type: str
    default: ""
  policy_form:
    description:
      - V(arns), V(organization), or V(auto) (the exact role ARNs while the source_policy module accepts them in one managed
        policy version, else the organization form). V(plan).
    type: str
    default: auto
    choices: [auto, arns, organization]
  organization_id:
    description:
      - The organization id for the organization form. V(plan).
    type: str
    default: ""
  users:
    description:
      - Source users given the policy (checked by the source_policy request builder). V(plan).
    type: list
    elements: str
    default: []
  groups:
    description:
      - Source groups given the policy. V(plan).
    type: list
    elements: str
    default: []
  roles:
    description:
      - Source roles given the policy. V(plan).
    type: list
    elements: str
    default: []
  source_account_id:
    description:
      - The source account id when known; empty makes V(plan) ask the role to read it. V(plan) and V(open).
    type: str
    default: ""
  prune:
    description:
      - List the accounts of the ledger that are no longer selected (and not C(removed)) for the role to take the role away
        from. Needs O(report_path). V(plan).
    type: bool
    default: false
  report_path:
    description:
      - Directory of the ledger on the controller; empty keeps the ledger in memory (the rows of this run only).
    type: str
    default: ""
  plan:
    description:
      - The registered result of V(plan). V(open) and V(record).
    type: dict
  identity:
    description:
      - The registered result of the source identity read (M(crossaccount.aws.verify_access) without a role), or a skip. V(open).
    type: raw
  guardrails:
    description:
      - The registered result of M(crossaccount.aws.guardrail_check), or a skip. V(open).
    type: raw
  policy:
    description:
      - The registered result of M(crossaccount.aws.source_policy). V(open).
    type: raw
  pruned:
    description:
      - The registered result of the prune loop. V(open).
    type: raw
  verify:
    description:
      - Whether the accounts are to be proven with an AssumeRole call. V(open).
    type: bool
    default: true
  batch:
    description:
      - The registered result of V(open). V(record).
    type: dict
  results:
    description:
      - Where each batch host registered its results, C(role) (M(crossaccount.aws.target_role)) and
        C(probe) (M(crossaccount.aws.verify_access)), each a variable name or C(VARIABLE.KEY) for a part of a registered
        result; the role registers one M(crossaccount.aws.member_access) result holding both. V(record) reads them from the
        hosts' variables, each variable once per host.
    type: dict
    default: {}
  batch_spec:
    description:
      - The play's C(serial) (C(organization_access_batch)), to number the batches of the C(pending) accounts. V(record).
    type: raw
  fail_on_error:
    description:
      - Return the accounts of the batch that failed or are blocked in RV(fail). V(record).
    type: bool
    default: true
  access_role_template:
    description:
      - The path of the CloudFormation template that creates the access role, named in the error of an invited account whose
        access role cannot be assumed. V(record).
    type: str
    default: organization-account-access-role.yml
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - Always runs on the controller, whatever the task's connection, C(become) or C(delegate_to) say; nothing is sent to a host.
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode V(record) writes nothing and says which files would change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
author:
  - crossaccount.aws contributors (@crossaccount)
notes:
  - Account names, errors and other text read from AWS are data in the ledger; in the Markdown table every cell is one line
    with the characters Markdown or HTML read as syntax escaped. The retry file lists only host names of ASCII letters,
    digits, C(.), C(_) and C(-) (the names the inventory plugin makes), since C(--limit) would read others as patterns.
seealso:
  - module: crossaccount.aws.source_policy
  - module: crossaccount.aws.target_role
"""

EXAMPLES = r"""
# From roles/organization_access/tasks/main.yml, the end of a batch:
- name: Record this batch in the ledger
  run_once: true
  crossaccount.aws.access_ledger:
    step: record
    plan: "{{ organization_access__plan }}"
    batch: "{{ organization_access__batch }}"
    results:
      role: organization_access__member_result.role
      probe: organization_access__member_result.probe
    hosts: "{{ ansible_play_hosts_all }}"
    role_name: audit-from-tools
    policy_name: assume-audit-from-tools
    report_path: reports/
  register: organization_access__ledger
"""

RETURN = r"""
first:
  description: V(plan) - whether this batch is the first of the run (the source-account work happens in it).
  returned: step=plan
  type: bool
batch:
  description: V(plan) - the number of this batch in the run, from 1.
  returned: step=plan
  type: int
accounts:
  description:
    - V(plan) - the account of each host of the batch (C(account_id), C(account_name), C(host), C(access_role_arn), C(role_arn),
      C(joined_method)).
    - V(open) - what each host of the batch gets (C(write), C(verify), C(why) - C(blocked) or C(policy) when nothing is written) and
      its account (C(account_id), C(access_role_arn), C(role_arn)), for the M(crossaccount.aws.member_access) task of the host.
  returned: step=plan or step=open
  type: dict
policy:
  description:
    - V(plan) - the chosen form of the source policy (C(form)) and the source_policy options that make it (C(options)).
    - V(open) - the outcome of the source policy (C(form), C(error), C(changed), C(arn)).
  returned: step=plan or step=open
  type: dict
prune:
  description: V(plan) - the ledger rows to take the role away from (C(account_id), C(access_role_arn), C(role_name), C(role_path)).
  returned: step=plan
  type: list
  elements: dict
report:
  description:
    - V(record) - the ledger's rows, sorted by account id, each with C(account_id), C(account_name), C(host), C(role_arn),
      C(access_role_arn), C(status) (C(ok), C(failed), C(pending), C(blocked), C(removed)), C(changed), C(verified),
      C(error), C(batch) and C(joined_method). With O(report_path), every row of the ledger, else the rows of this run.
  returned: step=record
  type: list
  elements: dict
summary:
  description: V(record) - the number of rows in all and per status.
  returned: step=record
  type: dict
retained:
  description: V(record) - the accounts that are C(ok) in the ledger but were not selected in this run (and not pruned).
  returned: step=record
  type: list
  elements: str
retry:
  description: V(record) - the host names in C(organization_access.retry) (rows C(failed) or C(pending)).
  returned: step=record
  type: list
  elements: str
files:
  description:
    - V(record) - the files that were (in check mode, would be) rewritten.
    - The step reports C(changed) when an account's row or the ledger's settings changed. The files can be rewritten
      without it, because their summary (the accounts retained) follows the last run's selection, which differs
      between the slices of one rollout.
  returned: step=record
  type: list
  elements: str
role_arns:
  description: V(record) - host name to the ARN of the role in its account (empty when it was not made or was taken away).
  returned: step=record
  type: dict
fail:
  description: V(record) - host name to the failure message, for the accounts of the batch that failed or are blocked.
  returned: step=record
  type: dict
state:
  description: V(record) - the state of the run to carry to the next batch (give it to V(plan) as O(carried)).
  returned: step=record
  type: dict
"""
