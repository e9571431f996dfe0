# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS Organizations read API (JSON protocol), answered from ``organization.Organization``.

moto's organizations backend starts empty and would need one CreateAccount per member; answering from
the fixed model is instant for 500 members and gives AWS's exact shapes, paging and error codes.
Who may call what is AWS's rule: accounts outside the organization get AWSOrganizationsNotInUseException,
members other than the management account or a delegated administrator get AccessDeniedException
(DescribeOrganization is open to every member), and the caller's identity policies must allow
``organizations:<Action>``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import typing as t

from emulator import policy as pol
from emulator.organization import ORGANIZATION_ID, ROOT_ID, Member, Organization, OrgUnit
from emulator.state import MANAGEMENT_ACCOUNT, PARTITION, Session
from emulator.wsgi import AwsError, Request, Response, json_response

if t.TYPE_CHECKING:
    from emulator.server import Emulator

LOG = logging.getLogger("emulator")

MAX_RESULTS = 20
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
PARENT_ID_RE = re.compile(r"^(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
# Actions every member may call; the others need the management account or a delegated administrator.
OPEN_TO_MEMBERS = {"DescribeOrganization"}
TOKEN_PREFIX = "AAEAAUemu"


def _invalid(message: str, reason: str) -> AwsError:
    return AwsError(400, "InvalidInputException", message, extra={"Reason": reason})


def _timestamp(member: Member) -> float:
    return member.joined.timestamp()


class OrganizationsApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    @property
    def org(self) -> Organization:
        return self.emu.org

    # ------------------------------------------------------------- dispatch
    def handle(self, req: Request, account: str, caller: pol.Caller, session: Session | None) -> Response:
        handler = getattr(self, "op_" + req.action, None)
        if handler is None:
            raise AwsError(400, "UnknownOperationException",
                           f"The emulator answers only the Organizations read API, not {req.action}.")
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
        target = {
            "DescribeAccount": params.get("AccountId"),
            "DescribeOrganizationalUnit": params.get("OrganizationalUnitId"),
            "ListAccountsForParent": params.get("ParentId"),
            "ListChildren": params.get("ParentId"),
            "ListOrganizationalUnitsForParent": params.get("ParentId"),
            "ListParents": params.get("ChildId"),
            "ListTagsForResource": params.get("ResourceId"),
        }.get(action)
        if not isinstance(target, str):
            return "*"
        if ACCOUNT_ID_RE.match(target):
            return self.org.arn("account", target)
        if OU_ID_RE.match(target):
            return self.org.arn("ou", target)
        if ROOT_ID_RE.match(target):
            return self.org.arn("root", target)
        return "*"

    # --------------------------------------------------------------- paging
    @staticmethod
    def page(params: dict[str, t.Any], action: str, scope: str, items: list[t.Any],
             max_results: int | None = MAX_RESULTS) -> tuple[list[t.Any], str | None]:
        """One page of ``items`` and the NextToken of the next one (None on the last page).

        A token is bound to the operation and its scope (e.g. the parent id), like AWS's opaque tokens.
        """
        size = MAX_RESULTS
        if max_results is not None and params.get("MaxResults") is not None:
            size = params["MaxResults"]
            if not isinstance(size, int) or isinstance(size, bool):
                raise AwsError(400, "SerializationException", "NUMBER_VALUE cannot be converted to Integer")
            if size < 1:
                raise _invalid(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
                               "Member must have value greater than or equal to 1", "MIN_VALUE_EXCEEDED")
            if size > max_results:
                raise _invalid(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
                               f"Member must have value less than or equal to {max_results}", "MAX_VALUE_EXCEEDED")
        offset = 0
        token = params.get("NextToken")
        if token is not None:
            try:
                if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
                    raise ValueError(token)
                raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX):].encode() + b"==")
                decoded = json.loads(raw)
                if decoded["a"] != action or decoded["s"] != scope:
                    raise ValueError(token)
                offset = int(decoded["o"])
            except (ValueError, KeyError, TypeError) as exc:
                raise _invalid("The specified NextToken is not valid.", "INVALID_NEXT_TOKEN") from exc
        chunk = items[offset:offset + size]
        next_offset = offset + size
        if next_offset >= len(items):
            return chunk, None
        raw = json.dumps({"a": action, "s": scope, "o": next_offset}, separators=(",", ":")).encode()
        return chunk, TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def paged(key: str, page: tuple[list[t.Any], str | None]) -> dict[str, t.Any]:
        items, token = page
        out: dict[str, t.Any] = {key: items}
        if token is not None:
            out["NextToken"] = token
        return out

    # -------------------------------------------------------------- shapes
    def account_shape(self, member: Member) -> dict[str, t.Any]:
        return {
            "Id": member.id,
            "Arn": self.org.arn("account", member.id),
            "Email": member.email,
            "Name": member.name,
            "Status": member.status,
            "State": member.status,
            "Paths": [f"{self.org.id_path(member.parent_id)}{member.id}/"],
            "JoinedMethod": member.joined_method,
            "JoinedTimestamp": _timestamp(member),
        }

    def ou_shape(self, ou: OrgUnit) -> dict[str, t.Any]:
        return {"Id": ou.id, "Arn": self.org.arn("ou", ou.id), "Name": ou.name, "Path": self.org.id_path(ou.id)}

    def root_shape(self) -> dict[str, t.Any]:
        return {"Id": ROOT_ID, "Arn": self.org.arn("root", ROOT_ID), "Name": "Root", "PolicyTypes": []}

    # -------------------------------------------------------------- checks
    @staticmethod
    def required(params: dict[str, t.Any], name: str, pattern: re.Pattern[str], field: str) -> str:
        value = params.get(name)
        if value is None:
            raise _invalid(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
                           "Member must not be null", "INPUT_REQUIRED")
        if not isinstance(value, str) or not pattern.match(value):
            raise _invalid(f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                           f"Member must satisfy regular expression pattern: {pattern.pattern}", "INVALID_PATTERN")
        return value

    def parent(self, params: dict[str, t.Any]) -> str:
        parent_id = self.required(params, "ParentId", PARENT_ID_RE, "parentId")
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
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        }}

    def op_ListRoots(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        return self.paged("Roots", self.page(params, "ListRoots", "", [self.root_shape()]))

    def op_ListAccounts(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        accounts = [self.account_shape(m) for m in self.org.accounts.values()]
        return self.paged("Accounts", self.page(params, "ListAccounts", "", accounts))

    def op_ListAccountsForParent(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        accounts = [self.account_shape(m) for m in self.org.child_accounts(parent_id)]
        return self.paged("Accounts", self.page(params, "ListAccountsForParent", parent_id, accounts))

    def op_ListOrganizationalUnitsForParent(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        ous = [self.ou_shape(ou) for ou in self.org.child_ous(parent_id)]
        return self.paged("OrganizationalUnits", self.page(params, "ListOrganizationalUnitsForParent", parent_id, ous))

    def op_ListChildren(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.parent(params)
        child_type = params.get("ChildType")
        if child_type is None:
            raise _invalid("1 validation error detected: Value null at 'childType' failed to satisfy constraint: "
                           "Member must not be null", "INPUT_REQUIRED")
        if child_type == "ACCOUNT":
            children = [{"Id": m.id, "Type": "ACCOUNT"} for m in self.org.child_accounts(parent_id)]
        elif child_type == "ORGANIZATIONAL_UNIT":
            children = [{"Id": ou.id, "Type": "ORGANIZATIONAL_UNIT"} for ou in self.org.child_ous(parent_id)]
        else:
            raise _invalid(f"1 validation error detected: Value '{child_type}' at 'childType' failed to satisfy constraint: "
                           "Member must satisfy enum value set: [ACCOUNT, ORGANIZATIONAL_UNIT]", "INVALID_ENUM")
        return self.paged("Children", self.page(params, "ListChildren", f"{parent_id}/{child_type}", children))

    def op_ListParents(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        child_id = self.required(params, "ChildId", re.compile(r"^(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$"), "childId")
        parent_id = self.org.parent_of(child_id)
        if parent_id is None:
            raise AwsError(400, "ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the "
                                                          "ChildId that you specified.")
        parents = [{"Id": parent_id, "Type": "ROOT" if parent_id == ROOT_ID else "ORGANIZATIONAL_UNIT"}]
        return self.paged("Parents", self.page(params, "ListParents", child_id, parents))

    def op_DescribeAccount(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        account_id = self.required(params, "AccountId", ACCOUNT_ID_RE, "accountId")
        member = self.org.accounts.get(account_id)
        if member is None:
            raise AwsError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
        return {"Account": self.account_shape(member)}

    def op_DescribeOrganizationalUnit(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        ou_id = self.required(params, "OrganizationalUnitId", OU_ID_RE, "organizationalUnitId")
        ou = self.org.ous.get(ou_id)
        if ou is None:
            raise AwsError(400, "OrganizationalUnitNotFoundException", "We can't find an organizational unit (OU) with the "
                                                                       "OrganizationalUnitId that you specified.")
        return {"OrganizationalUnit": self.ou_shape(ou)}

    def op_ListTagsForResource(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        resource_id = self.required(params, "ResourceId", re.compile(
            r"^(\d{12})|(r-[0-9a-z]{4,32})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})|(p-[0-9a-zA-Z_]{8,128})$"), "resourceId")
        if resource_id in self.org.accounts:
            tags = self.org.accounts[resource_id].tags
        elif self.org.is_parent(resource_id):
            tags = {}
        else:
            raise AwsError(400, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId "
                                                           "that you specified.")
        items = [{"Key": key, "Value": value} for key, value in tags.items()]
        return self.paged("Tags", self.page(params, "ListTagsForResource", resource_id, items, max_results=None))

    def op_ListDelegatedAdministrators(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        admins = []
        for account_id in self.emu.config.delegated_admins:
            member = self.org.accounts[account_id]
            shape = self.account_shape(member)
            del shape["Paths"]
            shape["DelegationEnabledDate"] = _timestamp(member) + 86400
            admins.append(shape)
        scope = str(params.get("ServicePrincipal") or "")
        return self.paged("DelegatedAdministrators", self.page(params, "ListDelegatedAdministrators", scope, admins))
