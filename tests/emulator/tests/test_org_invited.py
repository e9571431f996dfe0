# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Members that joined by invitation (``--invited-accounts N``): INVITED in the API, no OrganizationAccountAccessRole
until someone creates it (the admin API, or IAM through an administrator of the account)."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from emulator import invited_member_ids
from emulator.testing import RunningEmulator, start_emulator

from .support import ACCESS_ROLE, MANAGEMENT, access_role, assume, error_of, in_account, member, org, trust

INVITED = [member(5), member(6), member(7)]  # --member-accounts 8 --invited-accounts 3: the three before the suspended one


@pytest.fixture(scope="module")
def invited_emulator(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[RunningEmulator]:
    with start_emulator(tmp_path_factory.mktemp("emulator-invited"), "--member-accounts", "8", "--invited-accounts", "3") as running:
        yield running


@pytest.fixture
def inv(invited_emulator: RunningEmulator) -> RunningEmulator:
    invited_emulator.reset()
    return invited_emulator


def test_invited_members_are_described_as_invited(inv: t.Any) -> None:
    accounts = {a["Id"]: a for a in org(inv).list_accounts()["Accounts"]}
    assert [accounts[member(i)]["JoinedMethod"] for i in range(1, 9)] == ["CREATED"] * 4 + ["INVITED"] * 3 + ["CREATED"]
    info = json.loads(Path(inv.state_dir, "emulator.json").read_text(encoding="utf-8"))["organization"]
    members = {m["id"]: m for m in info["members"]}
    assert info["invited_accounts"] == 3
    assert [(members[a]["joined_method"], members[a]["access_role_arn"]) for a in INVITED] == [("INVITED", None)] * 3
    assert members[member(1)]["access_role_arn"] == access_role(member(1))
    assert inv.client.health()["organization"]["invited_accounts"] == 3
    assert invited_member_ids(8, 3) == INVITED


def test_an_invited_member_has_no_access_role_until_one_is_created(inv: t.Any) -> None:
    account = INVITED[0]
    code, message = error_of(inv.aws("sts", "management-admin").assume_role, RoleArn=access_role(account), RoleSessionName="probe")
    assert (code, message) == ("AccessDenied", f"User: arn:aws:iam::{MANAGEMENT}:user/emulator-admin is not authorized to "
                                               f"perform: sts:AssumeRole on resource: {access_role(account)}")
    assert inv.client.create_access_role(account) == {"role_arn": access_role(account), "created": True}
    assert inv.client.create_access_role(account)["created"] is False
    assert assume(inv, access_role(account))["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{account}:assumed-role/")
    # A created member is unaffected, and a reset takes the role away again.
    assert assume(inv, access_role(member(1)))
    inv.reset()
    assert error_of(inv.aws("sts", "management-admin").assume_role, RoleArn=access_role(account),
                    RoleSessionName="probe")[0] == "AccessDenied"


def test_an_administrator_of_the_account_can_create_the_role_with_iam(inv: t.Any) -> None:
    account = INVITED[1]
    keys = inv.client.account_admin(account)
    assert keys == inv.client.account_admin(account)
    assert keys["user_arn"] == f"arn:aws:iam::{account}:user/emulator-admin"
    admin = {"access_key": keys["access_key_id"], "secret_key": keys["secret_access_key"]}
    assert inv.aws("sts", credentials=admin).get_caller_identity()["Account"] == account
    iam = inv.aws("iam", credentials=admin)
    assert ACCESS_ROLE not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    iam.create_role(RoleName=ACCESS_ROLE, AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}))
    iam.attach_role_policy(RoleName=ACCESS_ROLE, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert in_account(inv, account, "iam").list_roles()["Roles"]


def test_the_admin_endpoints_refuse_accounts_outside_the_organization(inv: t.Any) -> None:
    from emulator.client import EmulatorError

    for account in (MANAGEMENT, "333333333333", "not-an-account"):
        with pytest.raises(EmulatorError, match="HTTP 400"):
            inv.client.create_access_role(account)
        with pytest.raises(EmulatorError, match="HTTP 400"):
            inv.client.account_admin(account)
