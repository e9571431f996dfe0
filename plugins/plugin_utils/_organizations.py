# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: reading an AWS Organization for the organization_accounts inventory.

Controller-only. The reads, and why these ones:

- ``DescribeOrganization`` once: the management account id (to leave it out by default), the
  organization's partition, and the clearest error for a caller outside any organization.
- ``ListRoots`` once, then ``ListOrganizationalUnitsForParent`` at most once per parent (a lazy
  cache of the tree): a path such as ``Root/Workloads/Prod`` costs one call per level, a selected OU
  one call per OU below it; an OU id makes the whole tree be read, because only the tree says where
  an id sits.
- ``ListAccountsForParent`` once per selected OU (or root), rather than ``ListAccounts`` plus
  ``ListParents``: the OU of an account is the parent it was listed under, so the calls grow with
  the number of OUs (plus one page per 20 accounts) instead of one ``ListParents`` per account, and an
  ``ou_paths`` selection lists only its own part of the organization.
- ``ListTagsForResource`` once per account that passed every other filter: ``aws_account_tags`` is a
  hostvar of every host, and tags are the one thing no list call returns. Accounts left out by OU,
  id, status or management filters cost nothing.

The calls themselves (one function per API call, paginated) are ``module_utils/_organizations_api``, shared with
the modules' guardrail checks.
"""

from __future__ import annotations

import re
import typing as t
from collections import Counter
from dataclasses import dataclass, field

from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_organizations as v_org
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn, role_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    AwsConnection,
    OptionAdapter,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError
from ansible_collections.crossaccount.aws.plugins.module_utils._organizations_api import (
    describe_organization,
    list_accounts_for_parent,
    list_organizational_units,
    list_roots,
    list_tags,
)

DEFAULT_ACCESS_ROLE = "OrganizationAccountAccessRole"
HOSTNAME_SOURCES = ("name", "id")
ALL_ACCOUNTS_GROUP = "organization_accounts"
# Bumped whenever the cached shape changes, so an older cache entry is read again from AWS.
CACHE_FORMAT = 2

Selector = t.Tuple[str, t.Union[str, t.Tuple[str, ...]]]

_NOT_READABLE = {
    "AccessDeniedException": (
        "the connection must be that of the organization's management account or of a delegated administrator"
    ),
    "AWSOrganizationsNotInUseException": (
        "use the connection of the organization's management account or of a delegated administrator"
    ),
}


@dataclass(frozen=True)
class InventoryRequest:
    """The validated options of one inventory source."""

    ou_paths: tuple[Selector, ...] = ()
    include_account_ids: frozenset[str] | None = None
    exclude_account_ids: frozenset[str] = frozenset()
    include_management_account: bool = False
    statuses: frozenset[str] = frozenset({"ACTIVE"})
    tag_filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    access_role_name: str = DEFAULT_ACCESS_ROLE
    hostnames: str = "name"


def request_from_options(given: OptionAdapter) -> InventoryRequest:
    """Validate every inventory option (not the connection) before any AWS call."""
    options = OptionAdapter(lambda name: _plain(given.get(name)))
    include = options.get("include_account_ids")
    include_management = v.boolean(options.get("include_management_account", False), "include_management_account", spellings=False)
    return InventoryRequest(
        ou_paths=tuple(v_org.ou_selectors(options.get("ou_paths"), "ou_paths")),
        include_account_ids=None if include is None else frozenset(v.account_ids(include, "include_account_ids")),
        exclude_account_ids=frozenset(v.account_ids(options.get("exclude_account_ids"), "exclude_account_ids")),
        include_management_account=include_management,
        statuses=frozenset(v_org.account_states(options.get("statuses", ["ACTIVE"]), "statuses")),
        tag_filters=v_org.tag_filters(options.get("tag_filters"), "tag_filters"),
        access_role_name=v.iam_name(options.get("access_role_name", DEFAULT_ACCESS_ROLE), "access_role_name"),
        hostnames=v.choice(options.get("hostnames", "name"), "hostnames", HOSTNAME_SOURCES),
    )


def _plain(value: t.Any) -> t.Any:
    # ansible-core 2.19 hands plugins origin-tagged str/list/dict subclasses: choice() compares exact types and
    # messages would show the subclass name, so validators see plain values.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, t.Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


# --- the OU tree -------------------------------------------------------------------------------

class OrganizationTree:
    """The root and its OUs, each parent listed at most once per run."""

    def __init__(self, client: t.Any) -> None:
        self._client = client
        roots = list_roots(client)
        if not roots:
            raise CrossAccountError("organizations:ListRoots returned no root; the organization cannot be read")
        root = roots[0]
        self.root_id: str = root["Id"]
        self.paths: dict[str, tuple[str, ...]] = {self.root_id: (root.get("Name") or "Root",)}
        self._children: dict[str, list[str]] = {}

    def children(self, parent_id: str) -> list[str]:
        if parent_id not in self._children:
            ids = []
            for ou in list_organizational_units(self._client, parent_id):
                self.paths[ou["Id"]] = self.paths[parent_id] + (ou.get("Name") or ou["Id"],)
                ids.append(ou["Id"])
            self._children[parent_id] = ids
        return self._children[parent_id]

    def subtree(self, node_id: str) -> list[str]:
        """The node and every OU below it, parents before children."""
        result, pending = [], [node_id]
        while pending:
            current = pending.pop(0)
            result.append(current)
            pending.extend(self.children(current))
        return result

    def resolve(self, selector: Selector, option: str) -> str:
        kind, value = selector
        if kind == "id":
            ou_id = t.cast(str, value)
            if ou_id not in self.paths:
                self.subtree(self.root_id)
            if ou_id not in self.paths:
                raise CrossAccountError(f"{option}: no OU with id {ou_id!r} in this organization")
            return ou_id
        segments = t.cast(t.Tuple[str, ...], value)
        root_name = self.paths[self.root_id][0]
        if segments[0] != root_name:
            raise CrossAccountError(f"{option}: an OU path starts with the root's name {root_name!r}, "
                                    f"as in '{root_name}/{'/'.join(segments)}'; got {'/'.join(segments)!r}")
        current = self.root_id
        for depth, name in enumerate(segments[1:], start=1):
            matches = [child for child in self.children(current) if self.paths[child][-1] == name]
            if not matches:
                here = "/".join(segments[:depth])
                # OU names may hold any ASCII, control characters included: shown quoted and escaped.
                known = sorted(self.paths[child][-1] for child in self.children(current))
                listing = f"its OUs are: {', '.join(repr(name) for name in known)}" if known else "it has no OUs"
                raise CrossAccountError(f"{option}: no OU {name!r} under {here!r} ({listing})")
            current = matches[0]
        return current


# --- reading the accounts ----------------------------------------------------------------------

def _state(account: t.Mapping[str, t.Any]) -> str:
    # State replaces Status (retired by AWS in September 2026); older endpoints only send Status.
    return str(account.get("State") or account.get("Status") or "")


def _partition(*arns: t.Any) -> str:
    for value in arns:
        parsed = parse_arn(value)
        if parsed is not None:
            return parsed.partition
    return "aws"


def _not_readable(exc: CrossAccountError) -> CrossAccountError:
    hint = _NOT_READABLE.get(exc.code or "")
    if hint is None:
        return exc
    return CrossAccountError(f"{exc.msg.rstrip('. ')} ({hint})", operation=exc.operation, code=exc.code)


def read_organization(connection: AwsConnection, request: InventoryRequest) -> dict[str, t.Any]:
    """The selected accounts as hostvar records, plus the OU ids of their paths (for group names)."""
    try:
        return _read(connection.client("organizations"), request)
    except CrossAccountError as exc:
        raise _not_readable(exc) from None


def _read(client: t.Any, request: InventoryRequest) -> dict[str, t.Any]:
    organization = describe_organization(client)
    management_id = organization.get("MasterAccountId")
    tree = OrganizationTree(client)
    if request.ou_paths:
        starts = [tree.resolve(selector, f"ou_paths[{index}]") for index, selector in enumerate(request.ou_paths)]
    else:
        starts = [tree.root_id]
    parents: list[str] = []
    for start in starts:
        parents.extend(node for node in tree.subtree(start) if node not in parents)

    selected = []
    for parent in parents:
        for account in list_accounts_for_parent(client, parent):
            if _keep(account, request, management_id):
                selected.append((account, parent))

    records = []
    for account, parent in sorted(selected, key=lambda item: item[0]["Id"]):
        tags = list_tags(client, account["Id"])
        if not _tags_match(tags, request.tag_filters):
            continue
        partition = _partition(account.get("Arn"), organization.get("Arn"))
        records.append({
            "aws_account_id": account["Id"],
            "aws_account_name": account.get("Name") or account["Id"],
            "aws_account_email": account.get("Email"),
            "aws_account_status": _state(account),
            "aws_account_ou_path": "/".join(tree.paths[parent]),
            "aws_account_ou_id": parent,
            "aws_account_tags": tags,
            "aws_account_access_role_arn": role_arn(account["Id"], request.access_role_name, partition=partition),
            "aws_account_joined_method": account.get("JoinedMethod") or "",
        })
    ous = {"/".join(path): node for node, path in tree.paths.items()}
    return {"format": CACHE_FORMAT, "organization_id": organization.get("Id"), "accounts": records, "ous": ous}


def _keep(account: t.Mapping[str, t.Any], request: InventoryRequest, management_id: str | None) -> bool:
    account_id = account["Id"]
    if request.include_account_ids is not None and account_id not in request.include_account_ids:
        return False
    if account_id in request.exclude_account_ids:
        return False
    if account_id == management_id and not request.include_management_account:
        return False
    return _state(account) in request.statuses


def _tags_match(tags: t.Mapping[str, str], filters: t.Mapping[str, tuple[str, ...]]) -> bool:
    # Every key must match (AND); any of a key's values will do (OR).
    return all(tags.get(key) in values for key, values in filters.items())


# --- from records to inventory -----------------------------------------------------------------

def group_name(path: str, ous: t.Mapping[str, str]) -> str:
    """``Root/Workloads/Prod`` -> ``ou_root_workloads_prod``; a name without ASCII letters or digits uses its OU id."""
    parts = []
    segments = path.split("/")
    for depth, segment in enumerate(segments, start=1):
        slug = re.sub(r"[^a-z0-9]+", "_", segment.lower(), flags=re.ASCII).strip("_")
        if not slug:
            slug = re.sub(r"[^a-z0-9]+", "_", ous.get("/".join(segments[:depth]), "ou"))
        parts.append(slug)
    return "ou_" + "_".join(parts)


# Host names reach places where ansible-core before 2.19 renders text as a template (inventory_hostname,
# ansible_play_hosts, group_names): only these characters keep an account name inert there.
_HOSTNAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]", re.ASCII)


def clean_hostname(name: str) -> str:
    """An account name with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return _HOSTNAME_UNSAFE.sub("_", name)


def hostnames(records: t.Sequence[t.Mapping[str, t.Any]], source: str) -> list[str]:
    """The host name of each record, in order: the cleaned account name, or the account id.

    The id names a host whose cleaned name is empty or only dots (``..`` would be a path to the host_vars
    plugin), and every host whose cleaned name another account also has: AWS does not keep names
    unique, and two accounts must never merge into one host.
    """
    ids = [str(record["aws_account_id"]) for record in records]
    if source == "id":
        return ids
    chosen = []
    for record, account_id in zip(records, ids):
        name = clean_hostname(str(record.get("aws_account_name") or ""))
        chosen.append(name if name.strip(".") else account_id)
    # An id that became a host name may equal another account's cleaned name: repeat until no two are equal.
    while True:
        counts = Counter(chosen)
        clashing = [index for index, name in enumerate(chosen) if counts[name] > 1 and name != ids[index]]
        if not clashing:
            return chosen
        for index in clashing:
            chosen[index] = ids[index]
