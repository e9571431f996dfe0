# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated AWS Organization: a fixed OU tree, the management account and generated members.

Pure data, built in well under a millisecond per member, so that 999 members start as fast as 6. The
IAM side of a generated member (its OrganizationAccountAccessRole) is created by the emulator only
when the account is first touched (``Emulator.iam_if_exists``). The Organizations write API changes it
(``orgwrites.py``); its organization policies live in ``orgpolicies.PolicyStore``. Every change bumps
``generation``, which is what the guardrail cache (``guardrails.py``) is keyed on.
"""

from __future__ import annotations

import datetime
import itertools
import typing as t
from dataclasses import dataclass, field

from emulator.orgpolicies import PolicyStore
from emulator.state import MANAGEMENT_ACCOUNT, PARTITION, SOURCE_ACCOUNT, TARGET_ACCOUNT

ORGANIZATION_ID = "o-emulator0001"
ROOT_ID = "r-emu1"
ACCESS_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_MEMBER_ACCOUNTS = 6
# 999 keeps the generated ids at twelve digits (200000000001 ... 200000000999).
MAX_MEMBER_ACCOUNTS = 999

SECURITY_OU = "ou-emu1-00000001"
WORKLOADS_OU = "ou-emu1-00000002"
PROD_OU = "ou-emu1-00000003"
DEV_OU = "ou-emu1-00000004"
SANDBOX_OU = "ou-emu1-00000005"
# (id, name, parent id), parents first.
OU_TREE = (
    (SECURITY_OU, "Security", ROOT_ID),
    (WORKLOADS_OU, "Workloads", ROOT_ID),
    (PROD_OU, "Prod", WORKLOADS_OU),
    (DEV_OU, "Dev", WORKLOADS_OU),
    (SANDBOX_OU, "Sandbox", ROOT_ID),
)
# Generated members go round-robin over these OUs, tagged env=<value>.
MEMBER_PLACEMENT = ((PROD_OU, "prod"), (DEV_OU, "dev"), (SANDBOX_OU, "sandbox"), (WORKLOADS_OU, "workloads"))
# One counter for every Organization object, so that a rebuilt organization (reset) never reuses a generation.
_GENERATIONS = itertools.count(1)
# Fixed so that every start answers the same (the date the emulated organization was "created").
CREATED = datetime.datetime(2024, 1, 15, 9, 0, tzinfo=datetime.UTC)


def member_account_id(index: int) -> str:
    return f"{200000000000 + index:012d}"


@dataclass
class OrgUnit:
    id: str
    name: str
    parent_id: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Member:
    id: str
    name: str
    email: str
    parent_id: str
    status: str = "ACTIVE"
    joined_method: str = "CREATED"
    joined: datetime.datetime = CREATED
    tags: dict[str, str] = field(default_factory=dict)
    generated: bool = False
    # Organizations creates OrganizationAccountAccessRole only in the accounts it creates; an invited account
    # has one only if someone made it (the emulator's invited members start without).
    access_role: bool = True
    # AWS's newer lifecycle field (Status is being retired): None means "the same as status".
    state: str | None = None


def invited_indices(member_accounts: int, invited_accounts: int) -> range:
    """The generated members that joined by invitation: the last ``invited_accounts`` before the suspended one."""
    return range(member_accounts - invited_accounts, member_accounts)


class Organization:
    def __init__(self, member_accounts: int = DEFAULT_MEMBER_ACCOUNTS, invited_accounts: int = 0) -> None:
        if not 0 <= member_accounts <= MAX_MEMBER_ACCOUNTS:
            raise ValueError(f"member_accounts must be between 0 and {MAX_MEMBER_ACCOUNTS}")
        if not 0 <= invited_accounts <= max(0, member_accounts - 1):
            raise ValueError("invited_accounts must be between 0 and member_accounts - 1 (the last member is suspended)")
        self.member_count = member_accounts
        self.invited_count = invited_accounts
        # Bumped by every change of the tree, the accounts or the policies (guardrails.py caches on it).
        self.generation = next(_GENERATIONS)
        self.ous = {ou_id: OrgUnit(ou_id, name, parent) for ou_id, name, parent in OU_TREE}
        self.root_tags: dict[str, str] = {}
        self.accounts: dict[str, Member] = {}
        # Accounts removed from the organization: they still exist (their IAM side too), outside it.
        self.former: dict[str, Member] = {}
        # CloseAccount in progress: account id -> when the closure completes (PENDING_CLOSURE -> SUSPENDED).
        self.closing: dict[str, float] = {}
        # Serial number of the last OU id handed out (ids are never reused, as on AWS).
        self.ou_serial = len(self.ous)
        self._add(Member(MANAGEMENT_ACCOUNT, "management", "management@example.invalid", ROOT_ID, joined_method="INVITED"))
        self._add(Member(SOURCE_ACCOUNT, "source", "source@example.invalid", SECURITY_OU, joined_method="INVITED",
                         joined=CREATED + datetime.timedelta(minutes=1)))
        self._add(Member(TARGET_ACCOUNT, "target", "target@example.invalid", PROD_OU, joined_method="INVITED",
                         joined=CREATED + datetime.timedelta(minutes=2)))
        invited = invited_indices(member_accounts, invited_accounts)
        for index in range(1, member_accounts + 1):
            parent, env = MEMBER_PLACEMENT[(index - 1) % len(MEMBER_PLACEMENT)]
            name = f"member-{index:03d}"
            self._add(Member(member_account_id(index), name, f"{name}@example.invalid", parent,
                             status="SUSPENDED" if index == member_accounts else "ACTIVE",
                             joined=CREATED + datetime.timedelta(hours=1, minutes=index),
                             joined_method="INVITED" if index in invited else "CREATED", access_role=index not in invited,
                             tags={"env": env, "team": "blue" if index % 2 else "red"}, generated=True))
        self.policies = PolicyStore(self)

    def _add(self, member: Member) -> None:
        self.accounts[member.id] = member

    # ------------------------------------------------------------ lookups
    def is_member(self, account: str | None) -> bool:
        return account in self.accounts

    def known(self, account: str) -> Member | None:
        """A member, or an account that left the organization (it still exists, outside it)."""
        return self.accounts.get(account) or self.former.get(account)

    def touch(self) -> None:
        self.generation = next(_GENERATIONS)

    def targets(self) -> list[str]:
        """Every policy target: the root, the OUs (parents first) and the accounts."""
        return [ROOT_ID, *self.ous, *self.accounts]

    def parent_of(self, node_id: str) -> str | None:
        if node_id in self.accounts:
            return self.accounts[node_id].parent_id
        if node_id in self.ous:
            return self.ous[node_id].parent_id
        return None

    def ancestors(self, parent_id: str) -> list[str]:
        """The ids from the root down to ``parent_id`` (a root or OU id)."""
        chain: list[str] = []
        node: str | None = parent_id
        while node is not None and node != ROOT_ID:
            chain.append(node)
            node = self.ous[node].parent_id if node in self.ous else None
        return [ROOT_ID, *reversed(chain)]

    def id_path(self, parent_id: str) -> str:
        """``o-…/r-…/ou-…/`` of a root or OU (aws:PrincipalOrgPaths of the accounts directly in it)."""
        return f"{ORGANIZATION_ID}/" + "".join(f"{node}/" for node in self.ancestors(parent_id))

    def name_path(self, parent_id: str) -> str:
        """``Root/Workloads/Prod`` of a root or OU."""
        return "/".join("Root" if node == ROOT_ID else self.ous[node].name for node in self.ancestors(parent_id))

    def account_org_path(self, account: str) -> str | None:
        member = self.accounts.get(account)
        return self.id_path(member.parent_id) if member else None

    def child_ous(self, parent_id: str) -> list[OrgUnit]:
        return [ou for ou in self.ous.values() if ou.parent_id == parent_id]

    def child_accounts(self, parent_id: str) -> list[Member]:
        return [m for m in self.accounts.values() if m.parent_id == parent_id]

    def is_parent(self, node_id: str) -> bool:
        return node_id == ROOT_ID or node_id in self.ous

    def generated_members(self) -> t.Iterator[Member]:
        return (m for m in self.accounts.values() if m.generated)

    # --------------------------------------------------------------- ARNs
    @staticmethod
    def arn(kind: str, resource: str) -> str:
        return f"arn:{PARTITION}:organizations::{MANAGEMENT_ACCOUNT}:{kind}/{ORGANIZATION_ID}/{resource}"

    def access_role_arn(self, account: str) -> str:
        return f"arn:{PARTITION}:iam::{account}:role/{ACCESS_ROLE_NAME}"

    # ------------------------------------------------------ emulator.json
    def describe(self) -> dict[str, t.Any]:
        """The ``organization`` entry of emulator.json."""
        ous = {"Root": ROOT_ID}
        ous.update({self.name_path(ou.id): ou.id for ou in self.ous.values()})
        members = [{
            "id": m.id,
            "name": m.name,
            "email": m.email,
            "status": m.status,
            "ou_id": m.parent_id,
            "ou_path": self.name_path(m.parent_id),
            "tags": dict(m.tags),
            "joined_method": m.joined_method,
            "access_role_arn": None if m.id == MANAGEMENT_ACCOUNT or not m.access_role else self.access_role_arn(m.id),
        } for m in self.accounts.values()]
        return {
            "id": ORGANIZATION_ID,
            "arn": f"arn:{PARTITION}:organizations::{MANAGEMENT_ACCOUNT}:organization/{ORGANIZATION_ID}",
            "root_id": ROOT_ID,
            "management_account": MANAGEMENT_ACCOUNT,
            "member_accounts": self.member_count,
            "invited_accounts": self.invited_count,
            "ous": ous,
            "members": members,
        }
