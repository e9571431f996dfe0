# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local two-account AWS emulator for the crossaccount.aws tests (see README.md).

Run it with ``PYTHONPATH=tests python -m emulator --state-dir DIR``; talk to its admin API with
``emulator.client.EmulatorClient``. Importing this package does not import moto.
"""

from __future__ import annotations

SOURCE_ACCOUNT = "111111111111"
TARGET_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"
MANAGEMENT_ACCOUNT = "100000000000"
TARGET_ADMIN_ROLE_ARN = f"arn:aws:iam::{TARGET_ACCOUNT}:role/EmulatorTargetAdmin"
PROFILES = ("source-admin", "source-user", "target-admin", "third-admin", "management-admin")
ORGANIZATION_ID = "o-emulator0001"
ORGANIZATION_ROOT_ID = "r-emu1"
ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole"
OU_IDS = {
    "Root/Security": "ou-emu1-00000001",
    "Root/Workloads": "ou-emu1-00000002",
    "Root/Workloads/Prod": "ou-emu1-00000003",
    "Root/Workloads/Dev": "ou-emu1-00000004",
    "Root/Sandbox": "ou-emu1-00000005",
}
OIDC_ISSUER = "https://oidc.emulator.invalid"
# The AWS managed organization policies attached to the root, every OU and every account at start.
FULL_AWS_ACCESS_POLICY = "p-FullAWSAccess"
RCP_FULL_AWS_ACCESS_POLICY = "p-RCPFullAWSAccess"


def member_account_id(index: int) -> str:
    """Id of the generated member ``index`` (1-based): 200000000001, 200000000002, ..."""
    return f"{200000000000 + index:012d}"


def invited_member_ids(member_accounts: int, invited_accounts: int) -> list[str]:
    """Ids of the members ``--invited-accounts`` makes INVITED (no access role): the last ones before the suspended one."""
    return [member_account_id(index) for index in range(member_accounts - invited_accounts, member_accounts)]
