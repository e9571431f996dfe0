# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service and resource control policies enforced as AWS does (orgs_manage_policies_*_evaluation):

- a request by a principal of a member account (not the management account, not a service-linked role) must be
  allowed by the SCPs at every level from the root through each OU down to the account itself: each level
  needs an Allow from a policy attached *at that level*; an explicit Deny at any level wins;
- ``sts:AssumeRole*`` (and ``sts:TagSession`` / ``sts:SetSourceIdentity``) on a role of a member account is
  checked against the RCPs of that account's path by the same rule, whoever calls (IAM principals, web
  identities, AWS services); resources of the management account and service-linked roles are exempt.

Conditions are evaluated by ``policy.py``, the engine of trust and identity policies, with the same request
context. The levels of each account are cached until the organization changes (``Organization.generation``):
with only the full-access policies attached a check is one dictionary lookup.
"""

from __future__ import annotations

import json
import logging
import typing as t
from dataclasses import dataclass

from emulator import policy as pol
from emulator.orgpolicies import DENIAL_NAME, RCP, SCP, OrgPolicy
from emulator.state import MANAGEMENT_ACCOUNT, PARTITION, Session
from emulator.wsgi import AwsError, Request

if t.TYPE_CHECKING:
    from emulator.server import Emulator

LOG = logging.getLogger("emulator")
SERVICE_LINKED_PATH = ":role/aws-service-role/"
# Calls IAM authorises without any policy (SCPs included): GetCallerIdentity needs no permission.
UNGUARDED = {("sts", "GetCallerIdentity")}
# How the emulator names S3 calls (wsgi.s3_action) -> the IAM action that authorises them, where they differ.
S3_ACTIONS = {"ListBuckets": "ListAllMyBuckets", "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket",
              "HeadBucket": "ListBucket", "HeadObject": "GetObject", "DeleteObjects": "DeleteObject"}
# IAM parameters that name the resource of a call, and the ARN kind they make.
IAM_RESOURCES = (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"), ("InstanceProfileName", "instance-profile"))

Levels = list[tuple[str, list[OrgPolicy]]]


@dataclass(frozen=True)
class Denial:
    """Why an organization policy refused a request: the denying policy and statement, or the level with no Allow."""

    policy_type: str
    explicit: bool
    target_id: str
    policy: OrgPolicy | None = None
    statement: str | None = None

    def reason(self, action: str, with_arn: bool) -> str:
        if self.explicit:
            arn = f": {self.policy.arn}" if with_arn and self.policy is not None else ""
            return f"with an explicit deny in a {DENIAL_NAME[self.policy_type]}{arn}"
        return f"because no {DENIAL_NAME[self.policy_type]} allows the {action} action"

    def log_entry(self) -> dict[str, t.Any]:
        """What the call log records (policy and place only: never a document or a credential)."""
        return {"denied_by": self.policy_type,
                "guardrail": {"explicit": self.explicit, "target_id": self.target_id,
                              "policy_id": self.policy.id if self.policy else None, "statement": self.statement}}


def not_authorized(caller_arn: str, action: str, resource: str, denial: Denial, with_arn: bool) -> str:
    """AWS's wording: ``User: ARN is not authorized to perform: ACTION [on resource: ARN] <reason>``."""
    target = f" on resource: {resource}" if resource != "*" else ""
    return f"User: {caller_arn} is not authorized to perform: {action}{target} {denial.reason(action, with_arn)}"


