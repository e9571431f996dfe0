# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the emulator's own tests: the integration suite's (``emulator``/``emu``: one emulator process per pytest
worker, reset before each test; ``org_emulator``/``org_emu``: the one with 20 member accounts).

These tests run no Ansible code, so ``make test`` runs them once, on the main core (``make emulator-tests``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[2]
for _path in (str(_TESTS), str(_TESTS / "integration")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# The fixtures and the smoke marker of the integration suite.
from integration.conftest import emu, emulator, org_emu, org_emulator, pytest_configure

__all__ = ["emu", "emulator", "org_emu", "org_emulator", "pytest_configure"]
