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
TARGET_ADMIN_ROLE_ARN = f"arn:aws:iam::{TARGET_ACCOUNT}:role/EmulatorTargetAdmin"
PROFILES = ("source-admin", "source-user", "target-admin", "third-admin")