class Guardrails:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.generation = -1
        # (policy type, account) -> (levels root..account, True when every level holds only full-access policies)
        self.cache: dict[tuple[str, str], tuple[Levels, bool] | None] = {}

    # ------------------------------------------------------------ evaluation
    def levels(self, policy_type: str, account: str) -> tuple[Levels, bool] | None:
        """The policies of each level on the account's path, or None when nothing of this type applies to it."""
        org = self.emu.org
        if org.generation != self.generation:
            self.cache.clear()
            self.generation = org.generation
        key = (policy_type, account)
        if key not in self.cache:
            member = org.accounts.get(account)
            if member is None or not org.policies.enabled[policy_type]:
                self.cache[key] = None
            else:
                path = [*org.ancestors(member.parent_id), account]
                levels = [(target, org.policies.for_target(target, policy_type)) for target in path]
                trivial = all(policies and all(p.full_access for p in policies) for _target, policies in levels)
                self.cache[key] = (levels, trivial)
        return self.cache[key]

    def evaluate(self, policy_type: str, account: str, action: str, resource: str,
                 context: t.Mapping[str, list[str]]) -> Denial | None:
        entry = self.levels(policy_type, account)
        if entry is None or entry[1]:
            return None
        levels = entry[0]
        for target, policies in levels:
            for policy in policies:
                for index, stmt in enumerate(policy.statements):
                    if stmt.get("Effect") == "Deny" and pol.statement_applies(stmt, action, resource, context):
                        return Denial(policy_type, True, target, policy, str(stmt.get("Sid") or index))
        for target, policies in levels:
            if not any(stmt.get("Effect") == "Allow" and pol.statement_applies(stmt, action, resource, context)
                       for policy in policies for stmt in policy.statements):
                return Denial(policy_type, False, target)
        return None

    # ----------------------------------------------------------------- scope
    def scp_applies(self, caller: pol.Caller) -> bool:
        """SCPs limit the users and role sessions of member accounts, except service-linked roles."""
        return (caller.kind in ("user", "session") and caller.account != MANAGEMENT_ACCOUNT
                and self.emu.org.is_member(caller.account) and SERVICE_LINKED_PATH not in caller.principal_arn)

    def check_scp(self, caller: pol.Caller, action: str, resource: str, context: t.Mapping[str, list[str]]) -> Denial | None:
        if not self.scp_applies(caller):
            return None
        return self.evaluate(SCP, caller.account, action, resource, context)

    def check_rcp(self, role_account: str, role_arn: str, action: str, context: t.Mapping[str, list[str]]) -> Denial | None:
        """The RCPs of the role's account: resources of the management account and service-linked roles are exempt."""
        if role_account == MANAGEMENT_ACCOUNT or SERVICE_LINKED_PATH in role_arn:
            return None
        return self.evaluate(RCP, role_account, action, role_arn, context)

    # ---------------------------------------------------------- generic gate
    def enforce(self, req: Request, caller: pol.Caller, session: Session | None) -> None:
        """The SCPs of the caller for any AWS call other than AssumeRole (``sts.py`` checks that one itself)."""
        if (req.service, req.action) in UNGUARDED or not self.scp_applies(caller):
            return
        entry = self.levels(SCP, caller.account)
        if entry is None or entry[1]:
            return
        service = req.service or "unknown"
        action = f"{service}:{S3_ACTIONS.get(req.action, req.action) if service == 's3' else req.action}"
        resource = self.resource(req, caller.account)
        context = self.emu.sts.principal_context(caller, session)
        if service == "iam":
            context.update(self.emu.sts.resource_context(caller.account))
        denial = self.evaluate(SCP, caller.account, action, resource, context)
        if denial is None:
            return
        LOG.info("%s by %s on %s: %s (%s at %s)", action, caller.arn, resource, denial.reason(action, True),
                 denial.statement or "no Allow", denial.target_id)
        message = not_authorized(caller.arn, action, resource, denial, self.emu.config.policy_arn_in_denials)
        if service == "organizations":
            raise AwsError(400, "AccessDeniedException", message, denial=denial.log_entry())
        raise AwsError(403, "AccessDenied", message, denial=denial.log_entry())

    def resource(self, req: Request, account: str) -> str:
        """The ARN IAM authorises a call on, where the emulator can tell it (``*`` otherwise)."""
        p = req.params
        if req.service == "iam":
            if p.get("PolicyArn") or p.get("OpenIDConnectProviderArn"):
                return p.get("PolicyArn") or p["OpenIDConnectProviderArn"]
            if req.action == "CreatePolicy" and p.get("PolicyName"):
                return f"arn:{PARTITION}:iam::{account}:policy{p.get('Path', '/')}{p['PolicyName']}"
            if req.action == "CreateOpenIDConnectProvider" and "://" in p.get("Url", ""):
                return f"arn:{PARTITION}:iam::{account}:oidc-provider/{p['Url'].split('://', 1)[1].rstrip('/')}"
            for param, kind in IAM_RESOURCES:
                if p.get(param):
                    return f"arn:{PARTITION}:iam::{account}:{kind}{p.get('Path', '/')}{p[param]}"
            return "*"
        if req.service == "s3":
            parts = [part for part in req.path.split("/", 2)[1:] if part]
            return f"arn:{PARTITION}:s3:::{'/'.join(parts)}" if parts else "*"
        if req.service == "organizations":
            try:
                params = json.loads(req.body or b"{}")
            except ValueError:
                return "*"
            return self.emu.organizations.resource_arn(req.action, params) if isinstance(params, dict) else "*"
        return "*"
