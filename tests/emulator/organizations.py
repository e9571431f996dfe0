# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS Organizations API (JSON protocol), answered from ``organization.Organization``: dispatch, who may
call what, paging, shapes and the read operations; the writes to the tree and accounts are in ``orgwrites.py``,
the policy operations in ``orgpolicyapi.py``.

moto's organizations backend starts empty and would need one CreateAccount per member, and its policy API
lacks most of AWS's errors (duplicate or missing attachments, the last SCP of a target, policy types not
enabled, malformed documents); answering from the emulator's own model is instant for 500 members and gives
AWS's exact shapes, paging and error codes.
Who may call what is AWS's rule: accounts outside the organization get AWSOrganizationsNotInUseException,
members other than the management account or a delegated administrator get AccessDeniedException
(DescribeOrganization is open to every member; the tree and account writes are for the management account
alone), and the caller's identity policies must allow ``organizations:<Action>``.
"""

from __future__ import annotations

import json
import logging
import re
import typing as t

from emulator import policy as pol
from emulator.organization import ORGANIZATION_ID, ROOT_ID, Member, Organization, OrgUnit
from emulator.orgcommon import ACCOUNT_ID_RE, OU_ID_RE, PARENT_ID_RE, ROOT_ID_RE, invalid, page, paged, required
from emulator.orgpolicies import ARN_SLUG
from emulator.orgpolicyapi import PolicyApi
from emulator.orgwrites import OrgWrites
from emulator.state import MANAGEMENT_ACCOUNT, PARTITION, Session
from emulator.wsgi import AwsError, Request, Response, json_response

if t.TYPE_CHECKING:
    from emulator.server import Emulator

LOG = logging.getLogger("emulator")

# Actions every member may call; the others need the management account or a delegated administrator, and these
# the management account itself.
OPEN_TO_MEMBERS = {"DescribeOrganization"}
MANAGEMENT_ONLY = {"CreateOrganizationalUnit", "UpdateOrganizationalUnit", "DeleteOrganizationalUnit", "MoveAccount",
                   "CloseAccount", "RemoveAccountFromOrganization"}
# The parameter naming the resource IAM authorises each action on (other actions: "*").
RESOURCE_PARAMS = {
    "DescribeAccount": "AccountId", "MoveAccount": "AccountId", "CloseAccount": "AccountId",
    "RemoveAccountFromOrganization": "AccountId",
    "DescribeOrganizationalUnit": "OrganizationalUnitId", "UpdateOrganizationalUnit": "OrganizationalUnitId",
    "DeleteOrganizationalUnit": "OrganizationalUnitId",
    "ListAccountsForParent": "ParentId", "ListChildren": "ParentId", "ListOrganizationalUnitsForParent": "ParentId",
    "CreateOrganizationalUnit": "ParentId", "ListParents": "ChildId",
    "ListTagsForResource": "ResourceId", "TagResource": "ResourceId", "UntagResource": "ResourceId",
    "DescribePolicy": "PolicyId", "UpdatePolicy": "PolicyId", "DeletePolicy": "PolicyId", "AttachPolicy": "PolicyId",
    "DetachPolicy": "PolicyId", "ListTargetsForPolicy": "PolicyId", "ListPoliciesForTarget": "TargetId",
    "EnablePolicyType": "RootId", "DisablePolicyType": "RootId",
}


def _timestamp(member: Member) -> float:
    return member.joined.timestamp()


class OrganizationsApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.writes = OrgWrites(self)
        self.policy_api = PolicyApi(self)

    @property
    def org(self) -> Organization:
        return self.emu.org

    # ------------------------------------------------------------- dispatch
    def handle(self, req: Request, account: str, caller: pol.Caller, session: Session | None) -> Response:
        handler = next((h for h in (getattr(part, "op_" + req.action, None) for part in (self, self.writes, self.policy_api))
                        if h is not None), None)
        if handler is None:
            raise AwsError(400, "UnknownOperationException", f"The emulator does not answer the Organizations action {req.action}.")
        try:
            params = json.loads(req.body or b"{}")
        except ValueError as exc:
            raise AwsError(400, "SerializationException", "Start of structure or map found where not expected.") from exc
        if not isinstance(params, dict):
            raise AwsError(400, "SerializationException", "Start of structure or map found where not expected.")
        if not self.org.is_member(account):
            raise AwsError(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
        if req.action not in OPEN_TO_MEMBERS and account != MANAGEMENT_ACCOUNT \
                and account not in self.emu.config.delegated_admins:
            LOG.info("organizations %s by %s: neither the management account nor a delegated administrator",
                     req.action, caller.arn)
            raise AwsError(400, "AccessDeniedException", "You don't have permissions to access this resource.")
        if req.action in MANAGEMENT_ONLY and account != MANAGEMENT_ACCOUNT:
            LOG.info("organizations %s by %s: only the management account may call it", req.action, caller.arn)
            raise AwsError(400, "AccessDeniedException", "You don't have permissions to access this resource.")
        resource = self.resource_arn(req.action, params)
        context = self.emu.sts.principal_context(caller, session)
        decision = pol.evaluate_identity(self.emu.sts.identity_documents(caller), f"organizations:{req.action}",
                                         resource, context)
        if decision.denied or not decision.allowed:
            LOG.info("organizations %s by %s on %s: %s", req.action, caller.arn, resource,
                     "explicit Deny in an identity policy" if decision.denied else "no identity policy allows it")
            raise AwsError(400, "AccessDeniedException", "You don't have permissions to access this resource.")
        return json_response(handler(params))

    def resource_arn(self, action: str, params: dict[str, t.Any]) -> str:
        """The resource IAM evaluates ``organizations:<action>`` on (``*`` where the action has none)."""
        target = params.get(RESOURCE_PARAMS.get(action, ""))
        if not isinstance(target, str):
            return "*"
        policy = self.org.policies.get(target) if target.startswith("p-") else None
        if policy is not None:
            return policy.arn
        if ACCOUNT_ID_RE.match(target):
            return self.org.arn("account", target)
        if OU_ID_RE.match(target):
            return self.org.arn("ou", target)
        if ROOT_ID_RE.match(target):
            return self.org.arn("root", target)
        return "*"

    # --------------------------------------------------------------- paging
    # -------------------------------------------------------------- shapes
    def account_shape(self, member: Member) -> dict[str, t.Any]:
        return {
            "Id": member.id,
            "Arn": self.org.arn("account", member.id),
            "Email": member.email,
            "Name": member.name,
            "Status": member.status,
            "State": member.state or member.status,
            "Paths": [f"{self.org.id_path(member.parent_id)}{member.id}/"],
            "JoinedMethod": member.joined_method,
            "JoinedTimestamp": _timestamp(member),
        }

    def ou_shape(self, ou: OrgUnit) -> dict[str, t.Any]:
        return {"Id": ou.id, "Arn": self.org.arn("ou", ou.id), "Name": ou.name, "Path": self.org.id_path(ou.id)}

    def root_shape(self) -> dict[str, t.Any]:
        return {"Id": ROOT_ID, "Arn": self.org.arn("root", ROOT_ID), "Name": "Root", "PolicyTypes": self.policy_types()}

    def policy_types(self) -> list[dict[str, str]]:
        return [{"Type": policy_type, "Status": "ENABLED"}
                for policy_type in ARN_SLUG if self.org.policies.enabled[policy_type]]

    # -------------------------------------------------------------- checks
    def tags_of(self, resource_id: str) -> dict[str, str]:
        """The (mutable) tags of an account, root, OU or policy; TargetNotFoundException for anything else."""
        if resource_id in self.org.accounts:
            return self.org.accounts[resource_id].tags
        if resource_id == ROOT_ID:
            return self.org.root_tags
        if resource_id in self.org.ous:
            return self.org.ous[resource_id].tags
        policy = self.org.policies.get(resource_id)
        if policy is not None:
            return policy.tags
        raise AwsError(400, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId "
                                                       "that you specified.")

    def parent(self, params: dict[str, t.Any]) -> str:
        parent_id = required(params, "ParentId", PARENT_ID_RE, "parentId")
        if not self.org.is_parent(parent_id):
            raise AwsError(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
        return parent_id

    # ---------------------------------------------------------- operations
    def op_DescribeOrganization(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        management = self.org.accounts[MANAGEMENT_ACCOUNT]
        return {"Organization": {
            "Id": ORGANIZATION_ID,
            "Arn": f"arn:{PARTITION}:organizations::{MANAGEMENT_ACCOUNT}:organization/{ORGANIZATION_ID}",
            "FeatureSet": "ALL",
            "MasterAccountArn": self.org.arn("account", MANAGEMENT_ACCOUNT),
            "MasterAccountId": MANAGEMENT_ACCOUNT,
            "MasterAccountEmail": management.email,
            "AvailablePolicyTypes": [{"Type": policy_type, "Status": "ENABLED"} for policy_type in ARN_SLUG],
        }}

    def op_ListRoots(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        return paged("Roots", page(params, "ListRoots", "", [self.root_shape()]))

    def op_ListAccounts(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        accounts = [self.account_shape(m) for m in self.org.accounts.values()]
        return paged("Accounts", page(params, "ListAccounts", "", accounts))

    def op_ListAccountsForParent(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        accounts = [self.account_shape(m) for m in self.org.child_accounts(parent_id)]
        return paged("Accounts", page(params, "ListAccountsForParent", parent_id, accounts))

    def op_ListOrganizationalUnitsForParent(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        ous = [self.ou_shape(ou) for ou in self.org.child_ous(parent_id)]
        return paged("OrganizationalUnits", page(params, "ListOrganizationalUnitsForParent", parent_id, ous))

    def op_ListChildren(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        child_type = params.get("ChildType")
        if child_type is None:
            raise invalid("1 validation error detected: Value null at 'childType' failed to satisfy constraint: "
                          "Member must not be null", "INPUT_REQUIRED")
        if child_type == "ACCOUNT":
            children = [{"Id": m.id, "Type": "ACCOUNT"} for m in self.org.child_accounts(parent_id)]
        elif child_type == "ORGANIZATIONAL_UNIT":
            children = [{"Id": ou.id, "Type": "ORGANIZATIONAL_UNIT"} for ou in self.org.child_ous(parent_id)]
        else:
            raise invalid(f"1 validation error detected: Value '{child_type}' at 'childType' failed to satisfy constraint: "
                          "Member must satisfy enum value set: [ACCOUNT, ORGANIZATIONAL_UNIT]", "INVALID_ENUM")
        return paged("Children", page(params, "ListChildren", f"{parent_id}/{child_type}", children))

    def op_ListParents(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        child_id = required(params, "ChildId", re.compile(r"^(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$"), "childId")
        parent_id = self.org.parent_of(child_id)
        if parent_id is None:
            raise AwsError(400, "ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the "
                                                          "ChildId that you specified.")
        parents = [{"Id": parent_id, "Type": "ROOT" if parent_id == ROOT_ID else "ORGANIZATIONAL_UNIT"}]
        return paged("Parents", page(params, "ListParents", child_id, parents))

    def op_DescribeAccount(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        account_id = required(params, "AccountId", ACCOUNT_ID_RE, "accountId")
        member = self.org.accounts.get(account_id)
        if member is None:
            raise AwsError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
        return {"Account": self.account_shape(member)}

    def op_DescribeOrganizationalUnit(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        ou_id = required(params, "OrganizationalUnitId", OU_ID_RE, "organizationalUnitId")
        ou = self.org.ous.get(ou_id)
        if ou is None:
            raise AwsError(400, "OrganizationalUnitNotFoundException", "We can't find an organizational unit (OU) with the "
                                                                       "OrganizationalUnitId that you specified.")
        return {"OrganizationalUnit": self.ou_shape(ou)}

    def op_ListTagsForResource(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        resource_id = required(params, "ResourceId", re.compile(
            r"^(\d{12})|(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})|(p-[0-9a-zA-Z_]{8,128})$"), "resourceId")
        tags = self.tags_of(resource_id)
        items = [{"Key": key, "Value": value} for key, value in tags.items()]
        return paged("Tags", page(params, "ListTagsForResource", resource_id, items, max_results=None))

    def op_ListDelegatedAdministrators(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        admins = []
        for account_id in self.emu.config.delegated_admins:
            member = self.org.accounts[account_id]
            shape = self.account_shape(member)
            del shape["Paths"]
            shape["DelegationEnabledDate"] = _timestamp(member) + 86400
            admins.append(shape)
        scope = str(params.get("ServicePrincipal") or "")
        return paged("DelegatedAdministrators", page(params, "ListDelegatedAdministrators", scope, admins))
