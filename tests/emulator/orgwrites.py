# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Organizations writes to the tree and the accounts: OUs, MoveAccount, CloseAccount, RemoveAccountFromOrganization,
TagResource / UntagResource, with AWS's checks in AWS's order and AWS's errors.

Changes are made on the emulator's ``Organization`` itself, so the read API, ``aws:PrincipalOrgPaths`` /
``aws:ResourceOrgPaths`` and the guardrails see them at once; ``/_emulator/reset`` rebuilds the organization of
the start-up options.
"""

from __future__ import annotations

import re
import time
import typing as t

from emulator.organization import Organization, OrgUnit
from emulator.orgcommon import ACCOUNT_ID_RE, OU_ID_RE, PARENT_ID_RE, invalid, required, text
from emulator.state import MANAGEMENT_ACCOUNT
from emulator.wsgi import AwsError

if t.TYPE_CHECKING:
    from emulator.organizations import OrganizationsApi

# Organizations quotas: OUs per organization, levels of OUs below the root, tags per resource.
MAX_OUS = 1000
MAX_OU_DEPTH = 5
MAX_TAGS = 50
TAGGABLE_RE = re.compile(r"^(r-[0-9a-z]{4,32})|(\d{12})|(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})|(^p-[0-9a-zA-Z_]{8,128})$")


def constraint(reason: str, message: str) -> AwsError:
    return AwsError(400, "ConstraintViolationException", message, extra={"Reason": reason})


def account_not_found() -> AwsError:
    return AwsError(400, "AccountNotFoundException", "We can't find an Amazon Web Services account with the AccountId that you "
                                                     "specified, or the account whose credentials you used to make this request "
                                                     "isn't a member of an organization.")


def ou_not_found() -> AwsError:
    return AwsError(400, "OrganizationalUnitNotFoundException",
                    "We can't find an organizational unit (OU) with the OrganizationalUnitId that you specified.")


def settle_closures(org: Organization, now: float) -> None:
    """Finish the account closures that are due: PENDING_CLOSURE becomes Status SUSPENDED, State CLOSED."""
    if not org.closing:
        return
    for account_id, due in list(org.closing.items()):
        if due <= now:
            del org.closing[account_id]
            member = org.accounts.get(account_id)
            if member is not None:
                member.status, member.state = "SUSPENDED", "CLOSED"
            org.touch()


class OrgWrites:
    def __init__(self, api: OrganizationsApi) -> None:
        self.api = api

    @property
    def org(self) -> Organization:
        return self.api.org

    # ------------------------------------------------------------------ OUs
    def ou_name(self, params: dict[str, t.Any], optional: bool = False) -> str | None:
        return text(params, "Name", "name", 128, optional=optional)

    def check_unique_name(self, parent_id: str, name: str, except_id: str | None = None) -> None:
        if any(ou.name == name and ou.id != except_id for ou in self.org.child_ous(parent_id)):
            raise AwsError(400, "DuplicateOrganizationalUnitException", "An OU with the same name already exists.")

    def op_CreateOrganizationalUnit(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        parent_id = self.api.parent(params)
        name = t.cast(str, self.ou_name(params))
        tags = self.tag_list(params, "Tags", optional=True)
        self.check_unique_name(parent_id, name)
        if len(self.org.ancestors(parent_id)) > MAX_OU_DEPTH:
            raise constraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
        if len(self.org.ous) >= MAX_OUS:
            raise constraint("OU_NUMBER_LIMIT_EXCEEDED",
                             "You attempted to exceed the number of OUs that you can have in an organization.")
        self.org.ou_serial += 1
        ou = OrgUnit(f"ou-emu1-{self.org.ou_serial:08d}", name, parent_id, tags=dict(tags))
        self.org.ous[ou.id] = ou
        self.org.policies.new_target(ou.id)
        return {"OrganizationalUnit": self.api.ou_shape(ou)}

    def existing_ou(self, params: dict[str, t.Any]) -> OrgUnit:
        ou_id = required(params, "OrganizationalUnitId", OU_ID_RE, "organizationalUnitId")
        ou = self.org.ous.get(ou_id)
        if ou is None:
            raise ou_not_found()
        return ou

    def op_UpdateOrganizationalUnit(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        ou = self.existing_ou(params)
        name = self.ou_name(params, optional=True)
        if name is not None:
            self.check_unique_name(ou.parent_id, name, except_id=ou.id)
            ou.name = name
            self.org.touch()
        return {"OrganizationalUnit": self.api.ou_shape(ou)}

    def op_DeleteOrganizationalUnit(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        ou = self.existing_ou(params)
        if self.org.child_ous(ou.id) or self.org.child_accounts(ou.id):
            raise AwsError(400, "OrganizationalUnitNotEmptyException",
                           "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child "
                           "OUs, and try the operation again.")
        del self.org.ous[ou.id]
        self.org.policies.drop_target(ou.id)
        return {}

    # ------------------------------------------------------------- accounts
    def op_MoveAccount(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        account_id = required(params, "AccountId", ACCOUNT_ID_RE, "accountId")
        source = required(params, "SourceParentId", PARENT_ID_RE, "sourceParentId")
        destination = required(params, "DestinationParentId", PARENT_ID_RE, "destinationParentId")
        member = self.org.accounts.get(account_id)
        if member is None:
            raise account_not_found()
        if not self.org.is_parent(source) or member.parent_id != source:
            raise AwsError(400, "SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you "
                                                                 "specified.")
        if not self.org.is_parent(destination):
            raise AwsError(400, "DestinationParentNotFoundException", "We can't find the destination container (a root or OU) "
                                                                      "with the ParentId that you specified.")
        if destination == member.parent_id:
            raise AwsError(400, "DuplicateAccountException", "That account is already present in the specified destination.")
        member.parent_id = destination
        self.org.touch()
        return {}

    def op_CloseAccount(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        account_id = required(params, "AccountId", ACCOUNT_ID_RE, "accountId")
        member = self.org.accounts.get(account_id)
        if member is None:
            raise account_not_found()
        if account_id == MANAGEMENT_ACCOUNT:
            raise constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the "
                                                                "management account for the organization, you must first either "
                                                                "remove or close all member accounts in the organization.")
        if member.status == "SUSPENDED":
            raise AwsError(400, "AccountAlreadyClosedException", "You attempted to close an account that is already closed.")
        if member.status == "PENDING_CLOSURE":
            raise AwsError(400, "ConflictException",
                           "The request failed because it conflicts with the current state of the specified resource.")
        # Asynchronous on AWS: PENDING_CLOSURE first, SUSPENDED (State CLOSED) once done (account_closure_delay).
        member.status = member.state = "PENDING_CLOSURE"
        self.org.closing[account_id] = time.time() + self.api.emu.config.account_closure_delay
        self.org.touch()
        return {}

    def op_RemoveAccountFromOrganization(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        account_id = required(params, "AccountId", ACCOUNT_ID_RE, "accountId")
        if account_id == MANAGEMENT_ACCOUNT:
            raise AwsError(400, "MasterCannotLeaveOrganizationException",
                           "You can't remove a management account from an organization. If you want the management account to "
                           "become a member account in another organization, you must first delete the current organization of "
                           "the management account.")
        member = self.org.accounts.get(account_id)
        if member is None:
            raise account_not_found()
        if account_id in self.api.emu.config.delegated_admins:
            raise constraint("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG",
                             "You attempted to remove an account that is registered as a delegated administrator for a service "
                             "integrated with your organization. To complete this operation, you must first deregister this "
                             "account as a delegated administrator.")
        # The account goes on as a standalone account (its IAM side stays); its organization tags do not.
        del self.org.accounts[account_id]
        member.tags = {}
        self.org.former[account_id] = member
        self.org.closing.pop(account_id, None)
        self.org.policies.drop_target(account_id)
        return {}

    # ----------------------------------------------------------------- tags
    def tag_list(self, params: dict[str, t.Any], name: str, optional: bool = False) -> dict[str, str]:
        tags = params.get(name)
        if tags is None and optional:
            return {}
        if not isinstance(tags, list):
            raise invalid(f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' failed to satisfy "
                          "constraint: Member must not be null", "INPUT_REQUIRED")
        out: dict[str, str] = {}
        for tag in tags:
            if not isinstance(tag, dict):
                raise AwsError(400, "SerializationException", "Start of structure or map found where not expected.")
            key = t.cast(str, text(tag, "Key", "key", 128))
            value = t.cast(str, text(tag, "Value", "value", 256, min_length=0))
            if key.lower().startswith("aws:"):
                raise invalid("You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys "
                              "because they're reserved for Amazon Web Services use.", "INVALID_SYSTEM_TAGS_PARAMETER")
            if key in out:
                raise invalid("Tag keys must be unique among the tags attached to the same entity.", "DUPLICATE_TAG_KEY")
            out[key] = value
        return out

    def taggable(self, params: dict[str, t.Any]) -> dict[str, str]:
        resource_id = required(params, "ResourceId", TAGGABLE_RE, "resourceId")
        policy = self.org.policies.get(resource_id)
        if policy is not None and policy.aws_managed:
            raise invalid("You specified a policy that is managed by Amazon Web Services and can't be modified.",
                          "IMMUTABLE_POLICY")
        return self.api.tags_of(resource_id)

    def op_TagResource(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        tags = self.taggable(params)
        new = self.tag_list(params, "Tags")
        if len(set(tags) | set(new)) > MAX_TAGS:
            raise constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the number of tags allowed on this resource.")
        tags.update(new)
        return {}

    def op_UntagResource(self, params: dict[str, t.Any]) -> dict[str, t.Any]:  # pylint: disable=invalid-name
        tags = self.taggable(params)
        keys = params.get("TagKeys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise invalid("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
                          "Member must not be null", "INPUT_REQUIRED")
        for key in keys:
            tags.pop(key, None)
        return {}
