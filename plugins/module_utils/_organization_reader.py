# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: the parts of an AWS Organization the guardrail checks read, each read at most once.

One ``OrganizationReader`` per connection (``reader_for``) caches, for the whole run: the organization
(DescribeOrganization), its root and the enabled policy types (ListRoots), the parent of each child
(ListParents), the policies attached to each target (ListPoliciesForTarget with the SCP or RCP filter) and the
document of each policy (DescribePolicy). Accounts of the same OU share every read above them, so N accounts
cost one ListParents and two ListPoliciesForTarget each, plus a few reads per OU and per policy.

For many accounts at once (the pre-flight over an organization) ``prefetch`` reads the other way round and
fills the same caches: the tree by ListOrganizationalUnitsForParent and ListAccountsForParent per OU, and the
attachments by ListPolicies and ListTargetsForPolicy per policy. Then the cost is bounded by the number of OUs
and policies (plus one page per 20 accounts), not by the number of accounts.
"""

from __future__ import annotations

import typing as t
import weakref

from ansible_collections.crossaccount.aws.plugins.module_utils import _organizations_api, _policy
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._guardrails import POLICY_TYPES, Level, OrgPolicy, Place

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import AwsConnection

# From this many accounts on, prefetch() reads the whole tree and every attachment instead of walking up from each
# account: about 2 calls per OU plus 2 per policy, against 3 per account (one ListParents, one ListPoliciesForTarget
# per policy type) for the walk up.
BULK_THRESHOLD = 8

_HINTS = {
    "AccessDeniedException": "the connection must be that of the organization's management account or of a delegated administrator "
                             "for AWS Organizations policies",
    "AWSOrganizationsNotInUseException": "the account is in no organization; use the connection of the organization's management "
                                         "account or of a delegated administrator",
}


def readable(exc: CrossAccountError, option: str | None = None) -> CrossAccountError:
    """The error of a read, naming the option whose connection made it (None: the module's own) and what it must be."""
    hint = _HINTS.get(exc.code or "")
    msg = (f"{option}: " if option else "") + exc.msg.rstrip(". ") + (f" ({hint})" if hint else "")
    return CrossAccountError(msg, operation=exc.operation, code=exc.code)


class OrganizationReader:
    """The organization through one connection, every read cached for the life of the reader."""

    def __init__(self, connection: AwsConnection) -> None:
        self._connection = connection
        self._client: t.Any = None
        self.calls = 0  # Organizations API calls made (each page counts)
        self._organization: dict[str, t.Any] | None = None
        self._root: dict[str, t.Any] | None = None
        self._parents: dict[str, str | None] = {}
        self._tree_complete = False
        self._attached: dict[tuple[str, str], list[dict[str, t.Any]]] = {}
        self._complete_types: set[str] = set()
        self._documents: dict[str, OrgPolicy] = {}

    @property
    def client(self) -> t.Any:
        if self._client is None:
            self._client = self._connection.client("organizations")
            self._client.meta.events.register("after-call.organizations", self._count)
        return self._client

    def _count(self, **_kwargs: t.Any) -> None:
        self.calls += 1

    # --- the organization ---------------------------------------------------------------------------------

    def organization(self) -> dict[str, t.Any]:
        if self._organization is None:
            self._organization = _organizations_api.describe_organization(self.client)
        return self._organization

    @property
    def organization_id(self) -> str:
        return str(self.organization()["Id"])

    @property
    def management_account(self) -> str | None:
        value = self.organization().get("MasterAccountId")
        return str(value) if value else None

    @property
    def partition(self) -> str:
        parsed = parse_arn(self.organization().get("Arn") or "")
        return parsed.partition if parsed is not None else "aws"

    def root(self) -> dict[str, t.Any]:
        if self._root is None:
            roots = _organizations_api.list_roots(self.client)
            if not roots:
                raise CrossAccountError("organizations:ListRoots returned no root; the organization cannot be read")
            self._root = roots[0]
        return self._root

    @property
    def root_id(self) -> str:
        return str(self.root()["Id"])

    def enabled(self, policy_type: str) -> bool:
        """Whether the policy type is enabled in the root (only then are its policies enforced)."""
        return any(item.get("Type") == policy_type and item.get("Status") == "ENABLED" for item in self.root().get("PolicyTypes") or [])

    # --- where an account sits ----------------------------------------------------------------------------

    def parent(self, child_id: str) -> str | None:
        """The root or OU directly above an account or OU; None when the organization has no such child."""
        if child_id not in self._parents:
            if self._tree_complete:
                return None
            parents = _organizations_api.list_parents(self.client, child_id)
            self._parents[child_id] = str(parents[0]["Id"]) if parents else None
        return self._parents[child_id]

    def path(self, account_id: str) -> list[str] | None:
        """The root, the OUs and the account itself, top down; None for an account outside the organization."""
        chain = [account_id]
        node = self.parent(account_id)
        if node is None:
            return None
        while node is not None:
            chain.append(node)
            node = None if node.startswith("r-") else self.parent(node)
        return list(reversed(chain))

    def place(self, account_id: str) -> Place:
        """Where the account sits, as the aws:PrincipalOrgPaths / aws:ResourceOrgPaths keys say it."""
        path = self.path(account_id)
        if path is None:
            return Place(self.organization_id)
        return Place(self.organization_id, "/".join([self.organization_id, *path[:-1]]) + "/")

    # --- the policies -------------------------------------------------------------------------------------

    def document(self, summary: t.Mapping[str, t.Any], policy_type: str) -> OrgPolicy:
        policy_id = str(summary["Id"])
        if policy_id not in self._documents:
            described = _organizations_api.describe_policy(self.client, policy_id)
            full = described.get("PolicySummary") or summary
            try:
                document = _policy.load(described.get("Content") or "")
            except ValueError as exc:
                raise CrossAccountError(f"organizations:DescribePolicy: the content of policy {policy_id} cannot be read: {exc}") from None
            self._documents[policy_id] = OrgPolicy(policy_id, str(full.get("Name") or policy_id), policy_type, document,
                                                   full.get("Arn"), bool(full.get("AwsManaged")))
        return self._documents[policy_id]

    def attached(self, target_id: str, policy_type: str) -> list[OrgPolicy]:
        """The policies of one type attached directly to a root, OU or account (ordered by id, as both reads agree on)."""
        key = (target_id, policy_type)
        if key not in self._attached:
            known = policy_type in self._complete_types
            self._attached[key] = [] if known else _organizations_api.list_policies_for_target(self.client, target_id, policy_type)
        summaries = sorted(self._attached[key], key=lambda item: str(item["Id"]))
        return [self.document(summary, policy_type) for summary in summaries]

    def levels(self, account_id: str, policy_type: str) -> list[Level] | None:
        """Each level of the account's path with its policies of the type; None when the type is not enforced on it."""
        if not self.enabled(policy_type):
            return None
        path = self.path(account_id)
        if path is None:
            return None
        return [Level(target, tuple(self.attached(target, policy_type))) for target in path]

    # --- many accounts at once ----------------------------------------------------------------------------

    def prefetch(self, account_ids: t.Collection[str], policy_types: t.Iterable[str] = POLICY_TYPES) -> None:
        """Read the tree and every attachment of the enabled types top down, when that is cheaper than walking up."""
        if len(set(account_ids)) < BULK_THRESHOLD:
            return
        self._read_tree()
        for policy_type in policy_types:
            if policy_type in self._complete_types or not self.enabled(policy_type):
                continue
            attached: dict[tuple[str, str], list[dict[str, t.Any]]] = {}
            for summary in _organizations_api.list_policies(self.client, policy_type):
                for target in _organizations_api.list_targets_for_policy(self.client, str(summary["Id"])):
                    attached.setdefault((str(target["TargetId"]), policy_type), []).append(summary)
            self._attached.update(attached)
            self._complete_types.add(policy_type)

    def _read_tree(self) -> None:
        if self._tree_complete:
            return
        pending = [self.root_id]
        parents: dict[str, str | None] = {}
        while pending:
            node = pending.pop(0)
            for ou in _organizations_api.list_organizational_units(self.client, node):
                parents[str(ou["Id"])] = node
                pending.append(str(ou["Id"]))
            for account in _organizations_api.list_accounts_for_parent(self.client, node):
                parents[str(account["Id"])] = node
        self._parents.update(parents)
        self._tree_complete = True


_READERS: weakref.WeakKeyDictionary[t.Any, OrganizationReader] = weakref.WeakKeyDictionary()


def reader_for(connection: AwsConnection) -> OrganizationReader:
    """The one reader of a connection: every check of a run that reads through it shares its cache."""
    reader = _READERS.get(connection)
    if reader is None:
        reader = OrganizationReader(connection)
        _READERS[connection] = reader
    return reader
